// The published coverage formula (DESIGN §7), over per-village counters:
//   coverage(W) = Σ_v min(pop_v, reached_v) / Σ_v pop_v
// reached_v = distinct people with a delivered SMS/email + the declared reach of
// loudspeakers that reported `played` and displays that reported `shown`.
import type { ChannelCounts, VillageCoverageRow } from "../db/queries/coverage.js";
import { CHANNEL_TARGETS, CHANNELS, type ChannelKind } from "./vocabulary.js";

export const TARGETS = { major: 0.93, all: 0.9 } as const;
export type CoverageLevel = "county" | "township" | "village";

export interface ChannelFigures extends ChannelCounts {
  /** Devices: how many reported played (loudspeaker) or shown (display). */
  played?: number;
  shown?: number;
}

export interface AreaFigures {
  code: string;
  name: string;
  population: number;
  reached: number;
  rate: number | null;
  villages: number;
  villagesNotReached: number;
  channels: Partial<Record<ChannelKind, ChannelFigures>>;
}

export interface CoverageReport {
  warningId: string;
  by: CoverageLevel;
  population: number;
  reached: number;
  rate: number | null;
  secondsTo50: number | null;
  secondsTo90: number | null;
  at10Minutes: { reached: number; rate: number | null };
  /** Coverage over time since issue, at most ~120 points (the live board's curve). */
  curve: { seconds: number; rate: number }[];
  channels: Partial<Record<ChannelKind, ChannelFigures>>;
  areas: AreaFigures[];
  notReached: string[];
  targets: { target: number; major: boolean; met: boolean };
}

const zero = (): ChannelCounts => ({
  targeted: 0,
  pending: 0,
  sent: 0,
  delivered: 0,
  acknowledged: 0,
  failed: 0,
  expired: 0,
  reached: 0,
});
const rate = (reached: number, population: number) => (population > 0 ? reached / population : null);
export const villageReached = (v: Pick<VillageCoverageRow, "population" | "personsReached" | "deviceReach">) =>
  Math.min(v.population, v.personsReached + v.deviceReach);

function addChannels(
  into: Partial<Record<ChannelKind, ChannelCounts>>,
  from: Partial<Record<ChannelKind, ChannelCounts>>,
) {
  for (const ch of CHANNELS) {
    const f = from[ch];
    if (!f) continue;
    const t = (into[ch] ??= zero());
    for (const k of Object.keys(t) as (keyof ChannelCounts)[]) t[k] += f[k];
  }
}

function withDeviceNames(
  chs: Partial<Record<ChannelKind, ChannelCounts>>,
): Partial<Record<ChannelKind, ChannelFigures>> {
  const out: Partial<Record<ChannelKind, ChannelFigures>> = {};
  for (const [k, v] of Object.entries(chs) as [ChannelKind, ChannelCounts][]) {
    const t = CHANNEL_TARGETS[k];
    out[k] = t.targets === "person" ? { ...v } : { ...v, [t.reached]: v.acknowledged };
  }
  return out;
}

/** First time the cumulative reach crossed `share` of the population, in seconds after issue. */
export function secondsTo(
  curve: { at: Date; reached: number }[],
  population: number,
  share: number,
  issuedAt: Date | null,
): number | null {
  if (!issuedAt || population <= 0) return null;
  const hit = curve.find((p) => p.reached >= share * population);
  // Curve points are whole-second buckets of events inside that second: round up.
  return hit ? Math.max(0, Math.ceil((hit.at.getTime() - issuedAt.getTime()) / 1000)) : null;
}

export function buildCoverage(o: {
  warningId: string;
  level: string;
  issuedAt: Date | null;
  by: CoverageLevel;
  villages: VillageCoverageRow[];
  curve: { at: Date; reached: number }[];
}): CoverageReport {
  const groups = new Map<string, AreaFigures & { raw: Partial<Record<ChannelKind, ChannelCounts>> }>();
  const totals: Partial<Record<ChannelKind, ChannelCounts>> = {};
  let population = 0;
  let reached = 0;
  const notReached: string[] = [];
  for (const v of o.villages) {
    const r = villageReached(v);
    population += v.population;
    reached += r;
    if (r === 0) notReached.push(v.villageCode);
    addChannels(totals, v.channels);
    const [code, name] =
      o.by === "county"
        ? [v.countyCode, v.countyName]
        : o.by === "township"
          ? [v.townshipCode, v.townshipName]
          : [v.villageCode, v.villageName];
    const g = groups.get(code) ?? {
      code,
      name: name ?? code,
      population: 0,
      reached: 0,
      rate: null,
      villages: 0,
      villagesNotReached: 0,
      channels: {},
      raw: {},
    };
    g.population += v.population;
    g.reached += r;
    g.villages += 1;
    if (r === 0) g.villagesNotReached += 1;
    addChannels(g.raw, v.channels);
    groups.set(code, g);
  }
  const at10 = o.issuedAt
    ? (o.curve.filter((p) => p.at.getTime() <= o.issuedAt!.getTime() + 600_000).at(-1)?.reached ?? 0)
    : 0;
  const major = o.level === "red" || o.level === "orange";
  const target = major ? TARGETS.major : TARGETS.all;
  const overall = rate(reached, population);
  return {
    warningId: o.warningId,
    by: o.by,
    population,
    reached,
    rate: overall,
    secondsTo50: secondsTo(o.curve, population, 0.5, o.issuedAt),
    secondsTo90: secondsTo(o.curve, population, 0.9, o.issuedAt),
    at10Minutes: { reached: at10, rate: rate(at10, population) },
    curve: curvePoints(o.curve, population, o.issuedAt),
    channels: withDeviceNames(totals),
    areas: [...groups.values()].map(({ raw, ...g }) => ({
      ...g,
      rate: rate(g.reached, g.population),
      channels: withDeviceNames(raw),
    })),
    notReached,
    targets: { target, major, met: overall !== null && overall > target },
  };
}

/** The timeline thinned to about `max` points, always keeping the last (the current rate). */
export function curvePoints(
  curve: { at: Date; reached: number }[],
  population: number,
  issuedAt: Date | null,
  max = 120,
): { seconds: number; rate: number }[] {
  if (!issuedAt || population <= 0 || curve.length === 0) return [];
  const step = Math.max(1, Math.ceil(curve.length / max));
  const picked = curve.filter((_, i) => i % step === 0 || i === curve.length - 1);
  return picked.map((p) => ({
    seconds: Math.max(0, (p.at.getTime() - issuedAt.getTime()) / 1000),
    rate: Math.min(1, p.reached / population),
  }));
}
