import { and, asc, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { recipients } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";
import type { StoredRecipient } from "../../domain/recipients.js";
import { jsonRows } from "../json-rows.js";

export type Recipient = typeof recipients.$inferSelect;
export type NewRecipient = typeof recipients.$inferInsert;

/** Insert, skipping people already known (same dedupe key). Returns the inserted rows. */
export async function insertRecipients(db: Db, rows: NewRecipient[]): Promise<Recipient[]> {
  const out: Recipient[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    out.push(
      ...(await db
        .insert(recipients)
        .values(rows.slice(i, i + 1000))
        .onConflictDoNothing()
        .returning()),
    );
  }
  return out;
}

/** A file's people in one `INSERT … SELECT` per 20,000 rows (one jsonb parameter each),
 * skipping people already known. drizzle's multi-row insert measured 4–6k rows/s on a
 * million-row import with RETURNING *; this returns only what the caller reads. */
export async function importRecipients(db: Db, rows: StoredRecipient[]): Promise<{ id: number; dedupeKey: string }[]> {
  const out: { id: number; dedupeKey: string }[] = [];
  for (let i = 0; i < rows.length; i += 20_000) {
    const batch = rows.slice(i, i + 20_000).map((r) => ({
      name: r.name,
      phone: r.phone,
      email: r.email,
      area_code: r.areaCode,
      village_code: r.villageCode,
      audiences: r.audiences,
      language: r.language,
      role: r.role,
      dedupe_key: r.dedupeKey,
    }));
    const got = await db.execute<{ id: string; dedupe_key: string }>(sql`
      insert into recipients (name, phone, email, area_code, village_code, audiences, language, role, dedupe_key)
      select o.name, o.phone, o.email, o.area_code, o.village_code, o.audiences, o.language::language,
             o.role::post_role, o.dedupe_key
      from jsonb_to_recordset(${jsonRows(batch)}) as o(name text, phone text, email text, area_code text,
        village_code text, audiences text[], language text, role text, dedupe_key text)
      on conflict do nothing
      returning id, dedupe_key`);
    for (const r of got) out.push({ id: Number(r.id), dedupeKey: r.dedupe_key });
  }
  return out;
}

/** `q` matches a name or phone fragment, or the name of the person's village, township or county. */
export async function listRecipients(
  db: Db,
  opts: { area: string; afterId?: number; limit: number; audience?: string | undefined; q?: string | undefined },
): Promise<Recipient[]> {
  const pattern = opts.q ? `%${opts.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  return db
    .select()
    .from(recipients)
    .where(
      and(
        like(recipients.areaCode, `${codePrefix(opts.area)}%`),
        opts.afterId ? gt(recipients.id, opts.afterId) : undefined,
        opts.audience ? sql`${opts.audience} = any(${recipients.audiences})` : undefined,
        pattern
          ? sql`(${recipients.name} ilike ${pattern} or ${recipients.phone} like ${pattern}
          or ${recipients.villageCode} in (select code from areas where kind = 'village' and name like ${pattern})
          or left(${recipients.villageCode}, 9) || '000' in
            (select code from areas where kind = 'township' and name like ${pattern})
          or left(${recipients.villageCode}, 6) || '000000' in
            (select code from areas where kind = 'county' and name like ${pattern}))`
          : undefined,
      ),
    )
    .orderBy(asc(recipients.id))
    .limit(opts.limit);
}
