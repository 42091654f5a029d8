// 一张图: Chifeng's 12 counties as SVG shapes decoded at build time (scripts/build-map.ts),
// coloured by coverage and outlined where targeted; a county links to its township and
// village grid below. Villages have no shapes in the source data and mostly no
// coordinates, so they are drawn as a grid and the page says so.
import type { PageCtx } from "../layout.js";
import { percent } from "../format.js";
import { CHIFENG_MAP } from "../map/chifeng.gen.js";

export interface CountyFigure {
  code: string;
  rate: number | null;
}

/** The shape's class: its coverage bucket, outlined when targeted. The live board sends
 * the same string, so the page and its updates colour a county alike. */
export const countyClass = (f: CountyFigure | undefined) => `county-shape ${bucket(f)}${f ? " targeted" : ""}`;

/** A county's label: its name, and its coverage where targeted. */
export const countyLabel = (name: string, f: CountyFigure | undefined) => `${name}${f ? ` ${percent(f.rate)}` : ""}`;

const bucket = (f: CountyFigure | undefined) =>
  !f
    ? "m-none"
    : f.rate === null
      ? "m-zero"
      : f.rate >= 0.9
        ? "m-high"
        : f.rate >= 0.5
          ? "m-mid"
          : f.rate > 0
            ? "m-low"
            : "m-zero";

/** The targeted counties as the board shows them (board-data.ts countiesOf): the page and
 * its live updates draw from the same figures. */
export function CountyMap(p: { t: PageCtx["t"]; counties: { code: string; cls: string; label: string }[] }) {
  const by = new Map(p.counties.map((c) => [c.code, c]));
  const m = CHIFENG_MAP;
  return (
    <svg class="map" id="county-map" viewBox={`0 0 ${m.width} ${m.height}`} role="img" aria-label={p.t("map")}>
      {m.counties.map((c) => {
        const f = by.get(c.code);
        return (
          <a href={`#county-${c.code}000000`} data-county={c.code}>
            <path
              id={`map-${c.code}`}
              class={f?.cls ?? countyClass(undefined)}
              d={c.d}
              data-name={c.name}
              data-targeted={f ? "1" : "0"}
            >
              <title>{f?.label ?? countyLabel(c.name, undefined)}</title>
            </path>
          </a>
        );
      })}
      {m.counties.map(
        (c) =>
          c.label && (
            <text
              class="county-label"
              id={`map-label-${c.code}`}
              x={c.label[0]}
              y={c.label[1]}
              text-anchor="middle"
              data-county={c.code}
            >
              {by.get(c.code)?.label ?? countyLabel(c.name, undefined)}
            </text>
          ),
      )}
    </svg>
  );
}
