import { describe, expect, it } from "vitest";
import { useContext, type TestContext } from "../helpers/context.js";
import { createDraft, createIssued, inHours, json, warningBody } from "../helpers/factories.js";
import { parseXml, kid, kids, type XmlElement } from "../../src/cap/xml.js";
import { parseMessage } from "../../src/cap/parse.js";
import { validateCap } from "./helpers.js";

const ctx = useContext();

interface Entry {
  id: string;
  title: string;
  updated: string;
  summary: string;
  href: string;
  type: string;
  rel: string;
  terms: string[];
}

async function feed(c: TestContext): Promise<Map<string, Entry>> {
  const res = await c.app.request("/feeds/cap.atom"); // no Authorization: a public feed
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/atom+xml");
  const root = parseXml(await res.text());
  expect(root).toMatchObject({ name: "feed", ns: "http://www.w3.org/2005/Atom" });
  for (const f of ["id", "title", "updated"]) expect(kid(root, f)?.text).toBeTruthy();
  const entries = kids(root, "entry").map((e: XmlElement): Entry => {
    const link = kid(e, "link")!;
    return {
      id: kid(e, "id")!.text,
      title: kid(e, "title")!.text,
      updated: kid(e, "updated")!.text,
      summary: kid(e, "summary")!.text,
      href: link.attrs.href!,
      type: link.attrs.type!,
      rel: link.attrs.rel!,
      terms: kids(e, "category").map((x) => x.attrs.term!),
    };
  });
  // Keyed by warning id, taken from the CAP link.
  return new Map(entries.map((e) => [/\/feeds\/cap\/([0-9a-f-]{36})\.xml$/.exec(e.href)![1]!, e]));
}

const publicDoc = (c: TestContext, id: string) => Promise.resolve(c.app.request(`/feeds/cap/${id}.xml`));

describe("GET /feeds/cap.atom", () => {
  it("lists versions in force and those just ended, linking to their public CAP documents; never drafts or unreleased versions", async () => {
    const c = ctx();
    const inForce = await createIssued(c);
    const draft = await createDraft(c);
    const pending = await createDraft(c);
    await c.request("POST", `/api/v1/warnings/${pending.id}/submit`, { key: c.users.issuer.key });
    const scheduled = await createIssued(c, { sendAt: inHours(c, 2) });
    const heldThenCancelled = await createIssued(c, { sendAt: inHours(c, 2) });
    await c.request("POST", `/api/v1/warnings/${heldThenCancelled.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    const cancelled = await createIssued(c, { level: "red" });
    const cancelVersion = await json(
      await c.request("POST", `/api/v1/warnings/${cancelled.id}/cancel`, {
        key: c.users.issuer.key,
        json: { reason: "险情解除" },
      }),
    );
    const superseded = await createIssued(c);
    const upd = await json(
      await c.request("POST", `/api/v1/warnings/${superseded.id}/update`, {
        key: c.users.issuer.key,
        json: warningBody(c, { level: "red" }),
      }),
    );
    await c.request("POST", `/api/v1/warnings/${upd.id}/approve`, { key: c.users.approver.key });

    const entries = await feed(c);
    for (const id of [inForce.id, cancelled.id, cancelVersion.id, superseded.id, upd.id])
      expect(entries.has(id), id).toBe(true);
    for (const id of [draft.id, pending.id, scheduled.id, heldThenCancelled.id])
      expect(entries.has(id), id).toBe(false);

    const e = entries.get(inForce.id)!;
    expect(e).toMatchObject({
      id: `urn:warncast:${inForce.sender}:${inForce.identifier}`,
      title: inForce.headline,
      summary: inForce.description,
      rel: "alternate",
      type: "application/cap+xml",
      href: `${c.services.config.publicUrl}/feeds/cap/${inForce.id}.xml`,
    });
    expect(e.updated).toMatch(/\+08:00$/);
    expect(e.terms).toEqual(["issued", "Alert", "rainstorm", "orange"]);
    expect(entries.get(cancelled.id)).toMatchObject({
      title: `${cancelled.headline}（已解除）`,
      terms: ["cancelled", "Alert", "rainstorm", "red"],
    });
    expect(entries.get(cancelVersion.id)!.terms.slice(0, 2)).toEqual(["issued", "Cancel"]);
    expect(entries.get(superseded.id)!.title).toContain("已更新");
  });

  it("an expired warning stays listed for 24 hours as expired, then drops out", async () => {
    const c = ctx();
    const w = await createIssued(c, { expires: inHours(c, 1) });
    c.clock.advance(2 * 3600_000);
    const soon = (await feed(c)).get(w.id)!;
    expect(soon.title).toBe(`${w.headline}（已过期）`);
    expect(soon.terms[0]).toBe("expired");
    c.clock.advance(24 * 3600_000);
    expect((await feed(c)).has(w.id)).toBe(false);
  });
});

describe("GET /feeds/cap/{id}.xml", () => {
  it("serves the CAP document of an issued version without a key, valid against the XSD", async () => {
    const c = ctx();
    const w = await createIssued(c);
    const res = await publicDoc(c, w.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/cap+xml");
    const xml = await res.text();
    expect(validateCap(xml).valid).toBe(true);
    expect(parseMessage(xml).alert.identifier).toBe(w.identifier);
    // The same document the API exports.
    const api = await c.request("GET", `/api/v1/warnings/${w.id}/cap`);
    expect(await api.text()).toBe(xml);
  });

  it("answers 404 for drafts, versions awaiting approval, unknown ids and other names", async () => {
    const c = ctx();
    const draft = await createDraft(c);
    const pending = await createDraft(c);
    await c.request("POST", `/api/v1/warnings/${pending.id}/submit`, { key: c.users.issuer.key });
    for (const path of [
      `${draft.id}.xml`,
      `${pending.id}.xml`,
      `${crypto.randomUUID()}.xml`,
      draft.id,
      "x.xml",
      "..%2Fetc%2Fpasswd",
    ]) {
      const res = await Promise.resolve(c.app.request(`/feeds/cap/${path}`));
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain(draft.description);
    }
  });
});
