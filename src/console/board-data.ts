// What the live board shows, computed from the API's own coverage, silent-village and
// 叫应 reports: the same figures an official would get from the JSON API.
import type { ApiResult, CallApi } from "./api.js";
import type { CoverageReport, AreaFigures } from "../domain/coverage.js";
import { CHANNELS } from "../domain/vocabulary.js";
import { laneOf } from "../domain/areas.js";
import type { EscalationDto, Page } from "./types.js";
import { CHIFENG_MAP } from "./map/chifeng.gen.js";
import { countyClass, countyLabel } from "./pages/map.js";

export type VillageState = "reached" | "progress" | "notreached" | "offline" | "escalated" | "idle";

export interface BoardData {
  status: string;
  rate: number | null;
  met: boolean;
  target: number;
  reached: number;
  population: number;
  secondsTo50: number | null;
  secondsTo90: number | null;
  channels: {
    channel: string;
    targeted: number;
    sent: number;
    delivered: number;
    acknowledged: number;
    failed: number;
  }[];
  curvePath: string;
  /** Seconds since issue the curve's x axis spans (its right-hand label). */
  curveSpan: number;
  villages: { code: string; name: string; state: VillageState }[];
  /** The map's targeted counties, as the page draws them (class and label), from the same
   * village figures: Σ min(pop, reached) / Σ pop per county, the published formula. */
  counties: { code: string; cls: string; label: string }[];
}

export const CURVE = { w: 600, h: 180, left: 34, bottom: 20, top: 8 };

/** A step line from 0% at issue through each per-second point, held level to `span`
 * seconds (now, while the warning is in force), so a fan-out finished within a second
 * still draws as a rise and a plateau. */
export function curvePath(points: { seconds: number; rate: number }[], span: number): string {
  const maxS = Math.max(10, span, points.at(-1)?.seconds ?? 0);
  const x = (s: number) => (CURVE.left + (s / maxS) * (CURVE.w - CURVE.left - 8)).toFixed(1);
  const y = (r: number) => (CURVE.h - CURVE.bottom - r * (CURVE.h - CURVE.bottom - CURVE.top)).toFixed(1);
  let d = `M${x(0)},${y(0)}`;
  let last = 0;
  for (const p of points) {
    d += ` L${x(p.seconds)},${y(last)} L${x(p.seconds)},${y(p.rate)}`;
    last = p.rate;
  }
  return `${d} L${x(maxS)},${y(last)}`;
}

export const curveSpan = (points: { seconds: number }[], span: number) =>
  Math.round(Math.max(10, span, points.at(-1)?.seconds ?? 0));

export function villageState(
  v: AreaFigures,
  o: { offline: Set<string>; escalated: Set<string>; inForce: boolean },
): VillageState {
  const targeted = Object.values(v.channels).reduce((n, c) => n + (c?.targeted ?? 0), 0);
  if (targeted === 0 && !o.inForce) return "idle";
  if (v.rate !== null && v.rate >= 0.9) return "reached";
  if (o.inForce && o.offline.has(v.code)) return "offline";
  if (o.escalated.has(v.code)) return "escalated";
  // Counters are cumulative (a confirmed delivery also counts as delivered).
  const open = Object.values(v.channels).some((c) => c && c.targeted > c.delivered + c.failed + c.expired);
  if (v.reached > 0 || (o.inForce && open)) return "progress";
  return "notreached";
}

/** Every village's 叫应 chain, page by page (a city-wide warning has ~2,500), at most 10
 * pages; none while the escalations route is missing (404) or refuses. */
export async function allEscalations(call: CallApi, id: string): Promise<EscalationDto[]> {
  const out: EscalationDto[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const r: ApiResult<Page<EscalationDto>> = await call<Page<EscalationDto>>(
      "GET",
      `/api/v1/warnings/${id}/escalations?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (!r.ok) break;
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  return out;
}

export async function loadBoard(call: CallApi, id: string): Promise<BoardData | null> {
  const [w, cov, silent, esc] = await Promise.all([
    call<{ status: string; expires: string; issuedAt: string | null }>("GET", `/api/v1/warnings/${id}`),
    call<CoverageReport>("GET", `/api/v1/warnings/${id}/coverage?by=village`),
    call<{ items: { villageCode: string }[]; active: boolean }>("GET", `/api/v1/warnings/${id}/silent-villages`),
    allEscalations(call, id),
  ]);
  if (!w.ok || !cov.ok) return null;
  const inForce = w.body.status === "issued" && new Date(w.body.expires) > new Date();
  const offline = new Set(silent.ok && silent.body.active ? silent.body.items.map((s) => s.villageCode) : []);
  const escalated = new Set(esc.filter((e) => e.step >= 2 && !e.acknowledgedAt).map((e) => e.villageCode));
  const c = cov.body;
  const curve = c.curve ?? [];
  // While in force the curve runs to now; afterwards to its last rise.
  const span = inForce && w.body.issuedAt ? (Date.now() - new Date(w.body.issuedAt).getTime()) / 1000 : 0;
  return {
    status: w.body.status,
    rate: c.rate,
    met: c.targets.met,
    target: c.targets.target,
    reached: c.reached,
    population: c.population,
    secondsTo50: c.secondsTo50 === null ? null : Math.round(c.secondsTo50),
    secondsTo90: c.secondsTo90 === null ? null : Math.round(c.secondsTo90),
    channels: CHANNELS.filter((ch) => c.channels[ch]).map((ch) => {
      const f = c.channels[ch]!;
      return {
        channel: ch,
        targeted: f.targeted,
        sent: f.sent,
        delivered: f.delivered,
        acknowledged: f.acknowledged,
        failed: f.failed,
      };
    }),
    curvePath: curvePath(curve, span),
    curveSpan: curveSpan(curve, span),
    villages: c.areas.map((v) => ({
      code: v.code,
      name: v.name,
      state: villageState(v, { offline, escalated, inForce }),
    })),
    counties: countiesOf(c.areas),
  };
}

/** County figures from village rows (whose `reached` is already capped at the village's
 * population), drawn as the map draws them. */
export function countiesOf(villages: AreaFigures[]): BoardData["counties"] {
  const sums = new Map<string, { population: number; reached: number }>();
  for (const v of villages) {
    const k = laneOf(v.code);
    const s = sums.get(k) ?? { population: 0, reached: 0 };
    s.population += v.population;
    s.reached += v.reached;
    sums.set(k, s);
  }
  return CHIFENG_MAP.counties
    .filter((m) => sums.has(m.code))
    .map((m) => {
      const s = sums.get(m.code)!;
      const f = { code: m.code, rate: s.population > 0 ? s.reached / s.population : null };
      return { code: m.code, cls: countyClass(f), label: countyLabel(m.name, f) };
    });
}
