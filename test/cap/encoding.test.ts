// Real CAP arrives in the encoding its producer uses: ISO-8859-1 from USGS, GBK or GB18030
// from Chinese platforms, UTF-8 with or without a BOM, UTF-16 with one. Each is read
// through POST /api/v1/cap; only an encoding nobody can decode is a 415.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { postCap, sample } from "./helpers.js";

const ctx = useContext();

const USGS = (identifier: string, encoding: string) => `<?xml version="1.0" encoding="${encoding}"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${identifier}</identifier><sender>http://earthquake.usgs.gov</sender>
  <sent>2024-06-01T08:00:00-00:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><language>es-CL</language><category>Geo</category><event>Sismo</event><urgency>Past</urgency>
    <severity>Minor</severity><certainty>Observed</certainty><senderName>U.S. Geological Survey</senderName>
    <headline>M 5.8 - 23 km al SO de Ovalle, Región de Coquimbo</headline>
    <description>Sismo de magnitud 5.8 en la Región de Coquimbo; sentido en Ñuñoa y Viña del Mar.</description>
    <area><areaDesc>Región de Coquimbo, Chile</areaDesc><circle>-30.7,-71.4 0</circle></area></info>
</alert>`;

// GBK by inverting the platform's own decoder, so the test needs no encoder library; the
// anchor below pins it to the standard's bytes (大风 = B4F3 B7E7, 𠮷 = 9534 B235 in GB18030).
let gbkTable: Map<string, number[]> | undefined;
function encodeGb(text: string): Uint8Array {
  if (!gbkTable) {
    gbkTable = new Map();
    const d = new TextDecoder("gbk");
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = d.decode(new Uint8Array([lead, trail]));
        if (ch.length === 1 && ch !== "\uFFFD" && !gbkTable.has(ch)) gbkTable.set(ch, [lead, trail]);
      }
    }
    gbkTable.set("𠮷", [0x95, 0x34, 0xb2, 0x35]);
  }
  const out: number[] = [];
  for (const ch of text) {
    if (ch.codePointAt(0)! < 0x80) out.push(ch.codePointAt(0)!);
    else {
      const bytes = gbkTable.get(ch);
      if (!bytes) throw new Error(`no GBK bytes for ${ch}`);
      out.push(...bytes);
    }
  }
  return new Uint8Array(out);
}

const HENAN_HEADLINE = "河南省气象局发布大风蓝色预警[IV级/一般]";

/** The Henan national-format sample as a fresh Alert, declared in `encoding`. */
const henan = (identifier: string, encoding: string, extra = "") =>
  sample("china-henan-cma-national-format-1.xml")
    .replace('encoding="UTF-8"', `encoding="${encoding}"`)
    .replace("41000041600000_20200205105119", identifier)
    .replace("<msgType>Update</msgType>", "<msgType>Alert</msgType>")
    .replace(/<references>.*<\/references>/, "")
    .replace("请注意防范。</description>", `请注意防范。${extra}</description>`);

async function imported(c: TestContext, body: string | Uint8Array, type?: string) {
  const res = await postCap(c, body, type ? { type } : {});
  const out = await json(res);
  expect(res.status, JSON.stringify(out)).toBe(201);
  return out;
}

async function rawOf(c: TestContext, id: string): Promise<string> {
  const [row] = await c.tdb.db.execute<{ raw: string }>(
    sql`select source->>'raw' as raw from warnings where id = ${id}`,
  );
  return row!.raw;
}

describe("the encodings real CAP arrives in", () => {
  it("the test's GBK bytes are the standard's", () => {
    expect([...encodeGb("大风")]).toEqual([0xb4, 0xf3, 0xb7, 0xe7]);
    expect(new TextDecoder("gb18030").decode(encodeGb("𠮷"))).toBe("𠮷");
  });

  it("a USGS message declared ISO-8859-1 is read with its accents (Región, Ñuñoa), not refused", async () => {
    const c = ctx();
    const xml = USGS("us7000latin1", "ISO-8859-1");
    const bytes = new Uint8Array(Buffer.from(xml, "latin1"));
    expect(bytes).toContain(0xf3); // ó as one byte: really Latin-1, not UTF-8
    const { warning, report } = await imported(c, bytes);
    expect(warning.headline).toBe("M 5.8 - 23 km al SO de Ovalle, Región de Coquimbo");
    expect(warning.description).toContain("sentido en Ñuñoa y Viña del Mar");
    expect(report.unknownAreas).toEqual([{ areaDesc: "Región de Coquimbo, Chile" }]);
    expect(await rawOf(c, warning.id)).toBe(xml);
  });

  it("the HTTP charset names the encoding when the declaration does not", async () => {
    const c = ctx();
    const xml = USGS("us7000charset", "ISO-8859-1").replace(' encoding="ISO-8859-1"', "");
    const bytes = new Uint8Array(Buffer.from(xml, "latin1"));
    const { warning } = await imported(c, bytes, "application/cap+xml; charset=ISO-8859-1");
    expect(warning.headline).toContain("Región de Coquimbo");
  });

  it("a GBK national-format message is read as Chinese text", async () => {
    const c = ctx();
    const { warning, report } = await imported(c, encodeGb(henan("41000041600000_gbk", "GBK")));
    expect(warning).toMatchObject({ type: "gale", level: "blue", headline: HENAN_HEADLINE });
    expect(warning.description).toMatch(/^河南省气象台2020年02月05日10时45分继续发布大风蓝色预警/);
    expect(report.mappedFrom).toMatchObject({ format: "national", identifier: "41000041600000_gbk" });
  });

  it("a GB18030 national-format message is read, four-byte characters included", async () => {
    const c = ctx();
    const xml = henan("41000041600000_gb18030", "GB18030", "𠮷村请注意。");
    const { warning } = await imported(c, encodeGb(xml));
    expect(warning.description).toMatch(/请注意防范。𠮷村请注意。$/);
    expect(await rawOf(c, warning.id)).toBe(xml);
  });

  it("a relay's charset=utf-8 on a GBK body does not garble it: the first label the bytes fit wins", async () => {
    const c = ctx();
    const body = encodeGb(henan("41000041600000_relay", "GB2312"));
    const { warning } = await imported(c, body, "application/xml; charset=utf-8");
    expect(warning.headline).toBe(HENAN_HEADLINE);
  });

  it("UTF-8 with a byte-order mark, and UTF-16 with one, are read", async () => {
    const c = ctx();
    const bom = await imported(c, `\uFEFF${henan("41000041600000_bom8", "UTF-8")}`);
    expect(bom.warning.headline).toBe(HENAN_HEADLINE);
    const utf16 = new Uint8Array(Buffer.from(`\uFEFF${henan("41000041600000_bom16", "UTF-16")}`, "utf16le"));
    const wide = await imported(c, utf16);
    expect(wide.warning.headline).toBe(HENAN_HEADLINE);
    expect(wide.report.mappedFrom.identifier).toBe("41000041600000_bom16");
  });

  it.each([
    ["an unknown encoding in the declaration", USGS("us-x1", "x-klingon"), undefined, "x-klingon"],
    [
      "an unknown HTTP charset on an undeclared body",
      USGS("us-x2", "UTF-8").replace(' encoding="UTF-8"', ""),
      "text/xml; charset=ebcdic-cp-us",
      "ebcdic-cp-us",
    ],
    ["a name the Encoding Standard maps to nothing", USGS("us-x3", "ISO-2022-KR"), undefined, "iso-2022-kr"],
  ])("%s is a 415 naming it, and nothing is stored", async (_name, xml, type, encoding) => {
    const c = ctx();
    const res = await postCap(c, xml, type ? { type } : {});
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = await json(res);
    expect(p).toMatchObject({ status: 415, encoding });
    expect(p.detail).toContain(encoding);
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from warnings where source->>'identifier' like 'us-x%'`,
    );
    expect(n!.n).toBe(0);
  });

  it("bytes that are not what they are labelled as are a 400, not a garbled draft", async () => {
    const c = ctx();
    const latin1 = new Uint8Array(Buffer.from(USGS("us-bad-1", "UTF-8"), "latin1"));
    const res = await postCap(c, latin1);
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toContain("not valid utf-8");
    const single = await postCap(c, USGS("us-bad-2", "UTF-16"));
    expect(single.status).toBe(400);
    expect((await json(single)).detail).toContain("utf-16");
  });
});
