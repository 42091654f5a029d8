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
      return { code: f.code, name: f.name, d, label: label as [number, number] | null };
    }),
  };
}
