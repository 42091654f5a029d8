import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createDraft, createIssued, inHours, json, warningBody } from "../helpers/factories.js";

const ctx = useContext();

/** Warning `id`'s last audit entry records its end (`action`, now `status`) by `actor`, in
 * the request that issued `successor`, the version that ended it. */
async function expectEndedBy(
  c: ReturnType<typeof ctx>,
  id: string,
  successor: string,
  ended: { action: string; actor: string; status: string },
) {
  const [e] = await c.tdb.db.execute<Record<string, unknown>>(sql`
    select e.action, e.actor, e.actor_kind, e.before, e.after,
      e.request_id is not null and e.request_id = (
        select request_id from audit_log where subject_id = ${successor} and action = 'warning.issue') as "sameRequest"
    from audit_log e where e.subject_id = ${id} order by e.id desc limit 1`);
  expect(e).toMatchObject({
    action: ended.action,
    actor: ended.actor,
    actor_kind: "user",
    before: { status: "issued" },
    after: { status: ended.status },
    sameRequest: true,
  });
}

describe("warning lifecycle", () => {
  it("create → submit → approve issues the warning, with an audit row per step", async () => {
    const c = ctx();
    const draft = await createDraft(c, { level: "red" });
    expect(draft).toMatchObject({ status: "draft", msgType: "Alert", version: 1, type: "rainstorm", level: "red" });
    expect(draft.headline).toBe("赤峰市气象台发布暴雨红色预警");
    expect(draft.channels).toEqual(["sms", "loudspeaker", "display", "email"]); // policy default for red
    expect(draft.identifier).toMatch(/^[^\s,<&]+$/);

    const sub = await json(await c.request("POST", `/api/v1/warnings/${draft.id}/submit`, { key: c.users.issuer.key }));
    expect(sub.status).toBe("pending");
    const res = await c.request("POST", `/api/v1/warnings/${draft.id}/approve`, { key: c.users.approver.key });
    expect(res.status).toBe(200);
    const issued = await json(res);
    expect(issued).toMatchObject({ status: "issued", approvedBy: c.users.approver.id });
    expect(issued.issuedAt).not.toBeNull();

    const audit = await c.tdb.db.execute<{ action: string }>(
      sql`select action from audit_log where subject_id = ${draft.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      "warning.create",
      "warning.submit",
      "warning.approve",
      "warning.issue",
    ]);
  });

  it("rainstorm + red is accepted; drought + blue is refused with 422 naming the allowed levels", async () => {
    const c = ctx();
    const ok = await c.request("POST", "/api/v1/warnings", {
      key: c.users.issuer.key,
      json: warningBody(c, { type: "rainstorm", level: "red" }),
    });
    expect(ok.status).toBe(201);
    const bad = await c.request("POST", "/api/v1/warnings", {
      key: c.users.issuer.key,
      json: warningBody(c, { type: "drought", level: "blue" }),
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const p = await json(bad);
    expect(p.errors).toEqual([expect.objectContaining({ path: "level", code: "level_not_allowed" })]);
    expect(p.errors[0].message).toContain("orange, red");
  });

  it("edits a draft; editing a pending warning is a 409", async () => {
    const c = ctx();
    const d = await createDraft(c);
    const e = await c.request("PATCH", `/api/v1/warnings/${d.id}`, {
      key: c.users.issuer.key,
      json: { level: "yellow", description: "更新后的描述" },
    });
    expect(e.status).toBe(200);
    const edited = await json(e);
    expect(edited).toMatchObject({
      level: "yellow",
      description: "更新后的描述",
      headline: "赤峰市气象台发布暴雨黄色预警",
    });
    await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key });
    const late = await c.request("PATCH", `/api/v1/warnings/${d.id}`, {
      key: c.users.issuer.key,
      json: { description: "x" },
    });
    expect(late.status).toBe(409);
    expect(await json(late)).toMatchObject({ code: "invalid_state", status: 409, currentStatus: "pending" });
  });

  it("an edit that breaks a rule is refused and leaves the draft unchanged", async () => {
    const c = ctx();
    const d = await createDraft(c, { type: "drought", level: "orange" });
    const r = await c.request("PATCH", `/api/v1/warnings/${d.id}`, {
      key: c.users.issuer.key,
      json: { level: "blue" },
    });
    expect(r.status).toBe(422);
    const after = await json(await c.request("GET", `/api/v1/warnings/${d.id}`));
    expect(after.level).toBe("orange");
  });

  it("reject sends a pending warning back to draft with the reason", async () => {
    const c = ctx();
    const d = await createDraft(c);
    await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key });
    const r = await c.request("POST", `/api/v1/warnings/${d.id}/reject`, {
      key: c.users.approver.key,
      json: { reason: "落区不准确" },
    });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ status: "draft", rejectReason: "落区不准确" });
  });

  it("update creates a new pending version; its approval supersedes the original", async () => {
    const c = ctx();
    const w = await createIssued(c);
    const u = await c.request("POST", `/api/v1/warnings/${w.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c, { level: "red", description: "降雨加强" }),
    });
    expect(u.status).toBe(201);
    const v2 = await json(u);
    expect(v2).toMatchObject({
      msgType: "Update",
      status: "pending",
      version: 2,
      supersedesId: w.id,
      threadId: w.threadId,
    });
    expect(v2.id).not.toBe(w.id);
    const again = await c.request("POST", `/api/v1/warnings/${w.id}/update`, {
      key: c.users.issuer.key,
      json: warningBody(c),
    });
    expect(again.status).toBe(409);
    expect((await json(again)).newerVersion).toBe(v2.id);
    const a = await c.request("POST", `/api/v1/warnings/${v2.id}/approve`, { key: c.users.approver.key });
    expect((await json(a)).status).toBe("issued");
    expect((await json(await c.request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("updated");
    await expectEndedBy(c, w.id, v2.id, {
      action: "warning.superseded",
      actor: c.users.approver.id,
      status: "updated",
    });
  });

  it("cancel needs no second person and creates an issued Cancel version", async () => {
    const c = ctx();
    const w = await createIssued(c);
    // The reason becomes the all-clear's text: a cancel without one is refused, not sent.
    for (const json of [undefined, {}, { reason: "  " }]) {
      const refused = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
        key: c.users.issuer.key,
        ...(json ? { json } : {}),
      });
      expect([400, 415, 422]).toContain(refused.status);
    }
    expect((await json(await c.request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("issued");
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "降雨已减弱" },
    });
    expect(r.status).toBe(201);
    const cancel = await json(r);
    expect(cancel).toMatchObject({
      msgType: "Cancel",
      status: "issued",
      supersedesId: w.id,
      headline: "赤峰市气象台解除暴雨橙色预警",
      description: "降雨已减弱",
    });
    expect((await json(await c.request("GET", `/api/v1/warnings/${w.id}`))).status).toBe("cancelled");
    await expectEndedBy(c, w.id, cancel.id, {
      action: "warning.cancelled",
      actor: c.users.issuer.id,
      status: "cancelled",
    });
    const twice = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    expect(twice.status).toBe(409);
    // The Cancel message itself ends the thread: it is neither cancelled nor updated.
    const ofCancel = await c.request("POST", `/api/v1/warnings/${cancel.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "险情解除" },
    });
    expect(ofCancel.status).toBe(409);
    expect((await json(ofCancel)).msgType).toBe("Cancel");
    expect(
      (
        await c.request("POST", `/api/v1/warnings/${cancel.id}/update`, {
          key: c.users.issuer.key,
          json: warningBody(c),
        })
      ).status,
    ).toBe(409);
  });

  it("a draft without areas (an unmapped import) is visible only to its author", async () => {
    const c = ctx();
    const d = await createDraft(c, {}, c.users.hongshanIssuer);
    await c.tdb.db.execute(sql`update warnings set area_codes = '{}' where id = ${d.id}`);
    expect((await c.request("GET", `/api/v1/warnings/${d.id}`, { key: c.users.hongshanIssuer.key })).status).toBe(200);
    expect((await c.request("GET", `/api/v1/warnings/${d.id}`, { key: c.users.songshanIssuer.key })).status).toBe(403);
    const others = await json(
      await c.request("GET", "/api/v1/warnings?status=draft", { key: c.users.songshanIssuer.key }),
    );
    expect(others.items.map((w: { id: string }) => w.id)).not.toContain(d.id);
    const mine = await json(
      await c.request("GET", "/api/v1/warnings?status=draft", { key: c.users.hongshanIssuer.key }),
    );
    expect(mine.items.map((w: { id: string }) => w.id)).toContain(d.id);
  });

  it("a warning with a future sendAt is approved and held, not issued", async () => {
    const c = ctx();
    const w = await createIssued(c, { sendAt: inHours(c, 2) });
    expect(w.status).toBe("approved");
    expect(w.issuedAt).toBeNull();
  });

  it("policy can allow direct issue for short-fuse warnings", async () => {
    const { buildContext } = await import("../helpers/context.js");
    const c = await buildContext({ policy: { directIssue: { lightning: ["yellow", "orange", "red"] } } });
    try {
      const d = await createDraft(c, { type: "lightning", level: "yellow" });
      const s = await json(await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key }));
      expect(s.status).toBe("issued");
      expect(s.approvedBy).toBeNull();
    } finally {
      await c.tdb.drop();
    }
  });

  it("lists with filters and cursor pagination", async () => {
    const c = ctx();
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await createDraft(c, { type: "gale", level: "blue", areas: { codes: ["150404000000"] } }));
    const p1 = await json(await c.request("GET", "/api/v1/warnings?type=gale&limit=2"));
    expect(p1.items).toHaveLength(2);
    expect(p1.nextCursor).toBeTruthy();
    const p2 = await json(await c.request("GET", `/api/v1/warnings?type=gale&limit=2&cursor=${p1.nextCursor}`));
    expect(p2.items).toHaveLength(1);
    const ids = [...p1.items, ...p2.items].map((w: { id: string }) => w.id).sort();
    expect(ids).toEqual(made.map((w) => w.id).sort());
    const byArea = await json(await c.request("GET", "/api/v1/warnings?type=gale&area=150404001000"));
    expect(byArea.items).toHaveLength(3); // a township inside the warned county
    const other = await json(await c.request("GET", "/api/v1/warnings?type=gale&area=150402000000"));
    expect(other.items).toHaveLength(0);
    const drafts = await json(await c.request("GET", "/api/v1/warnings?status=issued&type=gale"));
    expect(drafts.items).toHaveLength(0);
  });
});

describe("bad input gets a precise 4xx and writes nothing", () => {
  const cases: [string, (c: ReturnType<typeof ctx>) => Record<string, unknown> | string, number, string][] = [
    ["malformed JSON", () => '{"type": ', 400, "malformed_json"],
    ["empty body", () => "", 400, "malformed_json"],
    ["unknown field", (c) => warningBody(c, { colour: "red" }), 422, "validation_failed"],
    ["unknown type", (c) => warningBody(c, { type: "tornado" }), 422, "validation_failed"],
    ["unknown level", (c) => warningBody(c, { level: "purple" }), 422, "validation_failed"],
    ["unknown audience", (c) => warningBody(c, { audiences: ["aliens"] }), 422, "validation_failed"],
    ["unknown channel", (c) => warningBody(c, { channels: ["pigeon"] }), 422, "validation_failed"],
    ["malformed area code", (c) => warningBody(c, { areas: { codes: ["1504"] } }), 422, "validation_failed"],
    ["non-existent area code", (c) => warningBody(c, { areas: { codes: ["150499000000"] } }), 422, "validation_failed"],
    ["no areas", (c) => warningBody(c, { areas: { codes: [] } }), 422, "validation_failed"],
    [
      "expires before onset",
      (c) => warningBody(c, { onset: inHours(c, 5), expires: inHours(c, 4) }),
      422,
      "validation_failed",
    ],
    ["expires in the past", (c) => warningBody(c, { expires: inHours(c, -1) }), 422, "validation_failed"],
    ["time without offset", (c) => warningBody(c, { expires: "2026-12-01T00:00:00" }), 422, "validation_failed"],
    [
      "open polygon",
      (c) =>
        warningBody(c, {
          areas: {
            codes: ["150402000000"],
            polygons: [
              [
                [42, 118],
                [42.1, 118],
                [42.1, 119],
                [42, 119],
              ],
            ],
          },
        }),
      422,
      "validation_failed",
    ],
    [
      "description missing",
      (c) => {
        const b = warningBody(c);
        delete (b as Record<string, unknown>).description;
        return b;
      },
      422,
      "validation_failed",
    ],
  ];
  it.each(cases)("%s", async (_name, body, status, code) => {
    const c = ctx();
    const [before] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from warnings`);
    const b = body(c);
    const res = await c.request("POST", "/api/v1/warnings", {
      key: c.users.issuer.key,
      ...(typeof b === "string" ? { body: b, headers: { "content-type": "application/json" } } : { json: b }),
    });
    expect(res.status).toBe(status);
    const p = await json(res);
    expect(p).toMatchObject({ status, code });
    expect(typeof p.detail).toBe("string");
    const [after] = await c.tdb.db.execute<{ n: number }>(sql`select count(*)::int as n from warnings`);
    expect(after!.n).toBe(before!.n);
  });

  it("wrong content type is 415", async () => {
    const c = ctx();
    const res = await c.request("POST", "/api/v1/warnings", {
      key: c.users.issuer.key,
      body: JSON.stringify(warningBody(c)),
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect((await json(res)).code).toBe("unsupported_media_type");
  });

  it("oversized body is 413", async () => {
    const c = ctx();
    const res = await c.request("POST", "/api/v1/warnings", {
      key: c.users.issuer.key,
      json: warningBody(c, { description: "暴".repeat(300_000) }),
    });
    expect(res.status).toBe(413);
  });

  it("unknown id is 404, also for a malformed id", async () => {
    const c = ctx();
    expect((await c.request("GET", "/api/v1/warnings/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await c.request("GET", "/api/v1/warnings/not-a-uuid")).status).toBe(404);
    expect((await c.request("POST", "/api/v1/warnings/not-a-uuid/approve", { key: c.users.approver.key })).status).toBe(
      404,
    );
  });

  it("wrong state transitions are 409", async () => {
    const c = ctx();
    const d = await createDraft(c);
    const r = await c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.approver.key });
    expect(r.status).toBe(409);
    expect(await json(r)).toMatchObject({
      code: "invalid_state",
      status: 409,
      currentStatus: "draft",
      allowedFrom: ["pending"],
    });
    expect(
      (
        await c.request("POST", `/api/v1/warnings/${d.id}/cancel`, {
          key: c.users.issuer.key,
          json: { reason: "险情解除" },
        })
      ).status,
    ).toBe(409);
    expect(
      (await c.request("POST", `/api/v1/warnings/${d.id}/update`, { key: c.users.issuer.key, json: warningBody(c) }))
        .status,
    ).toBe(409);
    expect(
      (await c.request("POST", `/api/v1/warnings/${d.id}/reject`, { key: c.users.approver.key, json: { reason: "x" } }))
        .status,
    ).toBe(409);
  });

  it("bad list filters are 422", async () => {
    const c = ctx();
    expect((await c.request("GET", "/api/v1/warnings?level=pink")).status).toBe(422);
    expect((await c.request("GET", "/api/v1/warnings?limit=0")).status).toBe(422);
    expect((await c.request("GET", "/api/v1/warnings?bogus=1")).status).toBe(422);
    expect((await c.request("GET", "/api/v1/warnings?cursor=!!!")).status).toBe(400);
  });
});

describe("security", () => {
  it("no key and a wrong key are 401", async () => {
    const c = ctx();
    expect((await c.request("GET", "/api/v1/warnings", { key: null })).status).toBe(401);
    expect((await c.request("GET", "/api/v1/warnings", { key: "wck_nope" })).status).toBe(401);
    expect((await c.request("POST", "/api/v1/warnings", { key: null, json: warningBody(c) })).status).toBe(401);
  });

  it("roles: a viewer cannot create, an issuer cannot approve, an approver cannot create", async () => {
    const c = ctx();
    expect(
      (await c.request("POST", "/api/v1/warnings", { key: c.users.viewer.key, json: warningBody(c) })).status,
    ).toBe(403);
    expect(
      (await c.request("POST", "/api/v1/warnings", { key: c.users.approver.key, json: warningBody(c) })).status,
    ).toBe(403);
    const d = await createDraft(c);
    await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key });
    expect((await c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.issuer2.key })).status).toBe(
      403,
    );
    expect((await c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.viewer.key })).status).toBe(403);
  });

  it("self-approval is a 403 even for an admin author", async () => {
    const c = ctx();
    const d = await createDraft(c, {}, c.users.admin);
    await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.admin.key });
    const r = await c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.admin.key });
    expect(r.status).toBe(403);
    expect((await json(r)).rule).toBe("self_approval");
  });

  it("area scope: a county key cannot create, read, edit or cancel another county's warnings", async () => {
    const c = ctx();
    const out = await c.request("POST", "/api/v1/warnings", {
      key: c.users.songshanIssuer.key,
      json: warningBody(c, { areas: { codes: ["150402000000"] } }),
    });
    expect(out.status).toBe(403);
    expect((await json(out)).outOfScope).toEqual(["150402000000"]);
    const hs = await createDraft(c, {}, c.users.hongshanIssuer);
    expect((await c.request("GET", `/api/v1/warnings/${hs.id}`, { key: c.users.songshanIssuer.key })).status).toBe(403);
    expect(
      (
        await c.request("PATCH", `/api/v1/warnings/${hs.id}`, {
          key: c.users.songshanIssuer.key,
          json: { description: "x" },
        })
      ).status,
    ).toBe(403);
    const mine = await c.request("GET", `/api/v1/warnings/${hs.id}`, { key: c.users.hongshanIssuer.key });
    expect(mine.status).toBe(200);
    const issued = await createIssued(c, {}, c.users.hongshanIssuer, c.users.hongshanApprover);
    expect(
      (
        await c.request("POST", `/api/v1/warnings/${issued.id}/cancel`, {
          key: c.users.songshanIssuer.key,
          json: { reason: "险情解除" },
        })
      ).status,
    ).toBe(403);
    const list = await json(await c.request("GET", "/api/v1/warnings", { key: c.users.songshanIssuer.key }));
    expect(
      list.items.every((w: { areas: { codes: string[] } }) => w.areas.codes.every((code) => code.startsWith("150404"))),
    ).toBe(true);
  });

  it("a county approver cannot approve a city-wide warning", async () => {
    const c = ctx();
    const d = await createDraft(c, { areas: { codes: ["150400000000"] } });
    await c.request("POST", `/api/v1/warnings/${d.id}/submit`, { key: c.users.issuer.key });
    expect(
      (await c.request("POST", `/api/v1/warnings/${d.id}/approve`, { key: c.users.hongshanApprover.key })).status,
    ).toBe(403);
  });
});
