import { and, asc, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { recipients } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";
import type { StoredRecipient } from "../../domain/recipients.js";
import { copyRows, pgTextArray } from "../copy.js";

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
/** Inserts people set-wise: the rows are COPYed into a staging table and moved with one
 * INSERT … SELECT, skipping anyone already present (same dedupe key). Needs a transaction
 * (the staging table lives until its commit). Returns only what it inserted. */
export async function importRecipients(tx: Db, rows: StoredRecipient[]): Promise<{ id: number; dedupeKey: string }[]> {
  if (rows.length === 0) return [];
  await tx.execute(sql`
    create temp table recipients_stage (name text, phone text, email text, area_code text, village_code text,
      audiences text[], language text, role text, dedupe_key text) on commit drop`);
  await copyRows(
    tx,
    "recipients_stage",
    ["name", "phone", "email", "area_code", "village_code", "audiences", "language", "role", "dedupe_key"],
    rows.map((r) => [
      r.name,
      r.phone,
      r.email,
      r.areaCode,
      r.villageCode,
      pgTextArray(r.audiences),
      r.language,
      r.role ?? null,
      r.dedupeKey,
    ]),
  );
  const got = await tx.execute<{ id: string; dedupe_key: string }>(sql`
    insert into recipients (name, phone, email, area_code, village_code, audiences, language, role, dedupe_key)
    select name, phone, email, area_code, village_code, audiences, language::language, role::post_role, dedupe_key
    from recipients_stage
    on conflict do nothing
    returning id, dedupe_key`);
  await tx.execute(sql`drop table recipients_stage`);
  return got.map((r) => ({ id: Number(r.id), dedupeKey: r.dedupe_key }));
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
