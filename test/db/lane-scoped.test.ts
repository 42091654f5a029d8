// Every hot ledger query names its lane (the county: deliveries.lane, or a village-code
// range of one county) or, where it cannot yet, says what it names instead, so the step to
// Citus (docs/scale.md) is a list, not a hunt. Each query is run under EXPLAIN against the
// real test database, through the same function the engine calls, and its plan is read:
// every scan of a ledger table must carry the predicate its entry declares. A function
// added to the claims module without an entry here fails the last test.
import { describe, expect, it } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import type { Db } from "../../src/db/client.js";
import * as claims from "../../src/deliveries/claims.js";
import * as walks from "../../src/deliveries/walks.js";
import { applyProviderReports } from "../../src/deliveries/reports.js";
import { markDeviceCommandsSent, queuedDeviceCommands } from "../../src/deliveries/device-commands.js";
import { planCountyPeople } from "../../src/dispatch/planner.js";
import { writeDeviceSends, writeOverdueDeviceSends } from "../../src/deliveries/device-sends.js";
import { getWarning, type Warning } from "../../src/db/queries/warnings.js";

const ctx = useContext();
const LANE = "150402";
const LEDGER = ["deliveries", "recipients", "coverage_villages", "public_walks"];

/** A Db that EXPLAINs each statement instead of running it, and hands back no rows. Seq
 * scans are off so the test's small tables are planned as a city's ledger would be. */
function explaining(db: Db, plans: string[][]): Db {
  const explainer = {
    execute: async (q: SQL) => {
      const rows = await db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        return tx.execute<{ "QUERY PLAN": string }>(sql`explain ${q}`);
      });
      plans.push(rows.map((r) => r["QUERY PLAN"]));
      return Object.assign([], { count: 0 });
    },
    // A function that opens a transaction has its statements explained one by one.
    transaction: async (f: (tx: Db) => Promise<unknown>) => f(explainer as unknown as Db),
  };
  return explainer as unknown as Db;
}

/** The scans of ledger tables in a text plan, each with its own condition lines. */
function ledgerScans(plan: string[]): { table: string; head: string; conds: string }[] {
  const nodes: { head: string; lines: string[] }[] = [];
  for (const line of plan) {
    if (nodes.length === 0 || line.includes("->")) nodes.push({ head: line, lines: [] });
    else nodes.at(-1)!.lines.push(line);
  }
  return nodes.flatMap((n) => {
    const m = /Scan(?: Backward)? (?:using \S+ )?on (\w+)/.exec(n.head);
    // The ledger's monthly partitions (deliveries_p202612, deliveries_default) are deliveries.
    const table = m?.[1]?.replace(/^deliveries_(p\d{6}|default)$/, "deliveries");
    return table && LEDGER.includes(table) ? [{ table, head: n.head.trim(), conds: n.lines.join(" ") }] : [];
  });
}

/** The coverage counters a statement writes beside its rows (src/deliveries/coverage.ts)
 * look up the population of each changed row's own village: the row's lane. */
const countsChangedRows = (s: { table: string; conds: string }) =>
  s.table === "coverage_villages" && /warning_id = ch\.warning_id/.test(s.conds) && /village_code = /.test(s.conds);

/** The claim index on each monthly partition (drizzle/0027: people's and eb rows only). */
const CLAIM_INDEX = /using deliveries_\w+_channel_priority_level_rank_next_attempt_\w*idx/;
const laneCond = new RegExp(`lane = '${LANE}'`);
const countyRange = new RegExp(`village_code >= '${LANE}000000'.*village_code <= '${LANE}999999'`);

async function warningIn(c: TestContext, msgType?: "Cancel"): Promise<Warning> {
  await addPerson(c.tdb.db, { area: `${LANE}001001` });
  const w = await createIssued(c, { areas: { codes: [`${LANE}001001`] }, channels: ["sms"] });
  const row = (await getWarning(c.tdb.db, w.id))!;
  return msgType ? { ...row, msgType, id: crypto.randomUUID() } : row;
}

/** A walk of `w` in LANE as the planner leaves it (deliveries/walks.ts). */
const walkOf = (w: Warning): walks.Walk => ({
  warningId: w.id,
  lane: LANE,
  channel: "sms",
  issuedAt: w.issuedAt ?? now,
  priority: 1,
  levelRank: 2,
  base: 0,
  planned: 1_000,
  taken: 0,
  afterVillage: "",
  afterId: 0,
  ids: 1_100,
  audiences: w.audiences,
  areaCodes: w.areaCodes,
  polygons: w.polygons,
});

interface Entry {
  /** What the statement's every ledger scan names. */
  scope: "lane" | "warning and county" | "provider id" | "devices" | "all lanes";
  why?: string;
  run: (db: Db, c: TestContext) => Promise<unknown>;
  expect: (scan: { table: string; head: string; conds: string }) => boolean;
}

const now = new Date();
/** One lane and class, as the dispatcher's claims name them. */
const classClaim: claims.ClassClaim = {
  channel: "sms",
  lane: LANE,
  priority: 1,
  levelRank: 2,
  limit: 500,
  owner: "o",
  now,
  leaseMs: 10_000,
};
const HOT: Record<string, Entry> = {
  claimLane: {
    scope: "lane",
    run: (db) => claims.claimLane(db, classClaim),
    // By the claim index (partial: its condition is in the claim, claims.ts CLAIMABLE),
    // then the claimed rows by id.
    expect: (s) => laneCond.test(s.conds) && (CLAIM_INDEX.test(s.head) || /\bid = c\.id/.test(s.conds)),
  },
  renewLeases: {
    scope: "lane",
    run: (db) => claims.renewLeases(db, { owner: "o", ids: [1, 2], lane: LANE, now, leaseMs: 10_000 }),
    expect: (s) => laneCond.test(s.conds),
  },
  recordOutcomes: {
    scope: "lane",
    run: (db) =>
      claims.recordOutcomes(db, "o", now, [{ id: 1, kind: "sent", providerId: "SM1", renderedLanguage: "zh" }], LANE),
    expect: (s) => laneCond.test(s.conds),
  },
  planCountyPeople: {
    scope: "warning and county",
    run: async (db, c) => planCountyPeople(db, await warningIn(c), LANE, now),
    expect: (s) => countyRange.test(s.conds),
  },
  "planCountyPeople (a Cancel's all-clear)": {
    scope: "warning and county",
    run: async (db, c) => planCountyPeople(db, await warningIn(c, "Cancel"), LANE, now),
    why: "the all-clear looks up each person it reaches by id (their current address), from that county's rows",
    expect: (s) => countyRange.test(s.conds) || (s.table === "recipients" && /\(id = d\.recipient_id\)/.test(s.conds)),
  },
  "planCountyPeople (the public: the county's walk)": {
    scope: "warning and county",
    run: async (db, c) => planCountyPeople(db, await warningIn(c), LANE, now, "public"),
    expect: (s) => countyRange.test(s.conds),
  },
  claimWalk: {
    scope: "lane",
    run: (db) => walks.claimWalk(db, classClaim),
    expect: (s) => s.table === "public_walks" && laneCond.test(s.conds),
  },
  writeWalkBatch: {
    scope: "lane",
    run: async (db, c) => {
      const w = await warningIn(c);
      return walks.writeWalkBatch(db, walkOf(w), { limit: 500, now, status: "sending", owner: "o", leaseMs: 10_000 });
    },
    // The warning's villages of the county by range, each village's people by its code, each
    // person probed for a row of the warning (in the lane); the walk itself by its key.
    expect: (s) =>
      (s.table === "coverage_villages" && new RegExp(`village_code <= '${LANE}999999'`).test(s.conds)) ||
      (s.table === "recipients" && /village_code = tv\.village_code/.test(s.conds)) ||
      (s.table === "deliveries" && laneCond.test(s.conds) && /recipient_id = r(_\d+)?\.id/.test(s.conds)) ||
      (s.table === "public_walks" && laneCond.test(s.conds)),
  },
  lockOpenWalks: {
    scope: "lane",
    run: (db) => walks.lockOpenWalks(db, "00000000-0000-4000-8000-000000000002", [LANE]),
    expect: (s) => s.table === "public_walks" && /lane = ANY/.test(s.conds),
  },
  expireWalks: {
    scope: "all lanes",
    why: "maintenance: the open walks of ended warnings, one at a time; each then written as writeWalkBatch",
    run: (db) => walks.expireWalks(db, now, undefined, 100),
    expect: (s) => s.table === "public_walks" && /done_at IS NULL/i.test(s.conds + s.head),
  },
  pickLane: {
    scope: "all lanes",
    why: "the read that chooses the lane (queued rows, open walks): no lock, so a multi-shard read under Citus",
    run: (db) => claims.pickLane(db, { channel: "sms", now }),
    expect: (s) =>
      (/channel = 'sms'/.test(s.conds) && !/lane = /.test(s.conds) && CLAIM_INDEX.test(s.head)) ||
      s.table === "public_walks",
  },
  "applyProviderReports (a Twilio callback, its lane in the URL)": {
    scope: "lane",
    run: (db) =>
      applyProviderReports(db, [{ providerId: "SM1", status: "delivered", at: now }], { recheck: false, lane: LANE }),
    // The match by provider id, then the same rows by id: each scan names the lane.
    expect: (s) => laneCond.test(s.conds) && /provider_id|\bid = prev\.id/.test(s.conds),
  },
  applyProviderReports: {
    scope: "provider id",
    why: "simulator and county-platform reports, and callbacks of messages sent before the lane rode in the URL",
    run: (db) => applyProviderReports(db, [{ providerId: "SM1", status: "delivered", at: now }], { recheck: false }),
    expect: (s) => /provider_id/.test(s.conds),
  },
  queuedDeviceCommands: {
    scope: "devices",
    why: "a hub's catch-up round and the read after a replay: the devices it holds, of any county",
    run: (db) => queuedDeviceCommands(db, { devices: ["00000000-0000-4000-8000-000000000001"] }, now),
    expect: (s) => /device_id/.test(s.conds),
  },
  "queuedDeviceCommands (a notice naming its lanes)": {
    scope: "lane",
    run: (db) => queuedDeviceCommands(db, { devices: ["00000000-0000-4000-8000-000000000001"] }, now, [LANE]),
    expect: (s) => /device_id/.test(s.conds) && /lane = ANY/.test(s.conds),
  },
  "queuedDeviceCommands (a notice naming its warning and lanes)": {
    scope: "lane",
    run: (db) => queuedDeviceCommands(db, { warnings: ["00000000-0000-4000-8000-000000000002"] }, now, [LANE]),
    expect: (s) => /warning_id/.test(s.conds) && /lane = ANY/.test(s.conds),
  },
  markDeviceCommandsSent: {
    scope: "devices",
    why: "records by delivery id what the read above returned (then stamps those expired meanwhile)",
    run: (db) => markDeviceCommandsSent(db, [{ id: 1, language: "zh" }], now),
    // By id, or (a small table) the queued (or expired) rows joined to the ids.
    expect: (s) => /\bid = /.test(s.conds) || /status = '(queued|expired)'/.test(s.conds),
  },
  writeDeviceSends: {
    scope: "devices",
    why: "a hub writes the rows of the commands it was handed, by their warning's reservation (one row) and id",
    run: (db) => writeDeviceSends(db, [{ id: 1, warningId: "00000000-0000-4000-8000-000000000002" }]),
    // Written, not read: the only ledger reads are its counters' (countsChangedRows).
    expect: () => false,
  },
  writeOverdueDeviceSends: {
    scope: "all lanes",
    why: "maintenance every 2 s: reservations whose hub never wrote them, a few at a time, written as writeDeviceSends",
    run: (db) => writeOverdueDeviceSends(db),
    expect: () => false,
  },
  recoverLeases: {
    scope: "all lanes",
    why: "maintenance every 2 s over expired leases: a multi-shard UPDATE without a lock",
    run: (db) => claims.recoverLeases(db, now),
    expect: (s) => /lease_until/.test(s.conds) || /sending/.test(s.conds),
  },
  expireEnded: {
    scope: "all lanes",
    why: "maintenance: queued rows of ended warnings, by warning, then that batch's rows by id; then their open walks (expireWalks)",
    run: (db) => claims.expireEnded(db, now),
    // The claim index is partial on queued rows: a scan of it reads only those.
    expect: (s) =>
      /warning_id|queued|\bid = b\.id/.test(s.conds) ||
      /channel_priority_level_rank_next_attempt_idx/.test(s.head) ||
      (s.table === "public_walks" && /done_at IS NULL/i.test(s.conds + s.head)),
  },
};
/** Composed of entries above, or not a ledger query. */
const NOT_A_STATEMENT = {
  claimBatch: "pickLane then claimLane or claimWalk",
  openWalkSql: "a part of pickLane",
  batchWarnings: "reads warnings, a small table",
  expireEndedInBatches: "expireEnded, repeated",
};

describe("hot ledger queries", () => {
  it.each(Object.entries(HOT))("%s is scoped as declared", async (_name, e) => {
    const c = ctx();
    const plans: string[][] = [];
    await e.run(explaining(c.tdb.db, plans), c);
    const scans = plans.flatMap(ledgerScans);
    expect(scans.length).toBeGreaterThan(0);
    for (const s of scans) expect({ ...s, ok: e.expect(s) || countsChangedRows(s) }).toMatchObject({ ok: true });
  });

  it("the dispatcher's claim, renewal and record, Twilio's callbacks and a hub's read on a notice are the lane-scoped ones", () => {
    const lane = Object.entries(HOT).filter(([, e]) => e.scope === "lane");
    expect(lane.map(([n]) => n).sort()).toEqual([
      "applyProviderReports (a Twilio callback, its lane in the URL)",
      "claimLane",
      "claimWalk",
      "lockOpenWalks",
      "queuedDeviceCommands (a notice naming its lanes)",
      "queuedDeviceCommands (a notice naming its warning and lanes)",
      "recordOutcomes",
      "renewLeases",
      "writeWalkBatch",
    ]);
    for (const [, e] of Object.entries(HOT))
      if (e.scope !== "lane" && e.scope !== "warning and county") expect(e.why).toBeTruthy();
  });

  it("every function of the claims and walks modules has an entry", () => {
    const declared = new Set([...Object.keys(HOT), ...Object.keys(NOT_A_STATEMENT)]);
    const fns = Object.entries({ ...claims, ...walks })
      .filter(([, v]) => typeof v === "function")
      .map(([k]) => k);
    expect(fns.filter((f) => !declared.has(f))).toEqual([]);
  });
});
