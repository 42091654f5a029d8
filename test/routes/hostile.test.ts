// Hostile input against every mounted operation: each request is refused with a precise
// 4xx problem, never a 5xx, and writes nothing. The corpus is built from the operations
// themselves (path, query schema, body schema), so a new route inherits it once it adds a
// valid sample below.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import { z } from "zod";
import { allOperations } from "../../src/app.js";
import type { Operation } from "../../src/routes/operation.js";
import { encodeCursor } from "../../src/routes/pagination.js";
import { useContext, type TestContext } from "../helpers/context.js";
import { ConsoleClient } from "../console/browser.js";
import { createDraft, createIssued, json, warningBody } from "../helpers/factories.js";
import {
  HOSTILE_IDS,
  NUL,
  UNSTORABLE_TIMES,
  expectProblem,
  failures,
  hostileLeafValues,
  leaves,
  replaceAt,
  schemaAt,
  type Failures,
  type ProblemCheck,
} from "../helpers/hostile.js";

const ctx = useContext();
const f = failures();
const V1 = "150402001001"; // a village in 红山区
const TOKEN = "hostile-test-auth-token";
const PUBLIC = "https://warncast.example";

interface Sample {
  /** Valid values for the path parameters. */
  params?: Record<string, string>;
  /** A valid query. */
  query?: Record<string, string>;
  /** A valid JSON body (operations with `body`). */
  json?: unknown;
}

let fx: {
  draft: string;
  pending: string;
  issued: string;
  delivery: string;
  device: string;
  platform: string;
  agency: string;
  user: string;
  key: string;
};

function samples(c: TestContext): Record<string, Sample> {
  const full = warningBody(c, {
    headline: "红山区暴雨橙色预警",
    areas: {
      codes: ["150402000000"],
      polygons: [
        [
          [42.2, 118.9],
          [42.3, 118.9],
          [42.3, 119.0],
          [42.2, 118.9],
        ],
      ],
    },
    audiences: ["public", "info_officer"],
    channels: ["sms", "loudspeaker"],
    onset: new Date(c.clock.now.getTime() + 3600_000).toISOString(),
    urgency: "Expected",
    certainty: "Likely",
    note: "hostile sample",
  });
  const byId = (id: string) => ({ params: { id } });
  const person = { name: "张三", phone: "13800476001", email: "a@example.cn", areaCode: V1 };
  const span = { from: "2024-01-01T00:00:00+08:00", to: "2030-01-01T00:00:00Z" };
  return {
    "GET /health": {},
    "GET /api/v1/areas": { query: { parent: "150402000000", limit: "10" } },
    "GET /api/v1/areas/search": { query: { q: "红山", limit: "5" } },
    "GET /api/v1/areas/:code": { params: { code: V1 } },
    "POST /api/v1/recipients": { json: { ...person, audiences: ["info_officer"], language: "zh", role: "primary" } },
    "POST /api/v1/recipients/import": { query: { partial: "false" } },
    "GET /api/v1/recipients": { query: { area: V1, audience: "public", limit: "5" } },
    "POST /api/v1/devices": {
      json: { kind: "loudspeaker", areaCode: V1, name: "村委会喇叭", reach: 300, languages: ["zh"] },
    },
    "GET /api/v1/devices": { query: { area: V1, kind: "loudspeaker", limit: "5" } },
    "POST /api/v1/devices/:id/revoke": byId(fx.device),
    "POST /api/v1/warnings": { json: full },
    "GET /api/v1/warnings": {
      query: { status: "draft", type: "rainstorm", level: "orange", area: "150402000000", ...span, limit: "5" },
    },
    "GET /api/v1/warnings/:id": byId(fx.draft),
    "PATCH /api/v1/warnings/:id": { ...byId(fx.draft), json: full },
    "POST /api/v1/warnings/:id/submit": byId(fx.draft),
    "POST /api/v1/warnings/:id/approve": byId(fx.pending),
    "POST /api/v1/warnings/:id/reject": { ...byId(fx.pending), json: { reason: "请补充影响范围" } },
    "POST /api/v1/warnings/:id/update": { ...byId(fx.issued), json: full },
    "POST /api/v1/warnings/:id/cancel": { ...byId(fx.issued), json: { reason: "误报，解除" } },
    "GET /api/v1/warnings/:id/deliveries": {
      ...byId(fx.issued),
      query: { channel: "sms", status: "queued", purpose: "warning", area: V1, limit: "5" },
    },
    "GET /api/v1/warnings/:id/coverage": { ...byId(fx.issued), query: { by: "county" } },
    "GET /api/v1/warnings/:id/coverage.csv": { ...byId(fx.issued), query: { by: "township" } },
    "GET /api/v1/warnings/:id/silent-villages": byId(fx.issued),
    "GET /api/v1/warnings/:id/escalations": { ...byId(fx.issued), query: { limit: "5" } },
    "GET /api/v1/warnings/:id/reach": byId(fx.issued),
    "GET /api/v1/warnings/:id/failures": byId(fx.issued),
    "GET /api/v1/warnings/:id/preview": { ...byId(fx.draft), query: { channel: "sms", language: "zh" } },
    "POST /api/v1/warnings/preview": { json: full },
    "GET /api/v1/coverage/summary": { query: span },
    "POST /api/v1/deliveries/:id/ack": { params: { id: fx.delivery }, json: { note: "电话确认" } },
    "GET /api/v1/warnings/:id/cap": byId(fx.issued),
    // Raw bodies (XML, CSV, forms) have their own corpora: test/cap/hostile.test.ts and below.
    "POST /api/v1/cap": {},
    "GET /feeds/cap.atom": {},
    "GET /feeds/cap/:file": { params: { file: `${fx.issued}.xml` } },
    "POST /webhooks/twilio/status": {},
    "POST /webhooks/twilio/inbound": {},
    "POST /api/v1/eb-platforms": { json: { ...platform, resourceCode: "150402000000000302" } },
    "GET /api/v1/eb-platforms": { query: { area: "150402000000", limit: "5" } },
    "PATCH /api/v1/eb-platforms/:id": {
      ...byId(fx.platform),
      json: { name: "红山区应急广播平台", heartbeatSeconds: 120 },
    },
    // EBD tar packages have their own corpus: test/routes/eb-access.test.ts.
    "POST /eb/access": {},
    "GET /api/v1/agencies": { query: { limit: "5" } },
    "POST /api/v1/agencies": { json: { ...agency, code: "hs-dz", senderId: "hs.dz.sender" } },
    "PATCH /api/v1/agencies/:code": { params: { code: fx.agency }, json: { name: "红山区水务局" } },
    "GET /api/v1/me": {},
    "GET /api/v1/users": { query: { agency: fx.agency, limit: "5" } },
    "POST /api/v1/users": {
      json: { username: "hs-qx-2", name: "值班员乙", role: "issuer", areaScope: "150402000000", agency: fx.agency },
    },
    "GET /api/v1/users/:id": byId(fx.user),
    "PATCH /api/v1/users/:id": { ...byId(fx.user), json: { name: "值班员甲", active: true } },
    "POST /api/v1/users/:id/keys": { ...byId(fx.user), json: { label: "脚本" } },
    "DELETE /api/v1/users/:id/keys/:keyId": { params: { id: fx.user, keyId: fx.key } },
    "GET /api/v1/audit": { query: { user: fx.user, action: "user.*", ...span, limit: "5" } },
  };
}

const platform = { name: "红山区平台", areaCode: "150402000000", url: "http://127.0.0.1:9/eb" };
const agency = {
  name: "红山区水务局",
  senderId: "hs.sw",
  smsSignature: "【红山区水务局】",
  types: ["flood"],
  areaScope: "150402000000",
};

const opKey = (op: Operation) => `${op.method.toUpperCase()} ${op.path}`;
const pathOf = (op: Operation, params: Record<string, string>) =>
  op.path.replace(/:(\w+)/g, (_, p: string) => params[p] ?? "x");
const jsonSchema = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Parameters<typeof schemaAt>[0];
const asJson = (s: Sample) => (s.json !== undefined ? { body: JSON.stringify(s.json), type: "application/json" } : {});

interface Send {
  body?: string | Uint8Array;
  type?: string;
}

function send(c: TestContext, method: string, path: string, o: Send = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${c.users.admin.key}` };
  if (o.type) headers["content-type"] = o.type;
  const init = { method: method.toUpperCase(), headers, ...(o.body !== undefined ? { body: o.body } : {}) };
  return Promise.resolve(c.app.request(path, init));
}

/** Rows per table (every table, so a new one is watched too). */
async function rowCounts(c: TestContext): Promise<Record<string, number>> {
  const tables = await c.tdb.db.execute<{ t: string }>(
    sql`select tablename as t from pg_tables where schemaname = 'public' order by 1`,
  );
  const out: Record<string, number> = {};
  for (const { t } of tables) {
    const [r] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(t)}`);
    out[t] = r!.n;
  }
  return out;
}

function assertNoFailures(x: Failures) {
  const list = x.list.splice(0);
  expect(list, `${list.length} hostile request(s) were not refused with a 4xx problem`).toEqual([]);
}

beforeAll(async () => {
  const c = ctx();
  c.services.log = f.log;
  c.services.config.twilioAuthToken = TOKEN;
  c.services.config.publicUrl = PUBLIC;
  const person = { name: "李四", phone: "13900476001", areaCode: V1, audiences: ["public"] };
  expect((await c.request("POST", "/api/v1/recipients", { json: person })).status).toBe(201);
  const loudspeaker = { kind: "loudspeaker", areaCode: V1, name: "喇叭" };
  const device = await c.request("POST", "/api/v1/devices", { json: loudspeaker });
  expect(device.status).toBe(201);
  const draft = await createDraft(c);
  const pending = await createDraft(c);
  const submitted = await c.request("POST", `/api/v1/warnings/${pending.id}/submit`, { key: c.users.issuer.key });
  expect(submitted.status).toBe(200);
  const issued = await createIssued(c, { channels: ["sms", "loudspeaker"] });
  const [d] = await c.tdb.db.execute<{ id: string }>(
    sql`select id::text from deliveries where warning_id = ${issued.id} limit 1`,
  );
  expect(d).toBeDefined();
  const platformRes = await c.request("POST", "/api/v1/eb-platforms", {
    json: { ...platform, resourceCode: "150402000000000301" },
  });
  expect(platformRes.status).toBe(201);
  const agencyRes = await c.request("POST", "/api/v1/agencies", { json: { ...agency, code: "hs-sw" } });
  expect(agencyRes.status).toBe(201);
  const userRes = await c.request("POST", "/api/v1/users", {
    json: { username: "hs-qx-1", name: "值班员", role: "issuer", areaScope: "150402000000", agency: "hs-sw" },
  });
  expect(userRes.status).toBe(201);
  const user = (await json(userRes)).id as string;
  const keyRes = await c.request("POST", `/api/v1/users/${user}/keys`, { json: { label: "hostile" } });
  expect(keyRes.status).toBe(201);
  fx = {
    draft: draft.id,
    pending: pending.id,
    issued: issued.id,
    delivery: d!.id,
    device: (await json(device)).id,
    platform: (await json(platformRes)).id,
    agency: "hs-sw",
    user,
    key: (await json(keyRes)).id,
  };
});

describe("every mounted operation refuses hostile input with a 4xx problem", () => {
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await rowCounts(ctx());
  });

  it("has a valid sample for every operation, so none escapes the corpus", () => {
    const known = samples(ctx());
    const missing = allOperations()
      .map(opKey)
      .filter((k) => !(k in known));
    expect(missing, "add a valid sample for each new operation").toEqual([]);
  });

  it("path parameters: NUL, broken percent-encoding, ids of the wrong shape", async () => {
    const c = ctx();
    const all = samples(c);
    for (const op of allOperations()) {
      const s = all[opKey(op)]!;
      for (const [, name] of op.path.matchAll(/:(\w+)/g)) {
        for (const bad of HOSTILE_IDS) {
          const res = await send(c, op.method, pathOf(op, { ...s.params, [name!]: bad }), asJson(s));
          const want = bad.includes("%00") ? { status: 422, field: `path.${name}` } : {};
          await expectProblem(f, `${opKey(op)} :${name}=${bad.slice(0, 40)}`, res, want);
        }
      }
    }
    assertNoFailures(f);
  });

  it("query strings: NUL in every parameter and name, repeated parameters, values of the wrong type", async () => {
    const c = ctx();
    const all = samples(c);
    for (const op of allOperations()) {
      const s = all[opKey(op)]!;
      const base = pathOf(op, s.params ?? {});
      const valid = new URLSearchParams(s.query ?? {});
      const url = (p: URLSearchParams) => `${base}?${p.toString()}`;
      const probe = async (label: string, u: string, want: ProblemCheck = {}) =>
        expectProblem(f, `${opKey(op)} ${label}`, await send(c, op.method, u, asJson(s)), want);

      await probe("NUL in an unknown parameter", `${url(valid)}&x=%00`, { status: 422, field: "query.x" });
      await probe("NUL in a parameter name", `${url(valid)}&a%00b=1`, { status: 422, field: `query.a${NUL}b` });
      if (!op.query) continue;
      const shape = jsonSchema(op.query);
      for (const key of Object.keys(shape?.properties ?? {})) {
        const named = { status: 422, field: `query.${key}` };
        const withValue = (v: string) => {
          const p = new URLSearchParams(valid);
          p.set(key, v);
          return url(p);
        };
        for (const v of [NUL, `a${NUL}`, `${valid.get(key) ?? "1"}${NUL}`]) {
          await probe(`NUL in ${key}`, withValue(v), named);
        }
        const twice = new URLSearchParams(valid);
        twice.append(key, valid.get(key) ?? "x");
        twice.append(key, valid.get(key) ?? "x");
        await probe(`${key} given twice`, url(twice), named);
        await probe(`${key} of 5,000 characters`, withValue("x".repeat(5000)));
        const ks = schemaAt(shape, [key]);
        if (ks?.enum) await probe(`${key} not in its enum`, withValue("not_a_value"), named);
        if (ks?.type === "number" || ks?.type === "integer") {
          for (const v of ["1e400", "-1", "99999999999999999999", "abc", "1.5"]) {
            await probe(`${key}=${v}`, withValue(v), named);
          }
        }
        if (ks?.format === "date-time") {
          for (const t of UNSTORABLE_TIMES) await probe(`${key}=${t}`, withValue(t), named);
        }
        if (key === "cursor") {
          const forged = [`a${NUL}`, 2 ** 63, 1e300, ...UNSTORABLE_TIMES.map((t) => ({ t, id: fx.draft }))];
          for (const v of ["bm90IGpzb24", ...forged.map(encodeCursor)]) {
            await probe(`cursor ${v.slice(0, 30)}`, withValue(v));
          }
        }
      }
    }
    assertNoFailures(f);
  });

  it("JSON bodies: each leaf NUL, a lone surrogate, a wrong type, too long, an unknown enum or time", async () => {
    const c = ctx();
    const all = samples(c);
    for (const op of allOperations().filter((o) => o.body)) {
      const s = all[opKey(op)]!;
      const path = pathOf(op, s.params ?? {});
      const probe = async (label: string, body: string, want: ProblemCheck = {}) => {
        const res = await send(c, op.method, path, { body, type: "application/json" });
        return expectProblem(f, `${opKey(op)} ${label}`, res, want);
      };
      const shape = jsonSchema(op.body!);
      for (const [at, value] of leaves(s.json)) {
        for (const v of hostileLeafValues(value, schemaAt(shape, at))) {
          const body = JSON.stringify(replaceAt(s.json, at, v.value));
          await probe(`${at.join(".")} as ${v.what}`, body, v.named ? { status: 422, field: at.join(".") } : {});
        }
      }
      const fields = s.json as object;
      await probe("NUL in a key", JSON.stringify({ ...fields, [`x${NUL}`]: 1 }), { status: 422, field: `x${NUL}` });
      await probe("an unknown key", JSON.stringify({ ...fields, zzz: 1 }), { status: 422 });
      await probe("__proto__", `{"__proto__":{"role":"admin"},${JSON.stringify(s.json).slice(1)}`, { status: 422 });
      for (const whole of ["null", "[]", '"text"', "0", "true", JSON.stringify([s.json])]) {
        await probe(`body ${whole.slice(0, 20)}`, whole, { status: 422 });
      }
      const malformed = [
        "",
        "{",
        '{"a":',
        "nul",
        "[1,]",
        "{'a':1}",
        '{"a":1}{"b":2}',
        `${JSON.stringify(s.json)}x`,
        `{"description":"a${NUL}b"}`,
        '{"a":"\\u00"}',
      ];
      for (const m of malformed) await probe(`malformed ${JSON.stringify(m.slice(0, 12))}`, m, { status: 400 });
      await probe("nested 100,000 deep", "[".repeat(100_000) + "]".repeat(100_000), { status: 422 });
      const body = JSON.stringify(s.json);
      const types = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"];
      for (const type of [...types, "application/xml", "application/jsonx"]) {
        const res = await send(c, op.method, path, { body, type });
        await expectProblem(f, `${opKey(op)} as ${type}`, res, { status: 415 });
      }
      const bare = await send(c, op.method, path, { body: new TextEncoder().encode(body) });
      await expectProblem(f, `${opKey(op)} without a content type`, bare, { status: 415 });
      await probe("huge body", JSON.stringify({ ...fields, description: "x".repeat(c.services.config.maxJsonBytes) }), {
        status: 413,
      });
    }
    assertNoFailures(f);
  });

  it("wrote nothing", async () => {
    expect(await rowCounts(ctx())).toEqual(before);
  });
});

describe("recipients CSV import", () => {
  const COLUMNS = ["name", "phone", "email", "area_code", "audiences", "language", "role"] as const;
  const HEADER = COLUMNS.join(",");
  const ROW = { name: "王五", phone: "13900476009", email: "w@example.cn", area_code: V1, audiences: "info_officer" };
  const row = (o: Partial<Record<(typeof COLUMNS)[number], string>> = {}) =>
    COLUMNS.map((k) => ({ ...ROW, language: "zh", role: "primary", ...o })[k]).join(",");
  const post = (c: TestContext, body: string, type = "text/csv", query = "") =>
    send(c, "POST", `/api/v1/recipients/import${query}`, { body, type });

  it("refuses NUL in any cell with a row error naming its line and field, and writes nothing", async () => {
    const c = ctx();
    const before = await rowCounts(c);
    for (const field of COLUMNS) {
      for (const v of [NUL, `a${NUL}`, `"x${NUL}y"`]) {
        const body = [HEADER, row({ phone: "13900476010" }), row({ [field]: v })].join("\n");
        const label = `CSV ${field}=${JSON.stringify(v)}`;
        const p = await expectProblem(f, label, await post(c, body), { status: 422, field: `line 3.${field}` });
        const rowErrors: { line: number }[] = p?.rowErrors ?? [];
        if (p && !rowErrors.some((e) => e.line === 3)) f.list.push(`${label}: no row error`);
      }
    }
    const lines = (...l: string[]) => l.join("\n");
    const nulHeader = lines(`name,area_code,x${NUL}`, row());
    await expectProblem(f, "CSV NUL in the header", await post(c, nulHeader), { status: 422 });
    await expectProblem(f, "CSV as JSON", await post(c, lines(HEADER, row()), "application/json"), { status: 415 });
    const huge = lines(HEADER, row().padEnd(c.services.config.maxCsvBytes, "x"));
    await expectProblem(f, "CSV over the limit", await post(c, huge), { status: 413 });
    expect(await rowCounts(c)).toEqual(before);
    assertNoFailures(f);
  });

  it("with partial=true reports a NUL row with its line and field and stores no recipient", async () => {
    const c = ctx();
    const count = async () =>
      (await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from recipients`))[0]!.n;
    const before = await count();
    for (const field of ["name", "phone", "area_code", "role"] as const) {
      const res = await post(c, [HEADER, row({ [field]: `a${NUL}` })].join("\n"), "text/csv", "?partial=true");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ imported: 0, rejected: 1, errors: [{ line: 2, field }] });
    }
    expect(await count()).toBe(before);
  });

  it("looks up more than 65,535 distinct area codes at once: unknown ones are row errors", async () => {
    const c = ctx();
    const rows = Array.from({ length: 70_000 }, (_, i) => `p${i},,,${String(159900000000 + i)},public,zh,`);
    const body = [HEADER, ...rows].join("\n");
    expect(body.length).toBeLessThan(c.services.config.maxCsvBytes);
    const p = await expectProblem(f, "CSV with 70,000 area codes", await post(c, body), { status: 422 });
    expect(p?.rowErrors).toHaveLength(70_000);
    expect(p?.rowErrors[69_999]).toEqual({
      line: 70_001,
      field: "areaCode",
      reason: "unknown area 159900069999",
      code: "unknown_area",
    });
    assertNoFailures(f);
  });
});

describe("Twilio webhooks: signed hostile forms", () => {
  const ACCOUNT = "AC0123456789abcdef0123456789abcdef";
  const FORMS: Record<string, Record<string, string>> = {
    "/webhooks/twilio/status": {
      MessageSid: "SM0123456789abcdef0123456789abcdef",
      MessageStatus: "delivered",
      AccountSid: ACCOUNT,
      To: "+8613900476001",
      ErrorCode: "30003",
      ErrorMessage: "Unreachable",
    },
    "/webhooks/twilio/inbound": {
      MessageSid: "SM0123456789abcdef0123456789abcdee",
      From: "+8613900476001",
      To: "+15005550006",
      Body: "收到",
      AccountSid: ACCOUNT,
    },
  };
  const FORM_TYPE = "application/x-www-form-urlencoded";

  /** Signs the form as Twilio would, over exactly the parameters the server will read. */
  function signed(c: TestContext, path: string, raw: string, type = FORM_TYPE) {
    const sig = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + path, Object.fromEntries(new URLSearchParams(raw)));
    const headers = { "content-type": type, "x-twilio-signature": sig };
    return c.app.request(path, { method: "POST", body: raw, headers });
  }

  it("refuses NUL in any field or name, a sid that is not one, wrong types and sizes", async () => {
    const c = ctx();
    const before = await rowCounts(c);
    for (const [path, form] of Object.entries(FORMS)) {
      const probe = async (label: string, res: Response, want: ProblemCheck = {}) =>
        expectProblem(f, `${path} ${label}`, res, want);
      const raw = new URLSearchParams(form).toString();
      const rawWith = (o: Record<string, string>) => new URLSearchParams({ ...form, ...o }).toString();
      for (const key of Object.keys(form)) {
        for (const v of [NUL, `${form[key]}${NUL}`, `${NUL}${form[key]}`]) {
          await probe(`${key} with NUL`, await signed(c, path, rawWith({ [key]: v })), { status: 422, field: key });
        }
      }
      await probe("NUL in a name", await signed(c, path, `${raw}&X%00=1`), { status: 422, field: `X${NUL}` });
      await probe("NUL as raw %00 pairs", await signed(c, path, `${raw}&%00=%00`), { status: 422 });
      for (const sid of ["x".repeat(100_000), "SM<script>", "SM 1", ""]) {
        const res = await signed(c, path, rawWith({ MessageSid: sid }));
        await probe(`MessageSid ${sid.slice(0, 12)}`, res, { status: 422, field: "MessageSid" });
      }
      for (const type of ["application/json", "text/plain", "multipart/form-data; boundary=x", "application/xml"]) {
        await probe(`as ${type}`, await signed(c, path, raw, type), { status: 415 });
      }
      const unsigned = { method: "POST", body: raw, headers: { "content-type": FORM_TYPE } };
      await probe("unsigned", await c.app.request(path, unsigned), { status: 403 });
      await probe("NUL in the query", await c.app.request(`${path}?x=%00`, unsigned));
      const huge = `${raw}&Body=${"x".repeat(c.services.config.maxJsonBytes)}`;
      await probe("over the body limit", await signed(c, path, huge), { status: 413 });
    }
    expect(await rowCounts(c)).toEqual(before);
    assertNoFailures(f);
  });
});

describe("the staff console's pages and forms", () => {
  it("answer NUL in paths, queries and form fields below 500 and write nothing", async () => {
    const c = ctx();
    // Signing in writes a session and its audit row; the hostile requests after it write nothing.
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.issuer);
    const before = await rowCounts(c);
    const pages = [
      "/warnings?area=%00",
      "/warnings?from=%00",
      "/warnings/%00",
      `/warnings/${fx.draft}?flash=%00`,
      "/compose?from=%00",
      "/console-api/areas?q=%00",
      "/console-api/areas?parent=%00",
      "/devices?area=%00",
      "/people?area=%00",
      "/warnings/%00/coverage.csv",
      "/assets/%00",
      "/login?next=%00",
      "/approvals?error=%00",
    ];
    const compose = { type: "rainstorm", level: "orange", description: "a", areas: ["150402000000"] };
    const later = "2030-01-01T00:00";
    const forms: [string, Record<string, string | string[]>][] = [
      ["/compose", { ...compose, expires: later, description: `a${NUL}`, areas: [`150402000000${NUL}`] }],
      ["/compose", { ...compose, expires: "0000-01-01T00:00" }],
      [`/warnings/${fx.pending}/reject`, { reason: `a${NUL}` }],
      ["/warnings/%00/submit", {}],
      ["/people/import", { csv: `name,area_code\n${NUL},${V1}` }],
    ];
    const statuses: string[] = [];
    for (const page of pages) {
      f.sent++;
      const res = await b.req("GET", page);
      if (res.status >= 500) statuses.push(`GET ${page}: ${res.status}`);
    }
    for (const [path, form] of forms) {
      f.sent++;
      const res = await b.req("POST", path, { form: { _csrf: csrf, ...form } });
      if (res.status >= 500) statuses.push(`POST ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
    expect(statuses).toEqual([]);
    expect(await rowCounts(c)).toEqual(before);
  });
});

describe("the corpus", () => {
  it("sent at least 2,000 hostile requests", () => {
    expect(f.sent).toBeGreaterThanOrEqual(2000);
  });
});
