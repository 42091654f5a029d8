// Reads for CAP export, import and the public feed.
import { and, asc, desc, eq, isNotNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { warnings } from "../schema/index.js";
import type { Warning } from "./warnings.js";
import { jsonRows } from "../json-rows.js";

/** Earlier versions of `w`'s thread that went out: what a CAP Update/Cancel references. */
export async function earlierIssued(db: Db, w: Pick<Warning, "threadId" | "version">): Promise<Warning[]> {
  return db
    .select()
    .from(warnings)
    .where(and(eq(warnings.threadId, w.threadId), lt(warnings.version, w.version), isNotNull(warnings.issuedAt)))
    .orderBy(asc(warnings.version));
}

const importedAs = (sender: string, identifier: string) =>
  and(sql`${warnings.source}->>'sender' = ${sender}`, sql`${warnings.source}->>'identifier' = ${identifier}`);

/** Serialises imports of one upstream message until the transaction ends, so a message
 * delivered twice at once still becomes one warning (source has no unique index). */
export async function lockMessage(db: Db, sender: string, identifier: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`cap ${sender} ${identifier}`}, 0))`);
}

/** A warning already created from the upstream message `sender`/`identifier`. */
export async function findImported(db: Db, sender: string, identifier: string): Promise<Warning | undefined> {
  const [w] = await db.select().from(warnings).where(importedAs(sender, identifier)).limit(1);
  return w;
}

/** Threads holding a message named by `refs`: one we imported (by its upstream sender and
 * identifier) or one of our own. The references travel as one jsonb parameter: a message
 * may carry more of them than a statement can take bind parameters. */
export async function threadsReferenced(db: Db, refs: { sender: string; identifier: string }[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const pairs = jsonRows(refs.map((r) => ({ sender: r.sender, identifier: r.identifier })));
  const rows = await db.execute<{ thread_id: string }>(sql`
    with r as (select * from jsonb_to_recordset(${pairs}) as r(sender text, identifier text))
    select distinct w.thread_id from warnings w
    where (w.sender, w.identifier) in (select sender, identifier from r)
      or (w.source->>'sender', w.source->>'identifier') in (select sender, identifier from r)`);
  return rows.map((r) => r.thread_id);
}

export async function latestVersion(db: Db, threadId: string): Promise<Warning> {
  const [w] = await db
    .select()
    .from(warnings)
    .where(eq(warnings.threadId, threadId))
    .orderBy(desc(warnings.version))
    .limit(1);
  return w!;
}

/** The public feed: versions in force (issued, not expired) and those that ended (were
 * cancelled, superseded or expired) since `since`. Never drafts or unreleased versions. */
export async function feedWarnings(db: Db, opts: { now: Date; since: Date; limit: number }): Promise<Warning[]> {
  const now = opts.now.toISOString();
  const since = opts.since.toISOString();
  return db
    .select()
    .from(warnings)
    .where(
      and(
        isNotNull(warnings.issuedAt),
        or(
          sql`${warnings.status} = 'issued' and ${warnings.expires} >= ${since}`,
          sql`${warnings.status} in ('updated', 'cancelled', 'expired') and coalesce(${warnings.endedAt}, ${warnings.expires}) >= ${since}`,
        ),
        sql`${warnings.issuedAt} <= ${now}`,
      ),
    )
    .orderBy(desc(warnings.issuedAt), desc(warnings.id))
    .limit(opts.limit);
}
