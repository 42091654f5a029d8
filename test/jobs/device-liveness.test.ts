// The cross-instance liveness sweep: a device left "online" by a hub that died is marked
// offline after 3 minutes without a sign of life; live and revoked devices are left alone.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { addDevice } from "../helpers/people.js";
import { deviceLivenessJob } from "../../src/jobs/device-liveness.js";
import { minutes, runAt } from "./helpers.js";

const ctx = useContext();

describe("device liveness sweep", () => {
  it("marks stale online devices offline once, with an audit row", async () => {
    const c = ctx();
    const db = c.tdb.db;
    const at = c.clock.now;
    const stale = await addDevice(db, { area: "150402001001" });
    const fresh = await addDevice(db, { area: "150402001002" });
    const never = await addDevice(db, { area: "150402001003" });
    const revoked = await addDevice(db, { area: "150402001004" });
    const set = (id: string, lastSeen: Date | null, extra = sql``) =>
      db.execute(
        sql`update devices set online = true, last_seen = ${lastSeen?.toISOString() ?? null}::timestamptz ${extra} where id = ${id}`,
      );
    await set(stale, minutes(at, -3.5));
    await set(fresh, minutes(at, -1));
    await set(never, null);
    await set(revoked, minutes(at, -60), sql`, revoked_at = now()`);

    expect(await runAt(c, deviceLivenessJob, at)).toEqual({ markedOffline: 2 });
    const rows = await db.execute<{ id: string; online: boolean }>(
      sql`select id, online from devices where id in (${stale}, ${fresh}, ${never}, ${revoked})`,
    );
    const online = Object.fromEntries(rows.map((r) => [r.id, r.online]));
    expect(online).toEqual({ [stale]: false, [fresh]: true, [never]: false, [revoked]: true });
    const audits = await db.execute<{ subject_id: string; after: { reason: string } }>(
      sql`select subject_id, after from audit_log where action = 'device.offline' order by subject_id`,
    );
    expect(audits.map((a) => [a.subject_id, a.after.reason]).sort()).toEqual(
      [
        [never, "stale"],
        [stale, "stale"],
      ].sort(),
    );
    expect(await runAt(c, deviceLivenessJob, at)).toEqual({ markedOffline: 0 });
  });
});
