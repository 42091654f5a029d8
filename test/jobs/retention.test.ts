// Retention (issue 17): the ledger is partitioned by month of the warning's issue, and
// the retention job drops a month's partition once it is LEDGER_RETENTION_MONTHS past;
// the warnings, their audit trail and their coverage reports stay exactly as they were.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { ensureLedgerPartitions, ledgerPartitions } from "../../src/db/queries/ledger.js";
import { retentionCutoff, retentionJob } from "../../src/jobs/retention.js";
import { dispatch } from "./helpers.js";
import postgres from "postgres";
import { untilSomeoneWaitsOnALock } from "../helpers/locks.js";
import { deferred } from "../helpers/deferred.js";

const ctx = useContext();
const VILLAGE = "150402001001";

/** Until the other session's table lock on coverage_persons is granted (state, not time). */
async function untilHeld(db: ReturnType<typeof ctx>["tdb"]["db"]) {
  for (let i = 0; i < 1_000; i++) {
    const [r] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from pg_locks where relation = 'coverage_persons'::regclass and granted
        and mode = 'ExclusiveLock'`);
    if (r!.n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the other session never held coverage_persons");
}

const partitionOf = async (c: ReturnType<typeof ctx>, warningId: string) =>
  (
    await c.tdb.db.execute<{ p: string }>(
      sql`select distinct tableoid::regclass::text as p from deliveries where warning_id = ${warningId}`,
    )
  ).map((r) => r.p);

describe("the ledger's partitions and retention", () => {
  it("puts every row of a warning in its issue month's partition and keeps three months ready", async () => {
    const c = ctx();
    const names = (await ledgerPartitions(c.tdb.db)).map((p) => p.name);
    const month = (d: Date) => `deliveries_p${d.toISOString().slice(0, 7).replace("-", "")}`;
    const now = new Date();
    const plusTwo = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 1));
    // Made when the test database was migrated, at the run's start: a run that began in the
    // last minutes of a month has that month's three, not this one's.
    const ready = (d: Date) => [month(d), month(plusTwo(d))].every((m) => names.includes(m));
    expect(names).toContain("deliveries_default");
    expect(ready(now) || ready(new Date(performance.timeOrigin))).toBe(true);
    c.clock.set(now);
    await addPerson(c.tdb.db, { area: VILLAGE });
    const w = await createIssued(c, { areas: { codes: [VILLAGE] }, channels: ["sms"] });
    await dispatch(c, "sms", c.clock.now);
    expect(await partitionOf(c, w.id)).toEqual([month(now)]);
  });

  it("drops a month past retention, keeps one with a warning in force, and the coverage report stays", async () => {
    const c = ctx();
    const db = c.tdb.db;
    for (let i = 0; i < 3; i++) await addPerson(db, { area: VILLAGE });
    // Two old months with partitions, and one older month left to the default partition.
    await ensureLedgerPartitions(db, new Date("2025-06-01T00:00:00Z"), 2);
    c.clock.set("2025-03-10T02:00:00Z");
    const inDefault = await createIssued(c, { areas: { codes: [VILLAGE] }, channels: ["sms"] });
    await dispatch(c, "sms", c.clock.now);
    c.clock.set("2025-06-10T02:00:00Z");
    const old = await createIssued(c, { areas: { codes: [VILLAGE] }, channels: ["sms"] });
    await dispatch(c, "sms", c.clock.now);
    c.clock.set("2025-07-10T02:00:00Z");
    const lasting = await createIssued(c, {
      areas: { codes: [VILLAGE] },
      channels: ["sms"],
      expires: "2027-06-01T00:00:00Z",
    });
    await dispatch(c, "sms", c.clock.now);
    c.clock.set(new Date());
    const recent = await createIssued(c, { areas: { codes: [VILLAGE] }, channels: ["sms"] });
    await dispatch(c, "sms", c.clock.now);
    expect(await partitionOf(c, inDefault.id)).toEqual(["deliveries_default"]);
    expect(await partitionOf(c, old.id)).toEqual(["deliveries_p202506"]);

    const key = c.users.viewer.key;
    const coverage = async (id: string) => json(await c.request("GET", `/api/v1/warnings/${id}/coverage`, { key }));
    const before = await coverage(old.id);
    expect(before.channels.sms.sent).toBeGreaterThanOrEqual(3);
    const [inDefaultRows] = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from deliveries where warning_id = ${inDefault.id}`,
    );
    expect(inDefaultRows!.n).toBeGreaterThanOrEqual(3);

    const at = new Date("2026-12-04T03:30:00Z");
    expect(retentionCutoff(at, c.services.config.ledgerRetentionMonths).toISOString()).toBe("2025-11-01T00:00:00.000Z");
    const r = await retentionJob.run(c.services, at);
    expect(r).toMatchObject({ dropped: 1, kept: 1, defaultRows: inDefaultRows!.n, archivedWarnings: 2 });
    const names = (await ledgerPartitions(db)).map((p) => p.name);
    expect(names).not.toContain("deliveries_p202506");
    expect(names).toContain("deliveries_p202507");

    // The old warnings: no deliveries left, archived, the same coverage figures.
    for (const w of [old, inDefault]) {
      expect(await partitionOf(c, w.id)).toEqual([]);
      const dto = await json(await c.request("GET", `/api/v1/warnings/${w.id}`, { key }));
      expect(dto.ledgerArchivedAt).toBe(at.toISOString());
      const list = await json(await c.request("GET", `/api/v1/warnings/${w.id}/deliveries`, { key }));
      expect(list.items).toEqual([]);
    }
    const after = await coverage(old.id);
    expect({ ...after, ledgerArchivedAt: null }).toEqual({ ...before, ledgerArchivedAt: null });
    expect(after.ledgerArchivedAt).toBe(at.toISOString());
    // Their id blocks' counters go too; the others' stay.
    const ledgers = await db.execute<{ warning_id: string }>(
      sql`select warning_id from delivery_ledgers where warning_id in (${old.id}, ${inDefault.id}, ${lasting.id}, ${recent.id})`,
    );
    expect(ledgers.map((l) => l.warning_id).sort()).toEqual([lasting.id, recent.id].sort());
    // The one still in force and the recent one keep theirs.
    expect(await partitionOf(c, lasting.id)).toEqual(["deliveries_p202507"]);
    expect((await partitionOf(c, recent.id)).length).toBe(1);
    const [audit] = await db.execute<{ after: { dropped: string[]; kept: string[] } }>(
      sql`select after from audit_log where action = 'ledger.retention'`,
    );
    expect(audit!.after).toMatchObject({ dropped: ["deliveries_p202506"], kept: ["deliveries_p202507"] });

    // Idempotent: the same instant again drops and archives nothing more.
    expect(await retentionJob.run(c.services, at)).toMatchObject({
      dropped: 0,
      defaultRows: 0,
      archivedWarnings: 0,
      personRows: 0,
    });
  });

  it("holds the ledger's lock only for the drops: the archived warnings' per-person rows go after the commit", async () => {
    const c = ctx();
    const db = c.tdb.db;
    await addPerson(db, { area: VILLAGE });
    await ensureLedgerPartitions(db, new Date("2025-08-01T00:00:00Z"), 1);
    c.clock.set("2025-08-10T02:00:00Z");
    const old = await createIssued(c, { areas: { codes: [VILLAGE] }, channels: ["sms"] });
    await dispatch(c, "sms", c.clock.now);
    // Someone it reached: a per-person row, as a receipt writes it.
    const [person] = await db.execute<{ id: number }>(sql`select id from recipients limit 1`);
    await db.execute(sql`insert into coverage_persons (warning_id, recipient_id, village_code)
      values (${old.id}, ${person!.id}, ${VILLAGE})`);
    c.clock.set(new Date());

    // Another session holds coverage_persons (reads go on; a delete waits for it).
    const other = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
    const release = deferred();
    const holding = other.begin(async (t) => {
      await t`lock table coverage_persons in exclusive mode`;
      await release.promise;
    });
    try {
      await untilHeld(db);
      let done = false;
      const run = retentionJob.run(c.services, new Date("2026-12-04T03:30:00Z")).finally(() => {
        done = true;
      });
      await untilSomeoneWaitsOnALock(db, () => done);
      // The drop has committed: the partition is gone and nobody holds the ledger's lock
      // while the per-person rows wait.
      expect((await ledgerPartitions(db)).map((p) => p.name)).not.toContain("deliveries_p202508");
      const [locked] = await db.execute<{ n: number }>(sql`
        select count(*)::int as n from pg_locks
        where relation = 'deliveries'::regclass and mode = 'AccessExclusiveLock' and granted`);
      expect(locked!.n).toBe(0);
      release.resolve();
      expect(await run).toMatchObject({ dropped: 1, archivedWarnings: 1, personRows: 1 });
      const [left] = await db.execute<{ n: number }>(
        sql`select count(*)::int as n from coverage_persons where warning_id = ${old.id}`,
      );
      expect(left!.n).toBe(0);
    } finally {
      release.resolve();
      await holding.catch(() => {});
      await other.end({ timeout: 5 });
    }
  });
});
