// The hub's read of a warning's commands reads that warning's range once, however many
// warnings are in force: joined to every warning in force, Postgres once scanned the
// warning's device rows once per warning in force (queuedDeviceCommands).
import { describe, expect, it } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { createDevice } from "../hub/harness.js";
import type { Db } from "../../src/db/client.js";
import { queuedDeviceCommands } from "../../src/deliveries/device-commands.js";
import { pendingForDevices } from "../../src/hub/queries.js";

const ctx = useContext();

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Loops"?: number;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

/** A Db that runs each statement under EXPLAIN ANALYZE and keeps its plan. */
function analyzing(db: Db, plans: PlanNode[]): Db {
  return {
    execute: async (q: SQL) => {
      const [r] = await db.execute<{ "QUERY PLAN": { Plan: PlanNode }[] }>(sql`explain (analyze, format json) ${q}`);
      plans.push(r!["QUERY PLAN"][0]!.Plan);
      return Object.assign([], { count: 0 });
    },
  } as unknown as Db;
}

const ledgerScans = (n: PlanNode): PlanNode[] => [
  ...(n["Relation Name"]?.startsWith("deliveries") ? [n] : []),
  ...(n.Plans ?? []).flatMap(ledgerScans),
];

describe("a warning's device commands", () => {
  it("are read in one pass, by warning, by device and for a replay, with three warnings in force", async () => {
    const c = ctx();
    const [v] = await c.tdb.db.execute<{ code: string }>(
      sql`select code from areas where kind = 'village' and code like '150424%' order by code limit 1`,
    );
    const devices: string[] = [];
    for (let i = 0; i < 4; i++) devices.push((await createDevice(c, { kind: "loudspeaker", areaCode: v!.code })).id);
    const issue = () => createIssued(c, { areas: { codes: [v!.code] }, channels: ["loudspeaker"], level: "red" });
    await issue();
    await issue();
    const w = await issue();
    await c.tdb.db.execute(sql`analyze deliveries`);
    const plans: PlanNode[] = [];
    await queuedDeviceCommands(analyzing(c.tdb.db, plans), { warnings: [w.id] }, c.clock.now);
    const scans = plans.flatMap(ledgerScans).filter((s) => (s["Actual Rows"] ?? 0) > 0);
    expect(scans.length).toBeGreaterThan(0);
    for (const s of scans) {
      expect(s["Actual Loops"]).toBe(1);
      expect(s["Actual Rows"]).toBe(4);
    }
    // A catch-up round reads by device: each device's rows once, its three warnings' four each.
    const byDevice: PlanNode[] = [];
    await queuedDeviceCommands(analyzing(c.tdb.db, byDevice), { devices }, c.clock.now);
    const read = byDevice.flatMap(ledgerScans).filter((s) => (s["Actual Rows"] ?? 0) > 0);
    expect(read.map((s) => s["Actual Loops"])).toEqual(read.map(() => 1));
    expect(read.reduce((n, s) => n + s["Actual Rows"]!, 0)).toBe(12);
    // A county's controllers saying hello after an outage: their queued commands claimed
    // and everything they have not acknowledged read, each in one pass.
    const replay: PlanNode[] = [];
    await pendingForDevices(analyzing(c.tdb.db, replay), devices, c.clock.now);
    expect(replay).toHaveLength(2);
    const replayed = replay.flatMap(ledgerScans).filter((s) => (s["Actual Rows"] ?? 0) > 0);
    expect(replayed.map((s) => s["Actual Loops"])).toEqual(replayed.map(() => 1));
  });
});
