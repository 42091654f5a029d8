import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";

const ctx = useContext();

describe("system routes", () => {
  it("/health answers without a key", async () => {
    const r = await ctx().request("GET", "/health", { key: null });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ status: "ok", database: "ok" });
  });

  it("/openapi.json describes every operation, with request schemas", async () => {
    const doc = await json(await ctx().request("GET", "/openapi.json", { key: null }));
    expect(doc.openapi).toBe("3.0.3");
    for (const p of [
      "/api/v1/warnings",
      "/api/v1/warnings/{id}/approve",
      "/api/v1/areas/{code}",
      "/api/v1/recipients/import",
      "/api/v1/devices",
    ]) {
      expect(doc.paths[p]).toBeDefined();
    }
    const create = doc.paths["/api/v1/warnings"].post;
    expect(create.requestBody.content["application/json"].schema.properties.level.enum).toEqual([
      "red",
      "orange",
      "yellow",
      "blue",
    ]);
  });

  it("/docs is a self-contained HTML page", async () => {
    const r = await ctx().request("GET", "/docs", { key: null });
    expect(r.headers.get("content-type")).toContain("text/html");
    const html = await r.text();
    expect(html).toContain("/api/v1/warnings/{id}/cancel");
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)/);
  });

  it("unknown routes are a 404 problem", async () => {
    const r = await ctx().request("GET", "/api/v1/nothing-here");
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(r)).toMatchObject({ code: "not_found", status: 404 });
  });

  it("every response carries a request id", async () => {
    const r = await ctx().request("GET", "/health", { key: null, headers: { "x-request-id": "abc-123" } });
    expect(r.headers.get("x-request-id")).toBe("abc-123");
  });
});
