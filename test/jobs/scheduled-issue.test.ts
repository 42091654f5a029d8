// Scheduled release: an approved warning with a future send time goes out at that time
// and not before; a cancelled or expired one never does.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createDraft, json } from "../helpers/factories.js";
import { addPerson, deliveriesOf, pendingOf } from "../helpers/people.js";
import { scheduledIssueJob } from "../../src/jobs/scheduled-issue.js";
import { expiryJob } from "../../src/jobs/expiry.js";
import { planPendingJob } from "../../src/jobs/plan-pending.js";
import { dispatch, minutes, runAt } from "./helpers.js";

const ctx = useContext();

async function approveScheduled(c: TestContext, village: string, sendInMinutes: number, expiresInMinutes = 120) {
  const t0 = c.clock.now;
  await addPerson(c.tdb.db, { area: village });
  const d = await createDraft(c, {
    areas: { codes: [village] },
    channels: ["sms"],
    onset: minutes(t0, sendInMinutes + 10).toISOString(),
    sendAt: minutes(t0, sendInMinutes).toISOString(),
    expires: minutes(t0, expiresInMinutes).toISOString(),
  });
  expect((await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key })).status).toBe(200);
  const a = await c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.approver.key });
  expect(a.status).toBe(200);
  const w = await json(a);
  expect(w.status).toBe("approved");
  return { id: w.id as string, t0 };
}

const statusOf = async (c: TestContext, id: string) =>
  (await json(await c.request("GET", `/api/v1/warnings/${id}`))).status;

describe("scheduled issue", () => {
  it("goes out at its send time and not before", async () => {
    const c = ctx();
    const w = await approveScheduled(c, "150404001001", 30);
    for (const m of [1, 15, 29.9]) {
      expect(await runAt(c, scheduledIssueJob, minutes(w.t0, m))).toMatchObject({ due: 0, issued: 0 });
    }
    expect(await statusOf(c, w.id)).toBe("approved");
    expect(await deliveriesOf(c.tdb.db, w.id)).toEqual([]);
    expect((await dispatch(c, "sms", minutes(w.t0, 29.9))).totalSends).toBe(0);

    // The one person is the public: written by the county planner after the issue commits.
    expect(await runAt(c, scheduledIssueJob, minutes(w.t0, 30))).toMatchObject({
      due: 1,
      issued: 1,
      deliveries: 0,
      planning: 1,
    });
    // Four steps: its targets (the village), the officers' pass (none here), its devices
    // (none), the public's.
    expect(await runAt(c, planPendingJob, minutes(w.t0, 30))).toMatchObject({ chunks: 4, deliveries: 1, warnings: 1 });
    const issued = await json(await c.request("GET", `/api/v1/warnings/${w.id}`));
    expect(issued).toMatchObject({ status: "issued", issuedAt: minutes(w.t0, 30).toISOString() });
    // The one person waits in the county's walk: counted, no row yet.
    expect(await pendingOf(c.tdb.db, w.id)).toBe(1);
    // Another instance, or the same slot again: nothing twice.
    expect(await runAt(c, scheduledIssueJob, minutes(w.t0, 30))).toMatchObject({ due: 0, issued: 0 });
    expect(await pendingOf(c.tdb.db, w.id)).toBe(1);
    expect((await dispatch(c, "sms", minutes(w.t0, 30.1))).totalSends).toBe(1);
    expect(await deliveriesOf(c.tdb.db, w.id)).toHaveLength(1);
    const [audit] = await c.tdb.db.execute<{ actor: string; actor_kind: string }>(
      sql`select actor, actor_kind from audit_log where subject_id = ${w.id} and action = 'warning.issue'`,
    );
    expect(audit).toMatchObject({ actor: "scheduler", actor_kind: "system" });
  });

  it("a warning cancelled before its send time never goes out", async () => {
    const c = ctx();
    const w = await approveScheduled(c, "150404001002", 30);
    expect(
      (
        await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
          key: c.users.issuer.key,
          json: { reason: "险情解除" },
        })
      ).status,
    ).toBe(201);
    expect(await runAt(c, scheduledIssueJob, minutes(w.t0, 31))).toMatchObject({ due: 0, issued: 0 });
    expect(await statusOf(c, w.id)).toBe("cancelled");
    expect(await deliveriesOf(c.tdb.db, w.id)).toEqual([]);
  });

  it("one whose expiry passed while the scheduler was down expires instead of going out late", async () => {
    const c = ctx();
    const w = await approveScheduled(c, "150404001003", 30, 60);
    expect(await runAt(c, scheduledIssueJob, minutes(w.t0, 90))).toMatchObject({ due: 0 });
    expect(await runAt(c, expiryJob, minutes(w.t0, 90))).toMatchObject({ expired: 1 });
    expect(await statusOf(c, w.id)).toBe("expired");
    expect(await deliveriesOf(c.tdb.db, w.id)).toEqual([]);
  });
});
