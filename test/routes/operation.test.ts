// An operation's declaration is enforced by mount(), not by where its path happens to be.
import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { allOperations, createApp } from "../../src/app.js";
import { defineOperation } from "../../src/routes/operation.js";
import { z } from "zod";

const ctx = useContext();
const pathOf = (p: string) => p.replace(/:(\w+)/g, "00000000-0000-4000-8000-000000000000");

describe("the Operation contract", () => {
  it("every apiKey operation refuses a missing or unknown key with 401 before anything else", async () => {
    const c = ctx();
    const ops = allOperations().filter((op) => op.auth === "apiKey");
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops) {
      for (const key of [null, "wck_not_a_key"]) {
        const res = await c.request(op.method.toUpperCase(), pathOf(op.path), { key });
        expect(res.status, `${op.method} ${op.path} with ${key ?? "no key"}`).toBe(401);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
      }
    }
  });

  it("every signed webhook refuses an unsigned request", async () => {
    const c = ctx();
    for (const op of allOperations().filter((o) => o.auth === "twilioSignature" || o.auth === "ebPackage")) {
      const res = await c.request("POST", op.path, { key: null, body: "x", headers: { "content-type": "text/plain" } });
      expect(res.status, op.path).toBeGreaterThanOrEqual(400);
      expect(res.status, op.path).toBeLessThan(500);
    }
  });

  it("enforces apiKey outside /api, checks a declared permission before the body, and hands over parsed input", async () => {
    const c = ctx();
    const seen: unknown[] = [];
    const probe = defineOperation({
      method: "post",
      path: "/outside/probe",
      summary: "probe",
      tag: "test",
      auth: "apiKey",
      permission: "warning.write",
      body: z.strictObject({ n: z.number().int() }),
      query: z.strictObject({ q: z.string().optional() }),
      success: [200, "echo"],
      handler: async (h, req) => {
        seen.push(req);
        return h.json({ doubled: req.body.n * 2, q: req.query.q ?? null });
      },
    });
    const app = createApp(c.services, { extraOperations: [probe] });
    const call = (key: string | null, body: string) =>
      app.request("/outside/probe?q=x", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      });
    expect((await call(null, '{"n":2}')).status).toBe(401);
    // A viewer may not write: refused before its (malformed) body is read.
    expect((await call(c.users.viewer.key, "{not json")).status).toBe(403);
    expect((await call(c.users.issuer.key, '{"n":"two"}')).status).toBe(422);
    const ok = await call(c.users.issuer.key, '{"n":2}');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ doubled: 4, q: "x" });
    expect(seen).toEqual([{ body: { n: 2 }, query: { q: "x" } }]);
  });
});
