// Arithmetic on 12-digit statistical division codes (province 2, city 2, county 2,
// township 3, village 3) and grid codes (`<village>-NN`). Kinds come from the data,
// not from code ranges; these helpers only relate codes to each other.

const AREA_CODE = /^\d{12}$/;
const GRID_CODE = /^(\d{12})-(\d{1,4})$/;

export const isAreaCode = (s: string) => AREA_CODE.test(s) || GRID_CODE.test(s);
export const isGridCode = (s: string) => GRID_CODE.test(s);

/** The village a grid belongs to; a village or higher code maps to itself. */
export function villageOf(code: string): string {
  const m = GRID_CODE.exec(code);
  return m ? m[1]! : code;
}

/** A village's dispatch lane: its county, the first 6 digits (the ledger's generated
 * `lane` column and its distribution column under Citus, docs/scale.md). */
export const laneOf = (villageCode: string): string => villageCode.slice(0, 6);

/** The significant prefix: every code below this one starts with it. */
export function codePrefix(code: string): string {
  if (isGridCode(code)) return code;
  if (code.slice(9) !== "000") return code;
  if (code.slice(6, 9) !== "000") return code.slice(0, 9);
  if (code.slice(4, 6) !== "00") return code.slice(0, 6);
  if (code.slice(2, 4) !== "00") return code.slice(0, 4);
  return code.slice(0, 2);
}

/** Parent = zero the lowest non-zero block (DESIGN §1); a grid's parent is its village. */
export function parentCode(code: string): string | null {
  if (isGridCode(code)) return villageOf(code);
  const p = codePrefix(code);
  if (p.length <= 2) return null;
  const cut = p.length === 12 ? 9 : p.length === 9 ? 6 : p.length === 6 ? 4 : 2;
  return p.slice(0, cut).padEnd(12, "0");
}

/** True when `code` lies at or below `scope` in the hierarchy. */
export function isWithin(scope: string, code: string): boolean {
  return code.startsWith(codePrefix(scope));
}

/** Kind from the unit's name, as DESIGN §1 asks (a 街道 is township-level, a 社区 village-level). */
export function kindFromLevel(level: string): "province" | "city" | "county" | "township" | "village" | "grid" {
  switch (level) {
    case "province":
    case "city":
    case "county":
    case "township":
    case "village":
    case "grid":
      return level;
    default:
      throw new Error(`unknown division level ${level}`);
  }
}
