// Every real sample message through POST /api/v1/cap. None of them is about Chifeng, so
// each valid one becomes a draft with no area and a report of what did not map.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { inHours, json } from "../helpers/factories.js";
import { lockMessage } from "../../src/db/queries/cap.js";
import { postCap, sample, sampleNames, validateCap } from "./helpers.js";

const ctx = useContext();

// file → what it must map to. `refs` = references we do not hold (Update of a message we never received).
const EXPECTED: Record<
  string,
  {
    level: string;
    type?: string;
    defaultedLevel?: boolean;
    refs?: number;
    signed?: boolean;
    unknownAreas?: number;
    issues?: string[];
    ignoredInfo?: boolean;
  }
> = {
  "australia-bom-1.xml": { level: "blue", defaultedLevel: true, unknownAreas: 7 },
  "australia-nswrfs-1.xml": { level: "blue", ignoredInfo: true },
  "canada-ec-1.xml": { level: "blue", refs: 2, ignoredInfo: true },
  "canada-ec-signed-2.xml": { level: "yellow", refs: 9, signed: true, ignoredInfo: true },
  "canada-naad-3.xml": { level: "blue", signed: true, ignoredInfo: true },
  "china-henan-cma-national-format-1.xml": { level: "blue", type: "gale", refs: 1, unknownAreas: 1 },
  "iceland-imo-1.xml": { level: "yellow", ignoredInfo: true },
  "mexico-smn-1.xml": { level: "blue", defaultedLevel: true, refs: 1, unknownAreas: 1 },
  "oasis-spec-1.xml": { level: "orange", unknownAreas: 1 },
  "oasis-spec-2.xml": { level: "orange", unknownAreas: 3 },
  "oasis-spec-3.xml": { level: "blue", refs: 1, unknownAreas: 1 },
  "oasis-spec-4.xml": { level: "orange", ignoredInfo: true, unknownAreas: 1 },
  "philippines-pagasa-1.xml": { level: "blue", signed: true, issues: ["not_actual"], unknownAreas: 1 },
  "taiwan-wra-1.xml": { level: "yellow", unknownAreas: 1 },
  "us-noaa-wcatwc-1.xml": { level: "red", refs: 1 },
};

describe("importing the real sample messages", () => {
  it("the fixture set is the 17 samples, and the XSD accepts the 15 CAP 1.2 ones", () => {
    const names = sampleNames();
    expect(names).toHaveLength(17);
    const invalid = names.filter((n) => !validateCap(sample(n)).valid);
    expect(invalid).toEqual(["china-henan-cma-national-format-1.xml", "sweden-smhi-1.xml"]);
  });

  it.each(Object.entries(EXPECTED))("%s becomes a reported draft", async (file, exp) => {
    const c = ctx();
    const res = await postCap(c, sample(file));
    expect(res.status).toBe(201);
    const { warning, report } = await json(res);
    expect(warning).toMatchObject({
      status: "draft",
      msgType: "Alert",
      version: 1,
      createdBy: c.users.issuer.id,
      level: exp.level,
      type: exp.type ?? "other",
    });
    expect(warning.areas.codes).toEqual([]);
    expect(report.action).toBe("draft");
    expect(report.level.defaulted).toBe(exp.defaultedLevel ?? false);
    expect(report.unknownEventType === null).toBe(exp.type !== undefined);
    expect(report.unresolvedReferences).toHaveLength(exp.refs ?? 0);
    expect(report.mappedFrom.signed).toBe(exp.signed ?? false);
    expect(report.mappedFrom.signatureVerified).toBe(false);
    if (exp.unknownAreas !== undefined) expect(report.unknownAreas).toHaveLength(exp.unknownAreas);
    else expect(report.unknownAreas.length).toBeGreaterThan(0);
    // No area we know: stored for review, but it cannot be submitted until areas are set.
    const codes = report.issues.map((i: { code: string }) => i.code);
    expect(codes).toContain("required");
    for (const code of exp.issues ?? []) expect(codes).toContain(code);
    if (exp.ignoredInfo) expect(report.ignored.some((s: string) => s.startsWith("info[1]"))).toBe(true);
    const submit = await c.request("POST", `/api/v1/warnings/${warning.id}/submit`, { key: c.users.issuer.key });
    expect(submit.status).toBe(422);

    const [row] = await c.tdb.db.execute<{ source: Record<string, any> }>(
      sql`select source from warnings where id = ${warning.id}`,
    );
    expect(row!.source).toMatchObject({
      identifier: report.mappedFrom.identifier,
      sender: report.mappedFrom.sender,
      signed: exp.signed ?? false,
    });
    // The message is kept byte for byte (after decoding), signature included.
    expect(row!.source.raw).toBe(sample(file).replace(/^\uFEFF/, ""));
    if (exp.signed) expect(row!.source.raw).toMatch(/<(ds:)?Signature[\s>]/);
  });

  it("the IPAWS Cancel of a message we never received starts its own thread, born ended, never sent", async () => {
    const c = ctx();
    const res = await postCap(c, sample("us-ipaws-1.xml"), { user: c.users.approver });
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(201);
    const { warning, report } = body;
    expect(warning).toMatchObject({
      msgType: "Cancel",
      status: "cancelled",
      version: 1,
      supersedesId: null,
      channels: [],
      issuedAt: null,
    });
    expect(warning.threadId).toBe(warning.id);
    expect(report.action).toBe("record");
    const original = { sender: "bbrundage@dps.state.nv.us", identifier: "AS-NV-e18921c7-1b35-4a81-9705-42d25c265ddd" };
    expect(report.unresolvedReferences).toEqual([expect.objectContaining(original)]);
    const [row] = await c.tdb.db.execute<{ source: Record<string, any> }>(
      sql`select source from warnings where id = ${warning.id}`,
    );
    const identifier = "AS-NV-58d33e3a-1f9a-4909-9d59-34e90b33b3e8";
    expect(row!.source).toMatchObject({ msgType: "Cancel", identifier, signed: true });
    expect(row!.source.references).toEqual([expect.objectContaining(original)]);
    // Nothing goes out and nothing can make it go out: no deliveries, not in the public
    // feed, and every action on it is refused.
    const [d] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from deliveries where warning_id = ${warning.id}`,
    );
    expect(d!.n).toBe(0);
    expect(await (await c.app.request("/feeds/cap.atom")).text()).not.toContain(warning.identifier);
    expect((await c.app.request(`/feeds/cap/${warning.id}.xml`)).status).toBe(404);
    const by = { key: c.users.admin.key };
    for (const action of ["submit", "approve", "cancel"]) {
      const body = action === "cancel" ? { json: { reason: "解除" } } : {};
      expect(
        (await c.request("POST", `/api/v1/warnings/${warning.id}/${action}`, { ...by, ...body })).status,
        action,
      ).toBe(409);
    }
    const areas = { codes: ["150402000000"] };
    expect((await c.request("PATCH", `/api/v1/warnings/${warning.id}`, { ...by, json: { areas } })).status).toBe(409);
    const upd = { ...by, json: { type: "other", level: "blue", description: "x", areas, expires: inHours(c, 2) } };
    expect((await c.request("POST", `/api/v1/warnings/${warning.id}/update`, upd)).status).toBe(409);
    expect((await json(await c.request("GET", `/api/v1/warnings/${warning.id}`, by))).status).toBe("cancelled");
    // The same Cancel again is the usual duplicate, naming the record.
    const again = await postCap(c, sample("us-ipaws-1.xml"), { user: c.users.approver });
    expect(again.status).toBe(409);
    expect((await json(again)).warningId).toBe(warning.id);
  });

  it("a crafted Cancel for our area, of an alert we never saw, is recorded with its area, never sent", async () => {
    const c = ctx();
    const xml = sample("oasis-spec-2.xml")
      .replace("KSTO1055887203", "KSTO-cancel-1")
      .replace(/<msgType>\w+<\/msgType>/, "<msgType>Cancel</msgType>")
      .replace(/<references>[^<]*<\/references>/, "")
      .replace("<scope>", "<references>KSTO@NWS.NOAA.GOV,KSTO-never-seen,2003-06-17T14:57:00-07:00</references><scope>")
      .replace(
        /<geocode>[\s\S]*?<\/geocode>/,
        "<geocode><valueName>CN-NBS-areaCode</valueName><value>150402000000</value></geocode>",
      );
    const res = await postCap(c, xml);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(201);
    const unresolved = [{ sender: "KSTO@NWS.NOAA.GOV", identifier: "KSTO-never-seen" }];
    expect(body.report).toMatchObject({ action: "record", unresolvedReferences: unresolved });
    expect(body.warning).toMatchObject({
      msgType: "Cancel",
      status: "cancelled",
      channels: [],
      areas: { codes: ["150402000000"] },
      issuedAt: null,
    });
    // A later Update of that upstream thread finds the record and is refused like any
    // message after a Cancel, instead of reviving the warning.
    const later = xml
      .replace("KSTO-cancel-1", "KSTO-cancel-2")
      .replace("<msgType>Cancel</msgType>", "<msgType>Update</msgType>")
      .replace("KSTO-never-seen,2003-06-17T14:57:00-07:00", "KSTO-cancel-1,2003-06-17T14:57:00-07:00");
    const r2 = await postCap(c, later);
    expect(r2.status).toBe(409);
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from warnings where source->>'identifier' = 'KSTO-cancel-2'`,
    );
    expect(n!.n).toBe(0);
  });

  it("joined mid-stream: an IPAWS Update of an unknown alert is a draft; a Cancel of both ends it unsent", async () => {
    const c = ctx();
    const ipaws = sample("us-ipaws-1.xml");
    const info =
      "<info><category>Safety</category><event>Civil Emergency</event><urgency>Immediate</urgency>" +
      "<severity>Severe</severity><certainty>Likely</certainty><headline>Evacuate Zone 3</headline>" +
      "<description>Leave now.</description><area><areaDesc>Clark County</areaDesc></area></info>";
    const update = ipaws
      .replace("AS-NV-58d33e3a-1f9a-4909-9d59-34e90b33b3e8", "AS-NV-update-1")
      .replace("<msgType>Cancel</msgType>", "<msgType>Update</msgType>")
      .replace("<ds:Signature", `${info}<ds:Signature`);
    const u = await json(await postCap(c, update));
    expect(u.warning).toMatchObject({ status: "draft", msgType: "Alert", headline: "Evacuate Zone 3" });
    const original = expect.objectContaining({ identifier: "AS-NV-e18921c7-1b35-4a81-9705-42d25c265ddd" });
    expect(u.report.unresolvedReferences).toEqual([original]);
    const cancel = ipaws
      .replace("AS-NV-58d33e3a-1f9a-4909-9d59-34e90b33b3e8", "AS-NV-cancel-1")
      .replace(
        "2019-04-18T12:02:32-06:00</references>",
        "2019-04-18T12:02:32-06:00 bbrundage@dps.state.nv.us,AS-NV-update-1,2019-04-19T11:00:00-06:00</references>",
      );
    const res = await postCap(c, cancel);
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.report.action).toBe("record");
    expect(body.warning).toMatchObject({
      msgType: "Cancel",
      status: "cancelled",
      version: 2,
      threadId: u.warning.threadId,
      supersedesId: u.warning.id,
      channels: [],
      issuedAt: null,
    });
    const draft = await json(await c.request("GET", `/api/v1/warnings/${u.warning.id}`));
    expect(draft).toMatchObject({ status: "cancelled" });
    const submit = await c.request("POST", `/api/v1/warnings/${u.warning.id}/submit`, { key: c.users.issuer.key });
    expect(submit.status).toBe(409);
    const [d] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from deliveries d
      join warnings w on w.id = d.warning_id where w.thread_id = ${u.warning.threadId}`);
    expect(d!.n).toBe(0);
  });

  it("the SMHI multi-alert wrapper is not CAP: a 422 that says so", async () => {
    const res = await postCap(ctx(), sample("sweden-smhi-1.xml"));
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = await json(res);
    expect(p).toMatchObject({ code: "validation_failed", root: "alerts", alerts: 17 });
    expect(p.detail).toContain("post each alert on its own");
  });

  it("the same message twice is a 409 naming the draft it became", async () => {
    const c = ctx();
    const first = await json(await postCap(c, sample("oasis-spec-2.xml").replace("KSTO1055887203", "KSTO-dup-1")));
    const again = await postCap(c, sample("oasis-spec-2.xml").replace("KSTO1055887203", "KSTO-dup-1"));
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: "conflict", warningId: first.warning.id });
  });

  it("an import waits while another import of the same message holds it, so a message delivered twice at once becomes one draft", async () => {
    const c = ctx();
    const xml = sample("oasis-spec-2.xml").replace("KSTO1055887203", "KSTO-race-1");
    let settled = false;
    let second: Promise<Response> | undefined;
    await c.tdb.db.transaction(async (tx) => {
      await lockMessage(tx, "KSTO@NWS.NOAA.GOV", "KSTO-race-1");
      second = postCap(c, xml);
      void second.then(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
    });
    expect((await second!).status).toBe(201);
    expect((await postCap(c, xml)).status).toBe(409);
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from warnings where source->>'identifier' = 'KSTO-race-1'`,
    );
    expect(n!.n).toBe(1);
  });
});
