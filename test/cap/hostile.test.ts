// Hostile and broken XML: each is refused quickly with a 4xx that names the problem, and
// none makes the process hold the expansion in memory.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { expectProblem, failures } from "../helpers/hostile.js";
import { CAP_NS } from "../../src/cap/model.js";
import { decodeXml } from "../../src/cap/harden.js";
import { formatCapTime } from "../../src/cap/time.js";
import { postCap, sample, validateCap } from "./helpers.js";

const ctx = useContext();

const lols = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join("");
const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY lol0 "lol">${lols}]><alert xmlns="${CAP_NS}"><identifier>&lol9;</identifier></alert>`;
const XXE = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><alert xmlns="${CAP_NS}"><identifier>&xxe;</identifier></alert>`;
const PARAMETER_ENTITY = `<?xml version="1.0"?><!doctype alert [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]><alert xmlns="${CAP_NS}"/>`;
const DEEP = `<alert xmlns="${CAP_NS}">${"<a>".repeat(10_000)}${"</a>".repeat(10_000)}</alert>`;
const BIG = `<alert xmlns="${CAP_NS}"><note>${"x".repeat(10 * 1024 * 1024)}</note></alert>`;

async function refused(body: string | Uint8Array, status: number, type?: string) {
  const c = ctx();
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const res = await postCap(c, body, type ? { type } : {});
  const ms = performance.now() - t0;
  const problem = await json(res);
  expect(res.status, JSON.stringify(problem)).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(ms).toBeLessThan(2000);
  // An expanded billion laughs would be ~3 GB; anything near that shows here.
  expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(64 * 1024 * 1024);
  return problem;
}

describe("hostile XML", () => {
  it("billion laughs is refused at the DOCTYPE, before any entity is expanded", async () => {
    const p = await refused(BILLION_LAUGHS, 400);
    expect(p).toMatchObject({ code: "bad_request", xmlProblem: "dtd_forbidden" });
    expect(p.detail).toContain("DOCTYPE");
  });

  it("an external entity (XXE) is refused and nothing of the file is echoed", async () => {
    const p = await refused(XXE, 400);
    expect(p.xmlProblem).toBe("dtd_forbidden");
    expect(JSON.stringify(p)).not.toContain("root:");
  });

  it("a parameter entity in a lower-case doctype is refused too", async () => {
    expect((await refused(PARAMETER_ENTITY, 400)).xmlProblem).toBe("dtd_forbidden");
  });

  it("a 10 MB body is a 413 from the body limit", async () => {
    const p = await refused(BIG, 413);
    expect(p).toMatchObject({ code: "payload_too_large", maxBytes: 1024 * 1024 });
  });

  it("10,000-deep nesting is refused with the depth limit named", async () => {
    const p = await refused(DEEP, 400);
    expect(p).toMatchObject({ xmlProblem: "too_deep", maxDepth: 32 });
  });

  it.each([
    ["unclosed tags", `<alert xmlns="${CAP_NS}"><identifier>x</alert>`, "not_well_formed"],
    ["two root elements", `<alert xmlns="${CAP_NS}"/><alert xmlns="${CAP_NS}"/>`, "root"],
    ["no element at all", `   `, "not_well_formed"],
    ["an undeclared namespace prefix", `<x:alert><x:identifier>a</x:identifier></x:alert>`, "undeclared_prefix"],
  ])("%s: 400 naming the problem", async (_name, body, problem) => {
    expect((await refused(body, 400)).xmlProblem).toBe(problem);
  });

  it("a CAP 1.1 alert and an unknown root are 422s that say what is accepted", async () => {
    const p = await refused(
      `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>`,
      422,
    );
    expect(p.detail).toContain("only CAP 1.2");
    expect((await refused(`<feed xmlns="http://www.w3.org/2005/Atom"/>`, 422)).root).toBe("feed");
  });

  it("a CAP message missing its required fields is a 422 listing each of them", async () => {
    const p = await refused(`<alert xmlns="${CAP_NS}"><identifier>x</identifier><sent>yesterday</sent></alert>`, 422);
    expect(p.errors.map((e: { path: string }) => e.path)).toEqual(["sender", "sent", "status", "msgType", "scope"]);
    expect(p.errors[1]).toMatchObject({ code: "invalid_time" });
  });

  it("an encoding we do not read is a 415; bytes that are not the declared encoding are a 400", async () => {
    expect((await refused(`<?xml version="1.0" encoding="EBCDIC-US"?><alert/>`, 415)).encoding).toBe("ebcdic-us");
    expect(
      (await refused(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]), 400)).detail,
    ).toContain("not valid utf-8");
  });
});

describe("what the hardening still lets through", () => {
  it("GBK-encoded national messages are decoded (大风 = B4F3 B7E7)", () => {
    const head = new TextEncoder().encode(`<?xml version="1.0" encoding="GB2312"?><alert><event>`);
    const tail = new TextEncoder().encode(`</event></alert>`);
    const bytes = new Uint8Array([...head, 0xb4, 0xf3, 0xb7, 0xe7, ...tail]);
    expect(decodeXml(bytes)).toContain("<event>大风</event>");
  });

  it("the schema check is real: a UTC `Z` time fails the official XSD", () => {
    const ok = `<alert xmlns="${CAP_NS}"><identifier>a</identifier><sender>b</sender><sent>2024-06-01T08:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope></alert>`;
    expect(validateCap(ok).valid).toBe(true);
    expect(validateCap(ok.replace("+08:00", "Z")).valid).toBe(false);
  });
});

describe("characters, times and sizes that cannot be stored", () => {
  const f = failures();
  const at = (c: TestContext, h: number) => formatCapTime(new Date(c.clock.now.getTime() + h * 3600_000));
  const henan = () => sample("china-henan-cma-national-format-1.xml");
  /** A valid CAP 1.2 alert; `o` replaces the text of one element, `extra` joins the header. */
  function alert(c: TestContext, o: Record<string, string> = {}, extra = "") {
    const el = (name: string, value: string) => `<${name}>${o[name] ?? value}</${name}>`;
    const header = [
      el("identifier", `HOSTILE-${Math.random()}`),
      el("sender", "nmc.nmgqx"),
      el("sent", at(c, 0)),
      el("status", "Actual"),
      el("msgType", "Alert"),
      el("scope", "Public"),
      extra,
    ];
    const info = [
      el("language", "zh-CN"),
      el("category", "Met"),
      el("event", "暴雨"),
      el("urgency", "Expected"),
      el("severity", "Moderate"),
      el("certainty", "Likely"),
      el("onset", at(c, 1)),
      el("expires", at(c, 6)),
      el("headline", "暴雨预警"),
      el("description", "预计有强降雨。"),
      el("instruction", "注意防范。"),
    ];
    const geocode = `<geocode>${el("valueName", "CN-NBS-areaCode")}${el("value", "150402000000")}</geocode>`;
    return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${CAP_NS}">${header.join("")}
  <info>${info.join("\n")}<area>${el("areaDesc", "红山区")}${geocode}</area></info>
</alert>`;
  }
  const SLOTS = ["identifier", "sender", "event", "headline", "description", "instruction", "areaDesc", "value"];
  const NOT_CHARACTERS = [
    "\u0000",
    "&#0;",
    "&#x0;",
    "&#x00000;",
    "&#xD800;",
    "&#xDFFF;",
    "&#1;",
    "\u0001",
    "\uFFFE",
    "&#xFFFF;",
    "&#x110000;",
  ];
  const warnings = async (c: TestContext) =>
    (await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from warnings`))[0]!.n;

  it("refuses NUL and every other non-character, raw or as a reference, in any element", async () => {
    const c = ctx();
    const before = await warnings(c);
    expect((await postCap(c, alert(c))).status).toBe(201);
    for (const slot of SLOTS) {
      for (const bad of NOT_CHARACTERS) {
        const label = `<${slot}> with ${JSON.stringify(bad)}`;
        const p = await expectProblem(f, label, await postCap(c, alert(c, { [slot]: `a${bad}b` })), { status: 400 });
        if (p && p.xmlProblem !== "not_well_formed") f.list.push(`${label}: xmlProblem ${p.xmlProblem}`);
      }
    }
    const elsewhere = [
      ["an attribute", alert(c).replace("<area>", `<area id="a\u0000">`)],
      ["an attribute reference", alert(c).replace("<area>", `<area id="&#0;">`)],
      ["a comment", alert(c).replace("<info>", `<!-- \u0000 --><info>`)],
      ["CDATA", alert(c, { description: "<![CDATA[a\u0000b]]>" })],
      ["a tag name", alert(c).replace("<area>", `<are\u0000a>`).replace("</area>", `</are\u0000a>`)],
      ["the national format", henan().replace("<identifier>", "<identifier>\u0000")],
      ["the national format, as a reference", henan().replace("<identifier>", "<identifier>&#0;")],
    ] as const;
    for (const [where, xml] of elsewhere) {
      await expectProblem(f, `NUL in ${where}`, await postCap(c, xml), { status: 400 });
    }
    expect(await warnings(c)).toBe(before + 1);
    expect(f.list).toEqual([]);
  });

  it("refuses wrong and mislabelled encodings", async () => {
    const c = ctx();
    const bytes = (s: string) => new TextEncoder().encode(s);
    const utf8 = bytes(alert(c));
    const utf16 = (s: string) => {
      const units = new Uint8Array(Uint16Array.from(s, (ch) => ch.charCodeAt(0)).buffer);
      return new Uint8Array([0xff, 0xfe, ...units]);
    };
    const declared = (name: string) => alert(c).replace('encoding="UTF-8"', `encoding="${name}"`);
    const cases: [string, Uint8Array | string, number, string?][] = [
      ["UTF-8 with a raw NUL byte", bytes(alert(c, { description: "a\u0000b" })), 400],
      ["an overlong UTF-8 NUL (C0 80)", new Uint8Array([...utf8.slice(0, 60), 0xc0, 0x80, ...utf8.slice(60)]), 400],
      ["UTF-16 with a NUL", utf16(alert(c, { description: "a\u0000b" }).replace(' encoding="UTF-8"', "")), 400],
      ["UTF-16 cut in half a character", utf16(alert(c)).slice(0, 301), 400],
      ["declared UTF-32", declared("UTF-32"), 415],
      ["declared UTF-16 without a byte-order mark", declared("UTF-16"), 400],
      ["GBK bytes that are not GBK", new Uint8Array([...bytes(declared("GBK")).slice(0, 80), 0x81, 0x20]), 400],
      ["JSON", JSON.stringify({ alert: {} }), 415, "application/json"],
      ["no content type", utf8, 415, ""],
    ];
    for (const [what, body, status, type] of cases) {
      await expectProblem(f, what, await postCap(c, body, type === undefined ? {} : { type }), { status });
    }
    expect(f.list).toEqual([]);
  });

  it("refuses times outside what can be stored, huge documents and a Cancel with 20,000 references", async () => {
    const c = ctx();
    const before = await warnings(c);
    for (const slot of ["sent", "onset", "expires"]) {
      for (const t of ["0000-01-01T00:00:00+08:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]) {
        const field = slot === "sent" ? "sent" : `info[0].${slot}`;
        await expectProblem(f, `<${slot}> ${t}`, await postCap(c, alert(c, { [slot]: t })), { status: 422, field });
      }
    }
    // Once an IN list of 4 bind parameters per reference: past 65,535 parameters in all.
    const refs = Array.from({ length: 20_000 }, (_, i) => `s,i${i},x`).join(" ");
    const cancel = alert(c, { msgType: "Cancel" }, `<references>${refs}</references>`);
    // None of them is ours: the Cancel is kept as a record of its own thread (never sent).
    const recorded = await postCap(c, cancel);
    expect(recorded.status).toBe(201);
    expect(((await recorded.json()) as { report: { action: string } }).report.action).toBe("record");
    const huge = alert(c, { description: "雨".repeat(c.services.config.maxXmlBytes / 3) });
    await expectProblem(f, "a document over the XML limit", await postCap(c, huge), { status: 413 });
    expect(await warnings(c)).toBe(before + 1);
    expect(f.list).toEqual([]);
  });
});
