import { and, asc, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { recipients } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";

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
          or left(${recipients.villageCode}, 9) || '000' in (select code from areas where kind = 'township' and name like ${pattern})
          or left(${recipients.villageCode}, 6) || '000000' in (select code from areas where kind = 'county' and name like ${pattern}))`
          : undefined,
      ),
    )
    .orderBy(asc(recipients.id))
    .limit(opts.limit);
}
