// Who a warning's plan reaches, as SQL over `recipients r`: shared by the planner (which
// counts or writes them) and a county's public walk (deliveries/walks.ts, which writes them
// batch by batch later), so the two can never disagree on who is in a warning's public.
import { sql, type SQL } from "drizzle-orm";
import type { Warning } from "../db/queries/warnings.js";
import { CHANNEL_TARGETS, FIRST_LANE_AUDIENCES, PERSON_CHANNELS } from "../domain/vocabulary.js";
import { isGridCode } from "../domain/areas.js";

/** FIRST_LANE_AUDIENCES as a constant, not a bound parameter: only a constant lets Postgres
 * use the partial index recipients_first_lane_idx, which keeps the issuing transaction
 * from reading a city's million residents to find its 7,000 officers. */
const FIRST_LANE = sql.raw(`'{${FIRST_LANE_AUDIENCES.join(",")}}'::text[]`);
/** `r` is one of the people who must act (the first lane). */
export const firstLane = sql`r.audiences && ${FIRST_LANE}`;

/** A county's villages: codes are fixed-width digits, so a county is one index range. */
export const inCounty = (column: SQL, county: string) =>
  sql`${column} between ${`${county}000000`} and ${`${county}999999`}`;

/** CTE `pref`: the LIKE patterns of the warning's area codes. */
export const prefixes = (w: Pick<Warning, "areaCodes">) =>
  sql`pref as (select area_prefix(c) || '%' as p from unnest(${sql.param(w.areaCodes)}::text[]) c)`;

/** `column` (a person's or device's area code, in a targeted village) is inside the
 * warning's areas (CTE `pref`). Only a grid code targets part of a village: for codes of a
 * village or above, the targeted villages are those under the codes (planner.ts
 * planVillages), so whatever lies in one is inside them already, and the test cost ~20 ms
 * of the 140 a city's approve took to plan 10,000 devices. */
export const inAreas = (w: Pick<Warning, "areaCodes">, column: SQL) =>
  w.areaCodes.some(isGridCode) ? sql`and ${column} like any (select p from pref)` : sql``;

/** `r` is active, inside the warning's areas (CTE `pref`) and polygons, and of its
 * audiences. Whether `r`'s village is targeted is the caller's join or probe. */
export const reachable = (w: Pick<Warning, "areaCodes" | "audiences" | "polygons">) => sql`r.active
        ${inAreas(w, sql`r.area_code`)}
        and r.audiences && ${sql.param(w.audiences)}::text[]
        and (${w.polygons === null} or not exists (
          select 1 from areas g where g.code = r.area_code and g.kind = 'grid' and g.lat is not null
            and not in_polygons(g.lat, g.lon, ${JSON.stringify(w.polygons ?? [])}::jsonb)))`;

/** `case <channel> when 'sms' then <row>.phone … end`: the recipient field each person
 * channel sends to, as the vocabulary names it (`field: true` gives the field's name). */
export function addressOf(channel: SQL, row: string, o: { field?: true } = {}): SQL {
  const arms = PERSON_CHANNELS.map((c) => {
    const field = CHANNEL_TARGETS[c].address;
    return sql`when ${c} then ${o.field ? sql`${field}` : sql`${sql.identifier(row)}.${sql.identifier(field)}`}`;
  });
  return sql`case ${channel}::text ${sql.join(arms, sql` `)} end`;
}
