// The daily coverage digest (08:00 Asia/Shanghai): the last day's warnings, major
// (red/orange, target > 93%) and all (> 90%), as an email. Pure: the job feeds it the
// coverage totals and sends what it returns.
import type { WarningCoverageTotal } from "../db/queries/coverage.js";
import { coverageSummary, isMajor, type CoverageGroup } from "./coverage-summary.js";
import { wallClockMinute } from "../lib/local-time.js";

export interface Digest {
  from: Date;
  to: Date;
  major: CoverageGroup;
  all: CoverageGroup;
  /** Warnings below their own target, worst first. */
  belowTarget: { warningId: string; level: string; headline: string; rate: number | null; target: number }[];
  subject: string;
  text: string;
  html: string;
}

// Rounded down, so 92.999% never shows as a met "93.00%"; the epsilon absorbs binary
// fractions (0.94 * 10000 = 9399.999…).
const pct = (r: number | null) => (r === null ? "n/a" : `${(Math.floor(r * 10_000 + 1e-6) / 100).toFixed(2)}%`);
const num = (n: number) => n.toLocaleString("en-US");

function line(label: string, g: CoverageGroup): string {
  if (g.warnings === 0) return `${label}: no warnings`;
  const verdict = g.rate === null ? "no population" : g.met ? "target met" : "BELOW TARGET";
  return (
    `${label}: ${g.warnings} warning(s), reached ${num(g.reached)} of ${num(g.population)} = ${pct(g.rate)} ` +
    `(target > ${pct(g.target)}): ${verdict}; ${g.warningsMeetingTarget} of ${g.warnings} met it individually`
  );
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** "赤峰市气象台 2 · 赤峰市水文水资源中心 1": one city platform speaks for several agencies. */
function byAgency(rows: { office: string }[]): string {
  const n = new Map<string, number>();
  for (const r of rows) n.set(r.office, (n.get(r.office) ?? 0) + 1);
  return [...n].map(([office, k]) => `${office} ${k}`).join(" · ");
}

export function computeDigest(o: {
  from: Date;
  to: Date;
  warnings: WarningCoverageTotal[];
  tz: string;
  senderName: string;
}): Digest {
  const { major, all } = coverageSummary(o.warnings);
  const rows = o.warnings.map((w) => {
    const target = isMajor(w.level) ? major.target : all.target;
    const rate = w.population > 0 ? w.reached / w.population : null;
    return {
      warningId: w.warningId,
      level: w.level,
      headline: w.headline,
      office: w.office ?? o.senderName,
      issuedAt: w.issuedAt,
      population: w.population,
      reached: w.reached,
      rate,
      target,
    };
  });
  const belowTarget = rows
    .filter((r) => r.rate === null || r.rate <= r.target)
    .sort((a, b) => (a.rate ?? -1) - (b.rate ?? -1))
    .map(({ warningId, level, headline, rate, target }) => ({ warningId, level, headline, rate, target }));
  const day = wallClockMinute(o.to, o.tz).slice(0, 10);
  const subject =
    all.warnings === 0
      ? `[warncast] ${day} coverage digest: no warnings issued`
      : `[warncast] ${day} coverage: major ${pct(major.rate)}${major.warnings > 0 ? (major.met ? " ✓" : " ✗") : ""} · all ${pct(all.rate)}${all.met ? " ✓" : " ✗"}`;
  const period = `${wallClockMinute(o.from, o.tz)} – ${wallClockMinute(o.to, o.tz)} (${o.tz})`;
  const detail = rows.map(
    (r) =>
      `- [${r.level}] ${r.headline} · ${r.office} · ` +
      `issued ${wallClockMinute(r.issuedAt, o.tz)} · ${pct(r.rate)} (${num(r.reached)}/${num(r.population)})` +
      (r.rate !== null && r.rate > r.target ? "" : " below target"),
  );
  const text = [
    `${o.senderName} · warncast coverage digest`,
    `Warnings issued ${period}`,
    "",
    line("Major warnings (red/orange)", major),
    line("All warnings", all),
    ...(detail.length > 0 ? ["", `By agency: ${byAgency(rows)}`, "", "Per warning:", ...detail] : []),
    "",
    "coverage = Σ min(population, people reached) / Σ population over the targeted villages.",
  ].join("\n");
  const html = [
    `<h2>${esc(o.senderName)} · coverage digest</h2>`,
    `<p>Warnings issued ${esc(period)}</p>`,
    `<ul><li>${esc(line("Major warnings (red/orange)", major))}</li><li>${esc(line("All warnings", all))}</li></ul>`,
    rows.length > 0
      ? "<table><tr><th>level</th><th>agency</th><th>headline</th><th>issued</th><th>coverage</th>" +
        `<th>reached / population</th></tr>${rows
          .map(
            (r) =>
              `<tr><td>${esc(r.level)}</td><td>${esc(r.office)}</td><td>${esc(r.headline)}</td>` +
              `<td>${esc(wallClockMinute(r.issuedAt, o.tz))}</td><td>${pct(r.rate)}</td>` +
              `<td>${num(r.reached)} / ${num(r.population)}</td></tr>`,
          )
          .join("")}</table>`
      : "",
  ].join("\n");
  return { from: o.from, to: o.to, major, all, belowTarget, subject, text, html };
}
