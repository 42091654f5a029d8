import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, json, warningBody } from "../helpers/factories.js";
import { createAgency, createUser, HYDROLOGY } from "../helpers/accounts.js";

const ctx = useContext();

async function footprint(c: TestContext) {
  const [r] = await c.tdb.db.execute<
    Record<string, string>
  >(sql`select (select count(*) from agencies)::text as agencies,
    (select count(*) from audit_log)::text as audit,
    (select coalesce(max(updated_at)::text, '') from agencies) as touched`);
  return r;
}

const agencyBody = (over: Record<string, unknown> = {}) => {
  const code = `cf-${Math.random().toString(36).slice(2, 8)}`;
  return {
    code,
    name: "赤峰市水文水资源中心",
    senderId: `${code}.chifeng`,
    smsSignature: "【赤峰市水文局】",
    types: ["flood"],
    areaScope: "150400000000",
    ...over,
  };
};

describe("agencies", () => {
  it("an admin creates, lists and changes agencies; every change is audited", async () => {
    const c = ctx();
    const body = agencyBody();
    const res = await c.request("POST", "/api/v1/agencies", { json: body });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject(body);
    const list = await json(await c.request("GET", "/api/v1/agencies", { key: c.users.viewer.key }));
    expect(list.items.map((a: any) => a.code)).toContain(body.code);
    const p = await c.request("PATCH", `/api/v1/agencies/${body.code}`, {
      json: { types: ["flood", "drought"], name: "赤峰市水文局" },
    });
    expect(p.status).toBe(200);
    expect(await json(p)).toMatchObject({
      types: ["flood", "drought"],
      name: "赤峰市水文局",
      smsSignature: "【赤峰市水文局】",
    });
    const rows = await c.tdb.db.execute<{ action: string; before: any; after: any }>(
      sql`select action, before, after from audit_log
          where subject_type = 'agency' and subject_id = ${body.code} order by id`,
    );
    expect(rows.map((r) => r.action)).toEqual(["agency.create", "agency.update"]);
    expect(rows[1]).toMatchObject({ before: { types: ["flood"] }, after: { types: ["flood", "drought"] } });
    expect((await c.request("PATCH", "/api/v1/agencies/no-such", { json: { name: "某某" } })).status).toBe(404);
  });

  describe.each([
    ["a taken code", async (c: TestContext) => ({ code: (await createAgency(c)).code }), 409],
    ["a taken CAP sender id", async (c: TestContext) => ({ senderId: (await createAgency(c)).senderId }), 409],
    ["a signature without 【】", async () => ({ smsSignature: "赤峰市水文局" }), 422],
    ["an unknown warning type", async () => ({ types: ["tsunami"] }), 422],
    ["no types", async () => ({ types: [] }), 422],
    ["a scope that is not an area code", async () => ({ areaScope: "赤峰" }), 422],
    ["a scope that names no area", async () => ({ areaScope: "150499000000" }), 422],
    ["a CAP sender with a space", async () => ({ senderId: "cf sw" }), 422],
  ])("refuses %s", (_l, over, status) => {
    it(`with ${status} and nothing written`, async () => {
      const c = ctx();
      const body = agencyBody(await over(c));
      const before = await footprint(c);
      const res = await c.request("POST", "/api/v1/agencies", { json: body });
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await footprint(c)).toEqual(before);
    });
  });

  it("only admins, and only inside their scope, create or change agencies (403)", async () => {
    const c = ctx();
    const a = await createAgency(c);
    const hongshanAdmin = await createUser(c, { role: "admin", scope: "150402000000" });
    const before = await footprint(c);
    expect((await c.request("POST", "/api/v1/agencies", { key: c.users.issuer.key, json: agencyBody() })).status).toBe(
      403,
    );
    expect((await c.request("POST", "/api/v1/agencies", { key: hongshanAdmin.key, json: agencyBody() })).status).toBe(
      403,
    );
    expect(
      (await c.request("PATCH", `/api/v1/agencies/${a.code}`, { key: hongshanAdmin.key, json: { name: "某某局" } }))
        .status,
    ).toBe(403);
    expect(
      (await c.request("PATCH", `/api/v1/agencies/${a.code}`, { json: { areaScope: "150402000000", senderId: "x y" } }))
        .status,
    ).toBe(422);
    expect(await footprint(c)).toEqual(before);
    const ok = await c.request("POST", "/api/v1/agencies", {
      key: hongshanAdmin.key,
      json: agencyBody({ areaScope: "150402000000" }),
    });
    expect(ok.status).toBe(201);
  });
});

describe("warnings speak for their author's agency", () => {
  it("an issuer writes only its agency's types: 403 type_not_in_agency naming the allowed ones", async () => {
    const c = ctx();
    const sw = await createAgency(c, HYDROLOGY);
    const issuer = await createUser(c, { role: "issuer", agency: sw.code });
    const count = async () =>
      (await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from warnings`))[0]!.n;
    const before = await count();
    const res = await c.request("POST", "/api/v1/warnings", {
      key: issuer.key,
      json: warningBody(c, { type: "rainstorm" }),
    });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({
      code: "forbidden",
      rule: "type_not_in_agency",
      agency: sw.code,
      allowedTypes: ["flood", "drought"],
    });
    expect(await count()).toBe(before);
    const flood = await json(
      await c.request("POST", "/api/v1/warnings", {
        key: issuer.key,
        json: warningBody(c, { type: "flood", level: "orange" }),
      }),
    );
    const patch = await c.request("PATCH", `/api/v1/warnings/${flood.id}`, { key: issuer.key, json: { type: "gale" } });
    expect((await json(patch)).rule).toBe("type_not_in_agency");
    // Users without an agency issue as the deployment's default office, any type.
    expect((await c.request("POST", "/api/v1/warnings", { json: warningBody(c, { type: "rainstorm" }) })).status).toBe(
      201,
    );
  });

  it("sender, office, SMS signature, CAP and feed come from the agency; later changes spare issued ones", async () => {
    const c = ctx();
    const sw = await createAgency(c, HYDROLOGY);
    const issuer = await createUser(c, { role: "issuer", agency: sw.code });
    const w = await createIssued(c, { type: "flood", level: "orange", channels: ["sms"] }, issuer);
    expect(w).toMatchObject({
      sender: sw.senderId,
      senderName: "赤峰市水文水资源中心",
      agency: sw.code,
      headline: "赤峰市水文水资源中心发布洪水橙色预警",
    });
    const sms = async () => json(await c.request("GET", `/api/v1/warnings/${w.id}/preview?channel=sms&language=zh`));
    expect((await sms()).text).toMatch(/^【赤峰市水文局】赤峰市水文水资源中心发布洪水橙色预警/);
    const cap = await (await c.request("GET", `/api/v1/warnings/${w.id}/cap`)).text();
    expect(cap).toContain(`<sender>${sw.senderId}</sender>`);
    expect(cap).toContain("<senderName>赤峰市水文水资源中心</senderName>");
    const atom = await (await c.app.request("/feeds/cap.atom")).text();
    expect(atom).toContain(`urn:warncast:${sw.senderId}:`);
    expect(atom).toMatch(/<entry>[\s\S]*<author>\s*<name>赤峰市水文水资源中心<\/name>/);

    await c.request("PATCH", `/api/v1/agencies/${sw.code}`, { json: { smsSignature: "【赤峰水文】" } });
    expect((await sms()).text).toMatch(/^【赤峰市水文局】/);
    // An update of the thread keeps the thread's agency and its signature.
    const upd = await c.request("POST", `/api/v1/warnings/${w.id}/update`, {
      key: issuer.key,
      json: warningBody(c, { type: "flood", level: "red", channels: ["sms"] }),
    });
    expect(upd.status).toBe(201);
    const v2 = await json(upd);
    expect(v2).toMatchObject({ sender: sw.senderId, senderName: "赤峰市水文水资源中心" });
    const [row] = await c.tdb.db.execute<{ agency_code: string; sms_signature: string }>(
      sql`select agency_code, sms_signature from warnings where id = ${v2.id}`,
    );
    expect(row).toEqual({ agency_code: sw.code, sms_signature: "【赤峰市水文局】" });
    // A new warning takes the agency's new signature.
    const next = await json(
      await c.request("POST", "/api/v1/warnings/preview", {
        key: issuer.key,
        json: warningBody(c, { type: "flood", channels: ["sms"] }),
      }),
    );
    expect(next.items.find((i: any) => i.channel === "sms" && i.language === "zh").text).toMatch(
      /^【赤峰水文】赤峰市水文水资源中心/,
    );
  });
});
