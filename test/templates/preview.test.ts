import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { createDraft, json, warningBody } from "../helpers/factories.js";

const ctx = useContext();

describe("GET /api/v1/warnings/{id}/preview", () => {
  it("shows one channel's text in one language with the SMS segment count and budget", async () => {
    const w = await createDraft(ctx(), {
      channels: ["sms", "email"],
      areas: { codes: ["150402000000", "150404000000"] },
    });
    const res = await ctx().request("GET", `/api/v1/warnings/${w.id}/preview?channel=sms&language=zh`, {
      key: ctx().users.viewer.key,
    });
    expect(res.status).toBe(200);
    const item = await json(res);
    expect(item).toMatchObject({
      channel: "sms",
      language: "zh",
      requestedLanguage: "zh",
      template: "templates/zh/sms.txt",
      maxSegments: 2,
      withinBudget: true,
      encoding: "UCS-2",
    });
    expect(item.text).toBe(
      `【赤峰市气象局】赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]：红山区、松山区，预计未来6小时红山区将出现50毫米以上降雨。注意防范城乡积涝和山洪。`,
    );
    expect(item.segments).toBe(Math.ceil(item.text.length / 67));
  });

  it("without a channel lists every channel × language; mn falls back to zh and says so", async () => {
    const w = await createDraft(ctx(), { channels: ["sms", "display", "email"] });
    const { items } = await json(await ctx().request("GET", `/api/v1/warnings/${w.id}/preview`));
    expect(items.map((i: any) => `${i.channel}/${i.requestedLanguage}→${i.language}`)).toEqual([
      "sms/zh→zh",
      "sms/mn→zh",
      "sms/en→en",
      "display/zh→zh",
      "display/mn→zh",
      "display/en→en",
      "email/zh→zh",
      "email/mn→zh",
      "email/en→en",
    ]);
    const email = items.find((i: any) => i.channel === "email" && i.language === "zh");
    expect(email.subject).toBe("赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]");
    expect(email.html).toContain("<h1");
  });

  it("an SMS over budget even when shortened is a 422 at preview and at submit, and the draft stays a draft", async () => {
    const w = await createDraft(ctx(), { channels: ["sms"], instruction: "请".repeat(150) });
    const res = await ctx().request("GET", `/api/v1/warnings/${w.id}/preview?channel=sms&language=zh`);
    expect(res.status).toBe(422);
    const p = await json(res);
    expect(p).toMatchObject({
      code: "validation_failed",
      channel: "sms",
      segments: 3,
      maxSegments: 2,
      errors: [{ path: "instruction", code: "sms_over_budget" }],
    });
    const sub = await ctx().request("POST", `/api/v1/warnings/${w.id}/submit`, { key: ctx().users.issuer.key });
    expect(sub.status).toBe(422);
    expect((await json(sub)).errors[0].code).toBe("sms_over_budget");
    expect((await json(await ctx().request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("draft");
    // Without SMS the same text is fine.
    const noSms = await createDraft(ctx(), { channels: ["display"], instruction: "请".repeat(150) });
    expect(
      (await ctx().request("POST", `/api/v1/warnings/${noSms.id}/submit`, { key: ctx().users.issuer.key })).status,
    ).toBe(200);
  });

  it("checks scope, ids and the query", async () => {
    const w = await createDraft(ctx(), { areas: { codes: ["150404000000"] } }); // 松山区
    expect(
      (await ctx().request("GET", `/api/v1/warnings/${w.id}/preview`, { key: ctx().users.hongshanIssuer.key })).status,
    ).toBe(403);
    expect((await ctx().request("GET", `/api/v1/warnings/${w.id}/preview`, { key: null })).status).toBe(401);
    expect((await ctx().request("GET", `/api/v1/warnings/00000000-0000-4000-8000-000000000000/preview`)).status).toBe(
      404,
    );
    const bad = await ctx().request("GET", `/api/v1/warnings/${w.id}/preview?channel=fax`);
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors[0].path).toBe("query.channel");
  });
});

describe("POST /api/v1/warnings/preview", () => {
  it("renders an unsaved body and stores nothing", async () => {
    const before = (await json(await ctx().request("GET", "/api/v1/warnings"))).items.length;
    const res = await ctx().request("POST", "/api/v1/warnings/preview", {
      key: ctx().users.issuer.key,
      json: warningBody(ctx(), { level: "red", channels: ["sms", "loudspeaker"] }),
    });
    expect(res.status).toBe(200);
    const { items } = await json(res);
    expect(items).toHaveLength(6);
    expect(items[0].text).toContain("赤峰市气象台发布暴雨红色预警[Ⅰ级/特别严重]");
    expect(items.find((i: any) => i.channel === "loudspeaker" && i.language === "zh").text).toMatch(/^紧急通知！/);
    expect((await json(await ctx().request("GET", "/api/v1/warnings"))).items.length).toBe(before);
  });

  it("answers an invalid body with the same field errors as create", async () => {
    const res = await ctx().request("POST", "/api/v1/warnings/preview", {
      key: ctx().users.issuer.key,
      json: warningBody(ctx(), { type: "hail", level: "blue" }),
    });
    expect(res.status).toBe(422);
    expect((await json(res)).errors.map((e: any) => e.path)).toContain("level");
    expect(
      (
        await ctx().request("POST", "/api/v1/warnings/preview", {
          key: ctx().users.viewer.key,
          json: warningBody(ctx()),
        })
      ).status,
    ).toBe(403);
  });
});
