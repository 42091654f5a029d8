// Device reach during a warning (DESIGN §8): targeted villages with no loudspeaker online
// need someone to broadcast by hand. Used by the route and by escalation.
import { sql } from "drizzle-orm";
import type { Db } from "../client.js";

export interface SilentVillage {
  villageCode: string;
  name: string;
  /** Loudspeakers registered in the village (not revoked); 0 = none at all. */
  loudspeakers: number;
  /** The most recent sign of life of any of them, null if never seen. */
  lastSeen: Date | null;
}

/** Targeted villages of a warning where no loudspeaker is online now, by code. */
export async function silentVillages(db: Db, warningId: string): Promise<SilentVillage[]> {
  const rows = await db.execute<{
    village_code: string;
    name: string | null;
    loudspeakers: number;
    last_seen: string | Date | null;
  }>(sql`
    select cv.village_code, a.name, count(dv.id)::int as loudspeakers, max(dv.last_seen) as last_seen
    from coverage_villages cv
    left join areas a on a.code = cv.village_code
    left join devices dv on dv.village_code = cv.village_code and dv.kind = 'loudspeaker' and dv.revoked_at is null
    where cv.warning_id = ${warningId}::uuid
    group by cv.village_code, a.name
    having not coalesce(bool_or(dv.online), false)
    order by cv.village_code`);
  return rows.map((r) => ({
    villageCode: r.village_code,
    name: r.name ?? r.village_code,
    loudspeakers: r.loudspeakers,
    lastSeen: r.last_seen === null ? null : new Date(r.last_seen),
  }));
}
