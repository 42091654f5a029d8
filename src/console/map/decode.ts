// ECharts' compressed GeoJSON ("UTF8Encoding"): each ring is a string of character pairs,
// each pair a zigzag-encoded delta from the previous point, offset by 64, starting from the
// ring's encodeOffsets; coordinates are the running sums divided by the scale (1024). As
// in apache/echarts src/coord/geo/parseGeoJson.ts (decodePolygon).

export interface EncodedFeature {
  id: string;
  properties: { name: string; cp?: [number, number] };
  geometry: { type: "Polygon" | "MultiPolygon"; coordinates: unknown; encodeOffsets: unknown };
}
export interface DecodedFeature {
  code: string;
  name: string;
  cp: [number, number] | null;
  polygons: [number, number][][][];
}

export function decodeRing(encoded: string, offsets: [number, number], scale = 1024): [number, number][] {
  const out: [number, number][] = [];
  let [px, py] = offsets;
  for (let i = 0; i + 1 < encoded.length; i += 2) {
    let x = encoded.charCodeAt(i) - 64;
    let y = encoded.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    px += x;
    py += y;
    out.push([px / scale, py / scale]);
  }
  return out;
}

export function decodeFeature(f: EncodedFeature, scale = 1024): DecodedFeature {
  const g = f.geometry;
  const polygon = (rings: string[], offs: [number, number][]) => rings.map((r, i) => decodeRing(r, offs[i]!, scale));
  const polygons =
    g.type === "Polygon"
      ? [polygon(g.coordinates as string[], g.encodeOffsets as [number, number][])]
      : (g.coordinates as string[][]).map((p, i) => polygon(p, (g.encodeOffsets as [number, number][][])[i]!));
  return { code: f.id, name: f.properties.name, cp: f.properties.cp ?? null, polygons };
}

/** The FeatureCollection inside the package's `echarts.registerMap('赤峰', {...})` wrapper. */
export function extractRegistered(js: string): {
  features: EncodedFeature[];
  UTF8Encoding?: boolean;
  UTF8Scale?: number;
} {
  const start = js.indexOf("{", js.indexOf("registerMap("));
  const end = js.lastIndexOf("});");
  if (start < 0 || end < start) throw new Error("no registerMap(...) call found");
  return JSON.parse(js.slice(start, end + 1));
}

/** Equirectangular, x shrunk by cos(mid latitude) so shapes keep their proportions. */
export function toSvg(features: DecodedFeature[], width = 800) {
  const pts = features.flatMap((f) => f.polygons.flat(2));
  const lons = pts.map((p) => p[0]),
    lats = pts.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const scale = width / ((maxX - minX) * k);
  const height = Math.ceil((maxY - minY) * scale);
  const xy = ([lon, lat]: [number, number]) => [Math.round((lon - minX) * k * scale), Math.round((maxY - lat) * scale)];
  return {
    width,
    height,
    counties: features.map((f) => {
      const d = f.polygons
        .map((poly) =>
          poly
            .map((ring) => {
              const s = ring.map(xy);
              // Whole pixels, and no point repeated after rounding: a tenth of the size, no visible change.
              const kept = s.filter((p, i) => i === 0 || p[0] !== s[i - 1]![0] || p[1] !== s[i - 1]![1]);
              return `M${kept.map((p) => p.join(",")).join("L")}Z`;
            })
            .join(""),
        )
        .join("");
      const label = f.cp ? xy(f.cp).map(Number) : null;
      const rings = f.polygons.map((poly) => poly[0]!.map(xy) as [number, number][]);
      return { code: f.code, name: f.name, d, label: label as [number, number] | null, rings };
    }),
  };
}

/** Label boxes closer than this (in map units, for an 18 px label "红山区 96.3%") overlap. */
const LABEL_W = 110;
const LABEL_H = 22;

/** The source's label points are seats of government: 松山区's is in the city it wraps
 * around, on top of 红山区's. Where two labels would overlap, the larger county's moves to
 * the centroid of its largest ring, if that lies inside the ring and clear of the others. */
export function separateLabels<C extends { label: [number, number] | null; rings: [number, number][][] }>(
  counties: C[],
): C[] {
  const out = counties.map((c) => ({ ...c }));
  const clash = (a: [number, number], b: [number, number]) =>
    Math.abs(a[0] - b[0]) < LABEL_W && Math.abs(a[1] - b[1]) < LABEL_H;
  const size = (c: C) => Math.max(0, ...c.rings.map((r) => Math.abs(ringArea(r))));
  for (const a of out)
    for (const b of out) {
      if (a === b || !a.label || !b.label || !clash(a.label, b.label)) continue;
      const big = size(a) >= size(b) ? a : b;
      const ring = big.rings.reduce((x, y) => (Math.abs(ringArea(y)) > Math.abs(ringArea(x)) ? y : x));
      const c = ringCentroid(ring);
      const free = out.every((o) => o === big || !o.label || !clash(c, o.label));
      if (pointInRing(c, ring) && free) big.label = c;
    }
  return out;
}

function ringArea(r: [number, number][]): number {
  let a = 0;
  for (let i = 0; i < r.length; i++) {
    const [x1, y1] = r[i]!;
    const [x2, y2] = r[(i + 1) % r.length]!;
    a += x1 * y2 - x2 * y1;
  }
  return a / 2;
}

function ringCentroid(r: [number, number][]): [number, number] {
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < r.length; i++) {
    const [x1, y1] = r[i]!;
    const [x2, y2] = r[(i + 1) % r.length]!;
    const f = x1 * y2 - x2 * y1;
    cx += (x1 + x2) * f;
    cy += (y1 + y2) * f;
  }
  const a = 6 * ringArea(r);
  return [Math.round(cx / a), Math.round(cy / a)];
}

function pointInRing([x, y]: [number, number], r: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, k = r.length - 1; i < r.length; k = i++) {
    const [xi, yi] = r[i]!;
    const [xk, yk] = r[k]!;
    if (yi > y !== yk > y && x < ((xk - xi) * (y - yi)) / (yk - yi) + xi) inside = !inside;
  }
  return inside;
}
