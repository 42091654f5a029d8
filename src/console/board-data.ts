// What the live board shows, computed from the API's own coverage, silent-village and
// 叫应 reports: the same figures an official would get from the JSON API.
import type { CallApi } from "./api.js";
import type { CoverageReport, AreaFigures } from "../domain/coverage.js";
import { CHANNELS } from "../domain/vocabulary.js";

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
  channels: { channel: string; targeted: number; sent: number; delivered: number; acknowledged: number; failed: number }[];
  curvePath: string;
  villages: { code: string; name: string; state: VillageState }[];
}

export const CURVE = { w: 600, h: 180, left: 34, bottom: 20, top: 8 };

export function curvePath(points: { seconds: number; rate: number }[]): string {
  if (points.length === 0) return "";
  const maxS = Math.max(60, points.at(-1)!.seconds);
  const x = (s: number) => CURVE.left + (s / maxS) * (CURVE.w - CURVE.left - 8);
  const y = (r: number) => CURVE.h - CURVE.bottom - r * (CURVE.h - CURVE.bottom - CURVE.top);
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.seconds).toFixed(1)},${y(p.rate).toFixed(1)}`).join(" ");
}

export function villageState(v: AreaFigures, o: { offline: Set<string>; escalated: Set<string>; inForce: boolean }): VillageState {
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

export async function loadBoard(call: CallApi, id: string): Promise<BoardData | null> {
  const [w, cov, silent, esc] = await Promise.all([
    call<{ status: string; expires: string }>("GET", `/api/v1/warnings/${id}`),
    call<CoverageReport>("GET", `/api/v1/warnings/${id}/coverage?by=village`),
    call<{ items: { villageCode: string }[]; active: boolean }>("GET", `/api/v1/warnings/${id}/silent-villages`),
    call<{ items: { villageCode: string; step: number; acknowledgedAt: string | null }[] }>("GET", `/api/v1/warnings/${id}/escalations?limit=500`),
  ]);
  if (!w.ok || !cov.ok) return null;
  const inForce = w.body.status === "issued" && new Date(w.body.expires) > new Date();
  const offline = new Set(silent.ok && silent.body.active ? silent.body.items.map((s) => s.villageCode) : []);
  const escalated = new Set(esc.ok ? esc.body.items.filter((e) => e.step >= 2 && !e.acknowledgedAt).map((e) => e.villageCode) : []);
  const c = cov.body;
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
      return { channel: ch, targeted: f.targeted, sent: f.sent, delivered: f.delivered, acknowledged: f.acknowledged, failed: f.failed };
    }),
    curvePath: curvePath(c.curve ?? []),
    villages: c.areas.map((v) => ({ code: v.code, name: v.name, state: villageState(v, { offline, escalated, inForce }) })),
  };
}
