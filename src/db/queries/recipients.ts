import { and, asc, gt, like, sql } from "drizzle-orm";
import type { Db } from "../client.js";
import { recipients } from "../schema/index.js";
import { codePrefix } from "../../domain/areas.js";
import type { StoredRecipient } from "../../domain/recipients.js";
import { copyChunks, pgTextArray } from "../copy.js";
import { pgErrorCode, UNIQUE_VIOLATION } from "../errors.js";

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

// A file's people are imported through a staging table inside the import's transaction:
// rows are COPYed in as they pass validation (only the chunk in hand is in memory), the
// file's repeats are found in SQL, and one INSERT … SELECT moves the rest, skipping anyone
// already present (same dedupe key). A file that must be refused rolls back with the
// transaction and leaves nothing.
const STAGE = "recipients_stage";
const STAGE_COLUMNS = [
  "line",
  "name",
  "phone",
  "email",
  "area_code",
  "village_code",
  "audiences",
  "language",
  "role",
  "dedupe_key",
] as const;

export async function createRecipientStage(tx: Db): Promise<void> {
  await tx.execute(sql`
    create temp table recipients_stage (line int, name text, phone text, email text, area_code text,
      village_code text, audiences text[], language text, role text, dedupe_key text) on commit drop`);
}

/** One staged row in COPY column order. */
export function stagedRow(line: number, r: StoredRecipient): (string | null)[] {
  return [
    String(line),
    r.name,
    r.phone,
    r.email,
    r.areaCode,
    r.villageCode,
    pgTextArray(r.audiences),
    r.language,
    r.role ?? null,
    r.dedupeKey,
  ];
}

export async function stageRecipients(
  tx: Db,
  chunks: AsyncIterable<readonly (string | null)[][]> | Iterable<readonly (string | null)[][]>,
): Promise<void> {
  await copyChunks(tx, STAGE, STAGE_COLUMNS, chunks);
}

/** The file's repeats of a person (same dedupe key as an earlier line), removed from the
 * stage: the first line stays. */
export async function dropRepeatedInFile(tx: Db): Promise<{ line: number; first: number; dedupeKey: string }[]> {
  const rows = await tx.execute<{ line: number; first: number; dedupe_key: string }>(sql`
    with ranked as (
      select ctid, line, dedupe_key, min(line) over (partition by dedupe_key) as first from recipients_stage
    )
    delete from recipients_stage s using ranked r
    where s.ctid = r.ctid and r.line <> r.first
    returning r.line, r.first, r.dedupe_key`);
  return rows.map((r) => ({ line: Number(r.line), first: Number(r.first), dedupeKey: r.dedupe_key }));
}

/** Moves the staged people into recipients in file order. Returns how many were new, their
 * ids as [first, last] runs (one import's ids are consecutive but for others' inserts), and the
 * lines whose person was already present. Never the ids themselves: a million of them, parsed
 * from one array and sent back, held the HTTP thread ~0.7 s.
 *
 * Who is present already is taken out of the stage first, and the rest go in by a plain
 * INSERT: ON CONFLICT's speculative insertion cost 3 s of a million-row import (11.8 s
 * against 8.8 s). A person another transaction inserted since is a unique violation, and
 * then the insert runs again (under a savepoint) with ON CONFLICT, which reports them too. */
export async function insertStagedRecipients(tx: Db): Promise<StagedInsert> {
  // A temporary table is never analyzed by autovacuum: without this the join below is
  // planned for a stage of a few hundred rows.
  await tx.execute(sql`analyze recipients_stage`);
  const present = await tx.execute<{ line: number; dedupe_key: string }>(sql`
    delete from recipients_stage s using recipients r where r.dedupe_key = s.dedupe_key
    returning s.line, s.dedupe_key`);
  let inserted: StagedInsert;
  try {
    inserted = await tx.transaction((sp) => moveStaged(sp, false));
  } catch (e) {
    if (pgErrorCode(e) !== UNIQUE_VIOLATION) throw e;
    inserted = await moveStaged(tx, true);
  }
  return {
    ...inserted,
    alreadyPresent: [
      ...present.map((r) => ({ line: Number(r.line), dedupeKey: r.dedupe_key })),
      ...inserted.alreadyPresent,
    ].sort((x, y) => x.line - y.line),
  };
}

export interface StagedInsert {
  imported: number;
  idRanges: [number, number][];
  alreadyPresent: { line: number; dedupeKey: string }[];
}

async function moveStaged(tx: Db, onConflict: boolean): Promise<StagedInsert> {
  const rows = await tx.execute<{
    imported: number | null;
    ranges: [string, string][] | null;
    line: number | null;
    dedupe_key: string | null;
  }>(sql`
    with ins as (
      insert into recipients (name, phone, email, area_code, village_code, audiences, language, role, dedupe_key)
      select name, phone, email, area_code, village_code, audiences, language::language, role::post_role, dedupe_key
      from recipients_stage order by line
      ${onConflict ? sql`on conflict do nothing` : sql``}
      returning id, dedupe_key
    )
    select (select count(*)::int from ins) as imported,
           (select coalesce(json_agg(json_build_array(lo::text, hi::text) order by lo), '[]'::json) from (
              select min(id) as lo, max(id) as hi
              from (select id, id - row_number() over (order by id) as run from ins) x group by run) r) as ranges,
           null::int as line, null as dedupe_key
    ${
      onConflict
        ? sql`union all
    select null, null, s.line, s.dedupe_key from recipients_stage s
    where not exists (select 1 from ins where ins.dedupe_key = s.dedupe_key)`
        : sql``
    }`);
  const head = rows.find((r) => r.line === null);
  return {
    imported: Number(head?.imported ?? 0),
    idRanges: (head?.ranges ?? []).map(([lo, hi]) => [Number(lo), Number(hi)]),
    alreadyPresent: rows
      .filter((r) => r.line !== null)
      .map((r) => ({ line: Number(r.line), dedupeKey: r.dedupe_key! })),
  };
}

/** The ids in `ranges` ([first, last] runs, as insertStagedRecipients gives them). */
export async function recipientIdsIn(tx: Db, ranges: [number, number][]): Promise<number[]> {
  if (ranges.length === 0) return [];
  const rows = await tx.execute<{ id: string }>(sql`
    select r.id from unnest(${sql.param(ranges.map((x) => x[0]))}::bigint[], ${sql.param(ranges.map((x) => x[1]))}::bigint[]) g(lo, hi)
    join recipients r on r.id between g.lo and g.hi order by r.id`);
  return rows.map((r) => Number(r.id));
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
