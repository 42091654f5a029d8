// A request whose transaction Postgres rolls back to break a conflict with another (a
// deadlock here, built for real with a second session) gets a 503 that says nothing was
// changed and when to send it again, never a 500; sent again, it succeeds.
import { describe, expect, it } from "vitest";
import postgres from "postgres";
import { useContext } from "../helpers/context.js";
import { createIssued, json, warningBody } from "../helpers/factories.js";
import { deferred } from "../helpers/deferred.js";
import { untilSomeoneWaitsOnALock } from "../helpers/locks.js";

const ctx = useContext();

describe("a transaction rolled back for another", () => {
  it("answers 503 with Retry-After, writes nothing, and the same request then succeeds", async () => {
    const c = ctx();
    const w = await createIssued(c, { channels: ["sms"] });
    const upd = await c.request("POST", `/api/v1/warnings/${w.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c, { level: "red" }),
    });
    const v2 = await json(upd);
    expect(v2.status).toBe("pending");

    // Another session holds the first version's row; the approval of the Update locks its
    // own row, then waits for the first version's (it supersedes it); the other session
    // then asks for the Update's row: a deadlock, which Postgres breaks by rolling back the
    // approval.
    const other = postgres(c.tdb.url, { max: 1, onnotice: () => {} });
    const locked = deferred();
    const release = deferred();
    const session = other.begin(async (t) => {
      // Only the approval's session looks for the deadlock (after the default second), so
      // it is the one rolled back however the machine schedules the two.
      await t`set local deadlock_timeout = '10min'`;
      await t`select 1 from warnings where id = ${w.id} for update`;
      locked.resolve();
      await release.promise;
      await t`select 1 from warnings where id = ${v2.id} for update`;
    });
    try {
      await locked.promise;
      const approving = c.request("POST", `/api/v1/warnings/${v2.id}/approve`, { key: c.users.approver.key });
      let answered = false;
      void approving.finally(() => (answered = true));
      await untilSomeoneWaitsOnALock(c.tdb.db, () => answered);
      release.resolve();
      const res = await approving;
      await session;
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await json(res)).toMatchObject({ status: 503, code: "unavailable" });
      // Nothing of it was written: still pending, the first version still issued.
      const [stillPending, first] = await Promise.all([
        json(await c.request("GET", `/api/v1/warnings/${v2.id}`)),
        json(await c.request("GET", `/api/v1/warnings/${w.id}`)),
      ]);
      expect([stillPending.status, first.status]).toEqual(["pending", "issued"]);
    } finally {
      release.resolve();
      await session.catch(() => {});
      await other.end();
    }
    // Sent again, it goes through.
    const again = await c.request("POST", `/api/v1/warnings/${v2.id}/approve`, { key: c.users.approver.key });
    expect(again.status).toBe(200);
    expect((await json(again)).status).toBe("issued");
  });
});
