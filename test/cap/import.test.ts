import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { formatCapTime } from "../../src/cap/time.js";
import { getCap, postCap, sample } from "./helpers.js";

const ctx = useContext();

let seq = 0;
/** An upstream CAP 1.2 message written with a `cap:` prefix, as CAP-AU and others do. */
function upstream(
  c: TestContext,
  o: {
    msgType?: string;
    status?: string;
    references?: string;
    severity?: string;
    code?: string;
    geocodes?: string[];
    description?: string;
    identifier?: string;
  } = {},
) {
  const identifier = o.identifier ?? `NMC-${++seq}-${Date.now()}`;
  const sent = formatCapTime(c.clock.now);
  const geo = (o.geocodes ?? ["150402000000"])
    .map((g) => `<cap:geocode><cap:valueName>CN-NBS-areaCode</cap:valueName><cap:value>${g}</cap:value></cap:geocode>`)
    .join("");
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
  <cap:identifier>${identifier}</cap:identifier><cap:sender>nmc.nmgqx</cap:sender><cap:sent>${sent}</cap:sent>
  <cap:status>${o.status ?? "Actual"}</cap:status><cap:msgType>${o.msgType ?? "Alert"}</cap:msgType><cap:scope>Public</cap:scope>
  ${o.references ? `<cap:references>${o.references}</cap:references>` : ""}
  <cap:info><cap:language>zh-CN</cap:language><cap:category>Met</cap:category><cap:event>暴雨</cap:event>
    <cap:urgency>Expected</cap:urgency><cap:severity>${o.severity ?? "Moderate"}</cap:severity><cap:certainty>Likely</cap:certainty>
    <cap:eventCode><cap:valueName>CN-eventType</cap:valueName><cap:value>${o.code ?? "11B03"}</cap:value></cap:eventCode>
    <cap:expires>${formatCapTime(new Date(c.clock.now.getTime() + 6 * 3600_000))}</cap:expires>
    <cap:headline>内蒙古气象台发布暴雨预警</cap:headline><cap:description>${o.description ?? "预计未来6小时有强降雨。"}</cap:description>
    <cap:area><cap:areaDesc>红山区</cap:areaDesc>${geo}</cap:area></cap:info>
</cap:alert>`;
  return { xml, identifier, ref: `nmc.nmgqx,${identifier},${sent}` };
}

async function imported(c: TestContext, xml: string, user = c.users.issuer, status = 201) {
  const res = await postCap(c, xml, { user });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

async function issue(c: TestContext, id: string) {
  await c.request("POST", `/api/v1/warnings/${id}/submit`, { key: c.users.issuer.key });
  return json(await c.request("POST", `/api/v1/warnings/${id}/approve`, { key: c.users.approver.key }));
}

const statusOf = async (c: TestContext, id: string) =>
  (await json(await c.request("GET", `/api/v1/warnings/${id}`))).status;

describe("the national format", () => {
  it("the Henan sample maps 11B06/Blue to gale/blue and reports the Henan area, the defaulted expiry and the reference", async () => {
    const c = ctx();
    const { warning, report } = await imported(c, sample("china-henan-cma-national-format-1.xml"));
    expect(warning).toMatchObject({
      type: "gale",
      level: "blue",
      status: "draft",
      headline: "河南省气象局发布大风蓝色预警[IV级/一般]",
      urgency: "Unknown",
    });
    expect(warning.description).toMatch(/^河南省气象台2020年02月05日10时45分继续发布大风蓝色预警/);
    expect(warning.expires).toBe("2020-02-06T02:57:42.000Z"); // 24 h after <effective>
    expect(report.mappedFrom).toMatchObject({
      format: "national",
      sender: "41000041600000",
      identifier: "41000041600000_20200205105119",
      sent: "2020-02-05T10:45:00+08:00",
      msgType: "Update",
    });
    expect(report.level).toEqual({ value: "blue", from: "severity Blue", defaulted: false });
    expect(report.unknownAreas).toEqual([
      { areaDesc: "河南省,河南省", valueName: "CN-NBS-areaCode", value: "410000000000" },
    ]);
    expect(report.unresolvedReferences).toEqual([
      { sender: "41000041600000", identifier: "41000041600000_20200204121842", sent: "" },
    ]);
    expect(report.defaulted[0]).toMatch(/^expires: /);
    const [row] = await c.tdb.db.execute<{ source: Record<string, any> }>(
      sql`select source from warnings where id = ${warning.id}`,
    );
    expect(row!.source).toMatchObject({ format: "national", senderName: "河南省气象局" });
    expect(Object.keys(row!.source.channelTexts).sort()).toEqual(["SMS", "SPEAKER", "WEB"]);
    expect(row!.source.channelTexts.SMS).toMatch(/^河南省气象台2020年02月05日10时45分/);
  });

  it("a national-format Alert for Chifeng becomes a complete draft that can be submitted", async () => {
    const c = ctx();
    const expires = formatCapTime(new Date(c.clock.now.getTime() + 12 * 3600_000)).replace("T", " ");
    const xml = sample("china-henan-cma-national-format-1.xml")
      .replace("41000041600000_20200205105119", "15040041600000_20240601000000")
      .replace("<msgType>Update</msgType>", "<msgType>Alert</msgType>")
      .replace(/<references>.*<\/references>/, "")
      .replace("<severity>Blue</severity>", "<severity>Orange</severity>")
      .replace("<expires/>", `<expires>${expires}</expires>`)
      .replace("410000000000,410000000000", "150402000000,150404000000");
    const { warning, report } = await imported(c, xml);
    expect(warning).toMatchObject({
      type: "gale",
      level: "orange",
      areas: { codes: ["150402000000", "150404000000"] },
    });
    expect(report).toMatchObject({ unknownAreas: [], issues: [], defaulted: [] });
    const s = await c.request("POST", `/api/v1/warnings/${warning.id}/submit`, { key: c.users.issuer.key });
    expect(s.status).toBe(200);
    expect((await json(s)).status).toBe("pending");
  });
});

describe("round trip", () => {
  it("our export imports back to the same type, level, areas, times and texts, and exports the same again", async () => {
    const c = ctx();
    const w = await createIssued(c, {
      type: "blizzard",
      level: "yellow",
      headline: "松山区暴雪黄色预警",
      instruction: "减少外出。",
      areas: {
        codes: ["150402000000", "150404000000"],
        polygons: [
          [
            [42.1, 118.9],
            [42.2, 119.05],
            [42.3, 118.8],
            [42.1, 118.9],
          ],
        ],
      },
      onset: new Date(c.clock.now.getTime() + 3600_000).toISOString(),
    });
    const first = await (await getCap(c, w.id)).text();
    const { warning: back, report } = await imported(c, first);
    expect(report).toMatchObject({ unknownAreas: [], unknownEventType: null, issues: [], ignored: [], defaulted: [] });
    const sameSecond = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    expect(back).toMatchObject({
      type: w.type,
      level: w.level,
      headline: w.headline,
      description: w.description,
      instruction: w.instruction,
      urgency: w.urgency,
      certainty: w.certainty,
      areas: w.areas,
    });
    expect(sameSecond(back.expires)).toBe(sameSecond(w.expires));
    expect(sameSecond(back.onset)).toBe(sameSecond(w.onset));
    const second = await (await getCap(c, back.id)).text();
    // Only the message's own identity (identifier, sent) differs; the info block is identical.
    const info = (x: string) => x.slice(x.indexOf("<info>"));
    expect(info(second)).toBe(info(first));
  });
});

describe("upstream Update and Cancel act on the warning they reference", () => {
  it("Alert → draft → issued; Update → new pending version; Cancel → issued all-clear; a second Cancel is a 409", async () => {
    const c = ctx();
    const alert = upstream(c);
    const draft = (await imported(c, alert.xml)).warning;
    expect(draft).toMatchObject({ type: "rainstorm", level: "yellow", areas: { codes: ["150402000000"] } });
    const v1 = await issue(c, draft.id);
    expect(v1.status).toBe("issued");

    const update = upstream(c, {
      msgType: "Update",
      references: alert.ref,
      severity: "Extreme",
      description: "降雨加强",
    });
    const up = await imported(c, update.xml);
    expect(up.report.action).toBe("update");
    expect(up.warning).toMatchObject({
      msgType: "Update",
      status: "pending",
      version: 2,
      supersedesId: v1.id,
      threadId: v1.threadId,
      level: "red",
      description: "降雨加强",
    });
    const v2 = await json(
      await c.request("POST", `/api/v1/warnings/${up.warning.id}/approve`, { key: c.users.approver.key }),
    );
    expect(v2.status).toBe("issued");
    expect(await statusOf(c, v1.id)).toBe("updated");

    const cancel = upstream(c, {
      msgType: "Cancel",
      references: `${alert.ref} ${update.ref}`,
      description: "降雨结束",
    });
    const cx = await imported(c, cancel.xml, c.users.approver);
    expect(cx.report.action).toBe("cancel");
    expect(cx.warning).toMatchObject({
      msgType: "Cancel",
      status: "issued",
      version: 3,
      supersedesId: v2.id,
      description: "降雨结束",
      urgency: "Past",
    });
    expect(await statusOf(c, v2.id)).toBe("cancelled");
    const audit = await c.tdb.db.execute<{ action: string }>(
      sql`select action from audit_log where subject_id = ${cx.warning.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(["warning.cancel", "warning.issue", "warning.import"]);
    const doc = await (await getCap(c, cx.warning.id)).text();
    expect(doc).toContain(
      `<references>${v1.sender},${v1.identifier},${formatCapTime(new Date(v1.issuedAt))} ${v2.sender},${v2.identifier},`,
    );

    const again = await postCap(c, upstream(c, { msgType: "Cancel", references: update.ref }).xml);
    expect(again.status).toBe(409);
  });

  it("a Cancel naming one of our own messages cancels it as POST /cancel does", async () => {
    const c = ctx();
    const w = await createIssued(c);
    const ref = `${w.sender},${w.identifier},${formatCapTime(new Date(w.issuedAt))}`;
    const { warning } = await imported(c, upstream(c, { msgType: "Cancel", references: ref }).xml);
    expect(warning).toMatchObject({
      msgType: "Cancel",
      status: "issued",
      supersedesId: w.id,
      headline: "赤峰市气象台解除暴雨橙色预警",
    });
    expect(await statusOf(c, w.id)).toBe("cancelled");
  });

  it("a Test message never touches a real warning, and an Update that breaks a rule is a 422 with the report", async () => {
    const c = ctx();
    const w = await createIssued(c);
    const ref = `${w.sender},${w.identifier},${formatCapTime(new Date(w.issuedAt))}`;
    const test = await postCap(c, upstream(c, { msgType: "Cancel", status: "Test", references: ref }).xml);
    expect(test.status).toBe(422);
    expect((await json(test)).detail).toMatch(/Test message cannot cancel/);
    const bad = await postCap(
      c,
      upstream(c, { msgType: "Update", references: ref, code: "11B22", severity: "Minor" }).xml,
    ); // 干旱 has no blue
    expect(bad.status).toBe(422);
    const p = await json(bad);
    expect(p.errors).toEqual([expect.objectContaining({ path: "level", code: "level_not_allowed" })]);
    expect(p.report.level).toMatchObject({ value: "blue" });
    expect(await statusOf(c, w.id)).toBe("issued");
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from warnings where thread_id = ${w.threadId}`,
    );
    expect(n!.n).toBe(1);
  });
});

describe("who may import", () => {
  it("no key 401; a viewer 403 before the body is read; an approver may import a Cancel but not an Alert", async () => {
    const c = ctx();
    expect((await postCap(c, upstream(c).xml, { key: null })).status).toBe(401);
    const viewer = await postCap(c, "<not xml", { user: c.users.viewer });
    expect(viewer.status).toBe(403);
    expect((await postCap(c, upstream(c).xml, { user: c.users.approver })).status).toBe(403);
  });

  it("a county key cannot import a warning for another county, nor cancel one", async () => {
    const c = ctx();
    const out = upstream(c, { geocodes: ["150404000000"] });
    const res = await postCap(c, out.xml, { user: c.users.hongshanIssuer });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ outOfScope: ["150404000000"] });
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from warnings where source->>'identifier' = ${out.identifier}`,
    );
    expect(n!.n).toBe(0);

    const songshan = await createIssued(c, { areas: { codes: ["150404000000"] } }, c.users.songshanIssuer);
    const ref = `${songshan.sender},${songshan.identifier},${formatCapTime(new Date(songshan.issuedAt))}`;
    const cancel = await postCap(c, upstream(c, { msgType: "Cancel", references: ref }).xml, {
      user: c.users.hongshanIssuer,
    });
    expect(cancel.status).toBe(403);
    expect(await statusOf(c, songshan.id)).toBe("issued");
    expect((await postCap(c, upstream(c).xml, { user: c.users.hongshanIssuer })).status).toBe(201);
  });

  it.each([
    ["text/plain", 415],
    ["application/json", 415],
    ["text/xml", 201],
    ["application/xml; charset=utf-8", 201],
  ])("content type %s → %i", async (type, status) => {
    const c = ctx();
    expect((await postCap(c, upstream(c).xml, { type })).status).toBe(status);
  });
});
