// Hostile and broken XML: each is refused quickly with a 4xx that names the problem, and
// none makes the process hold the expansion in memory.
import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { CAP_NS } from "../../src/cap/model.js";
import { decodeXml } from "../../src/cap/harden.js";
import { postCap, validateCap } from "./helpers.js";

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
    const p = await refused(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>`, 422);
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
    expect((await refused(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]), 400)).detail).toContain("not valid utf-8");
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
