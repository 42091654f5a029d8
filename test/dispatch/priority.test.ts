// Responsible people first (issue 17): the people who must act are claimed ahead of the
// public of every level, so their 叫应 deadline does not pass behind a city's backlog.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { claimBatch } from "../../src/deliveries/claims.js";

const ctx = useContext();
const COUNTY = "150421000000"; // 阿鲁科尔沁旗, used only by this file
const PUBLIC = 600;
const responsible: number[] = [];

beforeAll(async () => {
  const db = ctx().tdb.db;
  const vs = await db.execute<{ code: string }>(
    sql`select code from areas where kind = 'village' and code like '150421%' order by code limit 3`,
  );
  const [a, b, c] = vs.map((v) => v.code) as [string, string, string];
  // The public is inserted first, so an id or queue-time order would put it ahead.
  await db.execute(sql`
    insert into recipients (name, phone, area_code, village_code, audiences, language, dedupe_key)
    select 'p' || i, '+86139' || lpad(i::text, 8, '0'), v, v, array['public'], 'zh', 'prio:' || i
    from generate_series(1, ${PUBLIC}) i, lateral (select (array[${a}, ${b}, ${c}])[1 + i % 3] as v) x`);
  responsible.push(
    await addPerson(db, { area: a, audiences: ["info_officer"], role: "primary" }),
    await addPerson(db, { area: b, audiences: ["grid_worker", "public"], role: "backup" }),
    await addPerson(db, { area: c, audiences: ["village_cadre"], role: "primary" }),
    await addPerson(db, { area: a, audiences: ["township_official"] }),
    await addPerson(db, { area: b, audiences: ["county_official"] }),
  );
});

const claim = (limit: number) =>
  claimBatch(ctx().tdb.db, { channel: "sms", limit, owner: "t", now: new Date(Date.now() + 60_000), leaseMs: 60_000 });

describe("dispatch lanes", () => {
  it("every responsible person's message is claimed before the public, even a yellow one behind a red public", async () => {
    const c = ctx();
    const everyone = ["public", "info_officer", "grid_worker", "village_cadre", "township_official", "county_official"];
    const red = await createIssued(c, {
      level: "red",
      areas: { codes: [COUNTY] },
      audiences: everyone,
      channels: ["sms"],
    });
    const yellow = await createIssued(c, {
      level: "yellow",
      areas: { codes: [COUNTY] },
      audiences: ["info_officer"],
      channels: ["sms"],
    });
    // A batch is one lane and one class: the red first lane, then the yellow one, both
    // ahead of the red public.
    const first = await claim(responsible.length + 1);
    expect(first.every((d) => d.warningId === red.id)).toBe(true);
    expect(first.map((d) => d.recipientId).sort()).toEqual([...responsible].sort());
    const second = await claim(responsible.length + 1);
    expect(second.map((d) => [d.warningId, d.recipientId])).toEqual([[yellow.id, responsible[0]]]);
    // Then the public, red first.
    const rest = await claim(PUBLIC + 10);
    expect(rest).toHaveLength(PUBLIC);
    expect(rest.every((d) => d.warningId === red.id && !responsible.includes(d.recipientId!))).toBe(true);
  });
});
