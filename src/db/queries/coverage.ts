import { sql } from "drizzle-orm";
import type { Db } from "../client.js";
import type { ChannelKind } from "../../domain/vocabulary.js";

export interface VillageCoverageRow {
  villageCode: string;
  villageName: string;
  townshipCode: string;
  townshipName: string | null;
  countyCode: string;
  countyName: string | null;
  population: number;
  personsReached: number;
  deviceReach: number;
  channels: Partial<Record<ChannelKind, ChannelCounts>>;
}

export interface ChannelCounts {
  targeted: number;
  /** Of `targeted`, people whose county walk has not written their row yet: queued for
   * their turn (src/deliveries/walks.ts). */
  pending: number;
  sent: number;
  delivered: number;
  acknowledged: number;
  failed: number;
  expired: number;
  reached: number;
}

/** One row per targeted village with its counters: a few thousand rows at most, read
 * from the running counters, never from the deliveries themselves. A walk that wrote
 * people its plan did not count (they joined since) leaves `pending` below zero until it
 * ends: shown as 0, the excess as targeted. */
export async function villageCoverage(db: Db, warningId: string): Promise<VillageCoverageRow[]> {
  const rows = await db.execute<{
    village_code: string;
    village_name: string | null;
    township_code: string;
    township_name: string | null;
    county_code: string;
    county_name: string | null;
    population: number;
    persons_reached: number;
    device_reach: string | number;
    channels: Record<string, ChannelCounts> | null;
  }>(sql`
    select cv.village_code, v.name as village_name,
           left(cv.village_code, 9) || '000' as township_code, t.name as township_name,
           left(cv.village_code, 6) || '000000' as county_code, c.name as county_name,
           cv.population, cv.persons_reached, cv.device_reach,
           (select jsonb_object_agg(cc.channel, jsonb_build_object(
                'targeted', cc.targeted + greatest(0, -cc.pending), 'pending', greatest(0, cc.pending), 'sent', cc.sent, 'delivered', cc.delivered, 'acknowledged', cc.acknowledged,
                'failed', cc.failed, 'expired', cc.expired, 'reached', cc.reached))
            from coverage_counts cc where cc.warning_id = cv.warning_id and cc.village_code = cv.village_code) as channels
    from coverage_villages cv
    left join areas v on v.code = cv.village_code
    left join areas t on t.code = left(cv.village_code, 9) || '000'
    left join areas c on c.code = left(cv.village_code, 6) || '000000'
    where cv.warning_id = ${warningId}
    order by cv.village_code`);
  return rows.map((r) => ({
    villageCode: r.village_code,
    villageName: r.village_name ?? r.village_code,
    townshipCode: r.township_code,
    townshipName: r.township_name,
    countyCode: r.county_code,
    countyName: r.county_name,
    population: r.population,
    personsReached: r.persons_reached,
    deviceReach: Number(r.device_reach),
    channels: (r.channels ?? {}) as VillageCoverageRow["channels"],
  }));
}

/** Cumulative capped reach over time (the coverage curve). */
export async function coverageTimeline(db: Db, warningId: string): Promise<{ at: Date; reached: number }[]> {
  const rows = await db.execute<{ at: string | Date; cum: string | number }>(sql`
    select at, sum(reached_delta) over (order by at) as cum from coverage_timeline where warning_id = ${warningId} order by at`);
  return rows.map((r) => ({ at: new Date(r.at), reached: Number(r.cum) }));
}

export interface WarningCoverageTotal {
  warningId: string;
  level: string;
  type: string;
  headline: string;
  /** The issuing agency (发布单位) of the version. */
  office?: string | undefined;
  issuedAt: Date;
  population: number;
  reached: number;
}

/** Totals for every Alert/Update issued in [from, to] within scope: the summary report. */
export async function coverageTotals(
  db: Db,
  o: { from: Date; to: Date; scopePrefix: string },
): Promise<WarningCoverageTotal[]> {
  const rows = await db.execute<{
    id: string;
    level: string;
    type: string;
    headline: string;
    sender_name: string;
    issued_at: string | Date;
    population: string | number;
    reached: string | number;
  }>(sql`
    select w.id, w.level, w.type, w.headline, w.issued_at, w.sender_name,
           coalesce(sum(cv.population), 0) as population,
           coalesce(sum(least(cv.population, cv.persons_reached + cv.device_reach)), 0) as reached
    from warnings w left join coverage_villages cv on cv.warning_id = w.id
    where w.issued_at >= ${o.from.toISOString()}::timestamptz and w.issued_at <= ${o.to.toISOString()}::timestamptz
      and w.msg_type <> 'Cancel'
      and not exists (select 1 from unnest(w.area_codes) ac where ac not like ${o.scopePrefix + "%"})
    group by w.id order by w.issued_at`);
  return rows.map((r) => ({
    warningId: r.id,
    level: r.level,
    type: r.type,
    headline: r.headline,
    office: r.sender_name,
    issuedAt: new Date(r.issued_at),
    population: Number(r.population),
    reached: Number(r.reached),
  }));
}
