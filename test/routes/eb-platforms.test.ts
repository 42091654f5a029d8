// Registering county broadcast platforms: admins only, within scope, validated against
// the area table, audited; listing and changing them.
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";

const ctx = useContext();
const base = {
  name: "松山区应急广播平台",
  areaCode: "150404000000",
  url: "http://127.0.0.1:9/eb",
  resourceCode: "150404000000000301",
};

describe("eb platforms", () => {
  let id = "";

  it("an admin registers a platform: defaults for villages, signer, dialect and heartbeat; audited", async () => {
    const c = ctx();
    const res = await c.request("POST", "/api/v1/eb-platforms", { json: base });
    expect(res.status).toBe(201);
    const p = await json(res);
    id = p.id;
    expect(p).toMatchObject({
      ...base,
      villages: null,
      signer: { kind: "none" },
      verifiesSignatures: false,
      heartbeatSeconds: 60,
      heartbeatMisses: 3,
      state: "unknown",
      active: true,
      options: {
        sendTimeElement: "SendTime",
        coverageElement: "CoverageRate",
        languageCodeForm: "alpha3b",
        relatedElement: "RelatedEBM",
        language: "zh",
      },
    });
    const [a] = await c.tdb.db.execute<{ actor: string }>(
      sql`select actor from audit_log where action = 'eb_platform.create' and subject_id = ${id}`,
    );
    expect(a!.actor).toBe(c.users.admin.id);
  });

  it("lists platforms in an area and changes one (options merge; villages null resets to the county)", async () => {
    const c = ctx();
    const list = await json(await c.request("GET", "/api/v1/eb-platforms?area=150404000000"));
    expect(list.items.map((p: any) => p.id)).toEqual([id]);
    const villages = (
      await c.tdb.db.execute<{ code: string }>(
        sql`select code from areas where kind = 'village' and code like '150404%' order by code limit 2`,
      )
    ).map((r) => r.code);
    const r = await c.request("PATCH", `/api/v1/eb-platforms/${id}`, {
      json: { villages, options: { sendTimeElement: "SentTime" }, heartbeatSeconds: 120 },
    });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({
      villages,
      heartbeatSeconds: 120,
      options: { sendTimeElement: "SentTime", coverageElement: "CoverageRate" },
    });
    expect(
      await json(await c.request("PATCH", `/api/v1/eb-platforms/${id}`, { json: { villages: null } })),
    ).toMatchObject({ villages: null });
  });

  it.each([
    ["a township instead of a county", { areaCode: "150404001000" }, 422, "areaCode"],
    ["a short EBRID", { resourceCode: "1504" }, 422, "resourceCode"],
    ["a village of another county", { villages: ["150402001001"] }, 422, "villages"],
    ["a certificate with signer none", { certificate: "CERT" }, 422, "certificate"],
    ["an unknown vendor option", { options: { sendTime: "x" } }, 422, "options"],
    ["a heartbeat under the job tick", { heartbeatSeconds: 10 }, 422, "heartbeatSeconds"],
  ])("refuses %s", async (_n, over, status, path) => {
    const res = await ctx().request("POST", "/api/v1/eb-platforms", {
      json: { ...base, resourceCode: "150404000000000399", ...over },
    });
    expect(res.status).toBe(status);
    expect((await json(res)).errors.map((e: { path: string }) => e.path.split(".")[0])).toContain(path);
  });

  it("refuses a duplicate EBRID (409), non-admins (403), an unknown id (404) and no key (401)", async () => {
    const c = ctx();
    expect((await c.request("POST", "/api/v1/eb-platforms", { json: base })).status).toBe(409);
    expect(
      (
        await c.request("POST", "/api/v1/eb-platforms", {
          key: c.users.issuer.key,
          json: { ...base, resourceCode: "150404000000000398" },
        })
      ).status,
    ).toBe(403);
    expect(
      (await c.request("PATCH", `/api/v1/eb-platforms/${id}`, { key: c.users.viewer.key, json: { active: false } }))
        .status,
    ).toBe(403);
    expect((await c.request("GET", "/api/v1/eb-platforms", { key: null })).status).toBe(401);
    expect(
      (
        await c.request("PATCH", "/api/v1/eb-platforms/00000000-0000-0000-0000-000000000000", {
          json: { active: false },
        })
      ).status,
    ).toBe(404);
  });
});
