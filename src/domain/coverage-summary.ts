// Coverage of a set of warnings against a target (DESIGN §7): the summary report and the
// daily digest both read it, so both say the same numbers.
import type { WarningCoverageTotal } from "../db/queries/coverage.js";
import { TARGETS } from "./coverage.js";

export interface CoverageGroup {
  warnings: number;
  population: number;
  reached: number;
  rate: number | null;
  target: number;
  met: boolean;
  warningsMeetingTarget: number;
}

export const isMajor = (level: string) => level === "red" || level === "orange";

export function coverageGroup(
  ws: Pick<WarningCoverageTotal, "population" | "reached">[],
  target: number,
): CoverageGroup {
  const population = ws.reduce((a, w) => a + w.population, 0);
  const reached = ws.reduce((a, w) => a + w.reached, 0);
  const rate = population > 0 ? reached / population : null;
  return {
    warnings: ws.length,
    population,
    reached,
    rate,
    target,
    // The targets are "more than 93% / 90%": meeting it exactly is not enough.
    met: rate !== null && rate > target,
    warningsMeetingTarget: ws.filter((w) => w.population > 0 && w.reached / w.population > target).length,
  };
}

/** Major (red/orange, > 93%) and all warnings (> 90%). */
export function coverageSummary(ws: WarningCoverageTotal[]): { major: CoverageGroup; all: CoverageGroup } {
  return {
    major: coverageGroup(
      ws.filter((w) => isMajor(w.level)),
      TARGETS.major,
    ),
    all: coverageGroup(ws, TARGETS.all),
  };
}
