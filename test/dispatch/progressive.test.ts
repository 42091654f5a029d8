// Progressive planning: a Cancel's all-clear is planned one county per transaction after
// the request, so a planner that stops between counties resumes where it left off.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { continuePlans, planNextChunk } from "../../src/dispatch/progressive.js";

const ctx = useContext();
const A = "150402001001"; // 红山区
const B = "150404001001"; // 松山区

beforeAll(async () => {
  for (const area of [A, A, B]) await addPerson(ctx().tdb.db, { area });
});

describe("progressive plan", () => {
  it("plans a cancel county by county, committing each, and resumes after the last one committed", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: [A, B] }, channels: ["sms"] });
    await c.tdb.db.execute(sql`update deliveries set status = 'sent', sent_at = now() where warning_id = ${w.id}`);
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    const cancel = await json(r);
    expect(cancel.planState).toBe("pending");
    expect(await deliveriesOf(c.tdb.db, cancel.id)).toHaveLength(0);

    // One county, committed: the planner "dies" here.
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toMatchObject({ county: "150402", deliveries: 2 });
    expect((await deliveriesOf(c.tdb.db, cancel.id)).map((d) => d.village_code)).toEqual([A, A]);
    expect((await json(await c.request("GET", `/api/v1/warnings/${cancel.id}`))).planState).toBe("pending");

    // Another planner picks it up after that county, never planning it twice.
    expect(await continuePlans(c.tdb.db, () => c.clock.now)).toEqual({ chunks: 1, deliveries: 1, warnings: 1 });
    expect((await deliveriesOf(c.tdb.db, cancel.id)).map((d) => d.village_code).sort()).toEqual([A, A, B]);
    expect((await json(await c.request("GET", `/api/v1/warnings/${cancel.id}`))).planState).toBe("planned");
    expect(await planNextChunk(c.tdb.db, c.clock.now)).toBeNull();
  });
});
