// Fixture people and devices, inserted directly (fast, explicit).
import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";
import { villageOf } from "../../src/domain/areas.js";

let seq = 0;

export async function addPerson(
  db: Db,
  p: {
    area: string;
    audiences?: string[];
    phone?: string | null;
    email?: string | null;
    language?: string;
    role?: "primary" | "backup" | null;
    name?: string;
  },
): Promise<number> {
  const n = ++seq;
  const phone =
    p.phone === undefined
      ? `+86138${String(process.pid % 1000).padStart(3, "0")}${String(n).padStart(5, "0")}`
      : p.phone;
  const email = p.email === undefined ? null : p.email;
  const [r] = await db.execute<{ id: string }>(sql`
    insert into recipients (name, phone, email, area_code, village_code, audiences, language, role, dedupe_key)
    values (${p.name ?? `person${n}`}, ${phone}, ${email}, ${p.area}, ${villageOf(p.area)}, ${sql.param(p.audiences ?? ["public"])}::text[],
            ${p.language ?? "zh"}::language, ${p.role ?? null}::post_role, ${`fixture:${process.pid}:${n}`})
    returning id`);
  return Number(r!.id);
}

export async function addDevice(
  db: Db,
  d: { area: string; kind?: "loudspeaker" | "display"; reach?: number | null },
): Promise<string> {
  const [r] = await db.execute<{ id: string }>(sql`
    insert into devices (kind, name, area_code, village_code, token_hash, reach)
    values (${d.kind ?? "loudspeaker"}, ${"device " + ++seq}, ${d.area}, ${villageOf(d.area)}, ${"hash-" + process.pid + "-" + seq + "-" + Math.random()}, ${d.reach ?? null})
    returning id`);
  return r!.id;
}

export async function addGrid(db: Db, code: string, o: { population?: number; lat?: number; lon?: number } = {}) {
  await db.execute(sql`insert into areas (code, name, kind, parent_code, population, lat, lon)
    values (${code}, ${"网格" + code.split("-")[1]}, 'grid', ${villageOf(code)}, ${o.population ?? null}, ${o.lat ?? null}, ${o.lon ?? null})`);
}

export async function setCentroid(db: Db, code: string, lat: number, lon: number) {
  await db.execute(sql`update areas set lat = ${lat}, lon = ${lon} where code = ${code}`);
}

export async function setPopulation(db: Db, code: string, population: number) {
  await db.execute(sql`update areas set population = ${population} where code = ${code}`);
}

export type DeliveryRow = {
  id: number;
  channel: string;
  recipient_id: number | null;
  device_id: string | null;
  village_code: string;
  status: string;
  error_code: string | null;
  attempts: number;
  address: string | null;
};

export async function deliveriesOf(db: Db, warningId: string): Promise<DeliveryRow[]> {
  const rows = await db.execute<DeliveryRow>(sql`
    select id, channel, recipient_id, device_id, village_code, status, error_code, attempts, address from deliveries
    where warning_id = ${warningId} order by id`);
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    recipient_id: r.recipient_id === null ? null : Number(r.recipient_id),
  }));
}

/** People a warning's public walks have counted and not written a row for yet (they are
 * queued: deliveries/walks.ts writes their rows batch by batch as it claims them). */
export async function pendingOf(db: Db, warningId: string): Promise<number> {
  const [r] = await db.execute<{ n: number }>(sql`
    select coalesce(sum(pending), 0)::int as n from coverage_counts where warning_id = ${warningId}`);
  return r?.n ?? 0;
}
