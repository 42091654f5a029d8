import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { createDraft, createIssued, json, warningBody } from "../helpers/factories.js";
import { parseMessage } from "../../src/cap/parse.js";
import { formatCapTime } from "../../src/cap/time.js";
import { getCap, validateCap } from "./helpers.js";

const ctx = useContext();

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/;

async function exported(id: string) {
  const res = await getCap(ctx(), id);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/cap+xml");
  const xml = await res.text();
  const verdict = validateCap(xml);
  expect(verdict.output).not.toContain("fails to validate");
  expect(verdict.valid).toBe(true);
  return { xml, msg: parseMessage(xml) };
}

describe("GET /api/v1/warnings/{id}/cap", () => {
  it.each([
    ["red", "Extreme", "红色"],
    ["orange", "Severe", "橙色"],
    ["yellow", "Moderate", "黄色"],
    ["blue", "Minor", "蓝色"],
  ])(
    "a %s warning is valid CAP 1.2 with severity %s and the national colour and code kept",
    async (level, severity, colour) => {
      const c = ctx();
      const w = await createIssued(c, {
        level,
        areas: {
          codes: ["150402000000", "150404000000"],
          polygons: [
            [
              [42.1, 118.9],
              [42.2, 119.0],
              [42.3, 118.8],
              [42.1, 118.9],
            ],
          ],
        },
      });
      const { xml, msg } = await exported(w.id);
      const a = msg.alert;
      expect(a).toMatchObject({
        identifier: w.identifier,
        sender: "warncast.chifeng",
        status: "Actual",
        msgType: "Alert",
        scope: "Public",
        references: [],
      });
      expect(a.sent.toISOString()).toBe(new Date(Math.floor(Date.parse(w.issuedAt) / 1000) * 1000).toISOString());
      expect(a.infos).toHaveLength(1);
      const info = a.infos[0]!;
      expect(info).toMatchObject({
        language: "zh-CN",
        categories: ["Met"],
        event: "暴雨",
        severity,
        headline: w.headline,
        description: w.description,
        instruction: w.instruction,
      });
      expect(info.eventCodes).toEqual([
        { valueName: "warncast:type", value: "rainstorm" },
        { valueName: "CN-eventType", value: "11B03" },
      ]);
      expect(info.parameters).toEqual([
        { valueName: "warncast:level", value: level },
        { valueName: "CN-alertColor", value: colour },
      ]);
      expect(info.areas).toEqual([
        {
          areaDesc: "红山区、松山区",
          polygons: ["42.1,118.9 42.2,119 42.3,118.8 42.1,118.9"],
          circles: [],
          geocodes: [
            { valueName: "CN-NBS-areaCode", value: "150402000000" },
            { valueName: "CN-NBS-areaCode", value: "150404000000" },
          ],
        },
      ]);
      // Every time carries +08:00 and whole seconds; no UTC `Z` anywhere.
      const times = [...xml.matchAll(/<(sent|onset|expires|effective)>([^<]+)</g)].map((m) => m[2]!);
      expect(times.length).toBeGreaterThanOrEqual(2);
      for (const t of times) expect(t).toMatch(TIME);
      expect(xml).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">/,
      );
      expect(a.identifier).toMatch(/^[^\s,<&]+$/);
    },
  );

  it("Update and Cancel reference every earlier issued version, never themselves or a later one", async () => {
    const c = ctx();
    const v1 = await createIssued(c);
    const up = await c.request("POST", `/api/v1/warnings/${v1.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c, { level: "red", description: "降雨加强" }),
    });
    const v2pending = await json(up);
    // Awaiting approval: it was never sent, so `sent` is when it was written.
    const pending = await exported(v2pending.id);
    expect(pending.msg.alert.msgType).toBe("Update");
    expect(pending.msg.alert.sent.getTime()).toBe(Math.floor(Date.parse(v2pending.createdAt) / 1000) * 1000);
    expect(pending.msg.alert.references).toEqual([
      { sender: v1.sender, identifier: v1.identifier, sent: formatCapTime(new Date(v1.issuedAt)) },
    ]);

    const v2 = await json(
      await c.request("POST", `/api/v1/warnings/${v2pending.id}/approve`, { key: c.users.approver.key }),
    );
    expect(v2.status).toBe("issued");
    const v3 = await json(
      await c.request("POST", `/api/v1/warnings/${v2.id}/cancel`, {
        key: c.users.issuer.key,
        json: { reason: "降雨已减弱" },
      }),
    );
    const cancel = await exported(v3.id);
    expect(cancel.msg.alert.msgType).toBe("Cancel");
    expect(cancel.msg.alert.references.map((r) => r.identifier)).toEqual([v1.identifier, v2.identifier]);
    expect(cancel.msg.alert.references.map((r) => r.sent)).toEqual([
      formatCapTime(new Date(v1.issuedAt)),
      formatCapTime(new Date(v2.issuedAt)),
    ]);
    expect(cancel.msg.alert.infos[0]).toMatchObject({
      urgency: "Past",
      severity: "Extreme",
      description: "降雨已减弱",
    });

    // The superseded versions keep their own documents, which reference only what came before them.
    const first = await exported(v1.id);
    expect(first.msg.alert).toMatchObject({ msgType: "Alert", references: [] });
    const second = await exported(v2.id);
    expect(second.msg.alert.references.map((r) => r.identifier)).toEqual([v1.identifier]);
  });

  it("a draft exports with sent = createdAt; a type without a national code has no CN-eventType", async () => {
    const c = ctx();
    const d = await createDraft(c, { type: "hazmat", level: "yellow", instruction: undefined });
    const { msg } = await exported(d.id);
    expect(msg.alert.sent.getTime()).toBe(Math.floor(Date.parse(d.createdAt) / 1000) * 1000);
    expect(msg.alert.infos[0]).toMatchObject({ categories: ["CBRNE"], event: "危险化学品事故", severity: "Moderate" });
    expect(msg.alert.infos[0]!.eventCodes).toEqual([{ valueName: "warncast:type", value: "hazmat" }]);
  });

  it("free text with markup characters and control characters stays valid and reads back unchanged", async () => {
    const c = ctx();
    const text = `水位 < 警戒 & 上涨 > 5cm，"注意" 'safety' ]]> <!-- x --> \u0007铃`;
    const w = await createIssued(c, { description: text, headline: "A&B <预警>" });
    const { xml, msg } = await exported(w.id);
    expect(xml).not.toContain("\u0007");
    expect(msg.alert.infos[0]).toMatchObject({ headline: "A&B <预警>", description: text.replace("\u0007", "") });
  });

  it("same auth and scope as reading the warning: viewer yes, no key 401, another county 403, unknown id 404", async () => {
    const c = ctx();
    const w = await createIssued(c, { areas: { codes: ["150404000000"] } }, c.users.songshanIssuer);
    expect((await getCap(c, w.id, c.users.viewer.key)).status).toBe(200);
    expect((await getCap(c, w.id, null)).status).toBe(401);
    const other = await getCap(c, w.id, c.users.hongshanIssuer.key);
    expect(other.status).toBe(403);
    expect(await json(other)).toMatchObject({ code: "forbidden", outOfScope: ["150404000000"] });
    expect((await getCap(c, crypto.randomUUID())).status).toBe(404);
    expect((await getCap(c, "not-a-uuid")).status).toBe(404);
  });
});
