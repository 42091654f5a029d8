// MAX_CSV_BYTES reaches the running server: a recipients CSV over it is a 413 naming the
// limit and imports nobody; one under it imports. The default (128 MiB) takes a million people.
// Over a real socket a body is read from the connection itself when its length is declared
// (src/http/body.ts bodyText), and counted as it streams when it is not (chunked).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ MAX_CSV_BYTES: "4096", WARNCAST_DEMO_DEVICES: "false" });
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

const csv = (n: number) =>
  [
    "name,phone,area_code,audiences",
    ...Array.from({ length: n }, (_, i) => `限${i},+86137990${String(i).padStart(5, "0")},150402001001,public`),
  ].join("\n");

async function importCsv(body: string) {
  const res = await fetch(`${server.url}/api/v1/recipients/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.key("admin")}`, "content-type": "text/csv" },
    body,
  });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
}

describe("the CSV import limit from the environment", () => {
  it("refuses a file over MAX_CSV_BYTES with 413 and imports one under it", async () => {
    const big = csv(200);
    expect(Buffer.byteLength(big)).toBeGreaterThan(4096);
    const refused = await importCsv(big);
    expect(refused.status).toBe(413);
    expect(refused.type).toContain("application/problem+json");
    expect(refused.body.maxBytes).toBe(4096);
    const people = await fetch(`${server.url}/api/v1/recipients?area=150402001001&q=${encodeURIComponent("限")}`, {
      headers: { authorization: `Bearer ${server.key("admin")}` },
    });
    expect(((await people.json()) as any).items).toEqual([]);

    const small = csv(20);
    expect(Buffer.byteLength(small)).toBeLessThan(4096);
    const ok = await importCsv(small);
    expect(ok.status).toBe(200);
    expect(ok.body.imported).toBe(20);
  }, 60_000);

  it("counts a chunked body as it streams: over the limit 413, under it imported", async () => {
    const chunked = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      // Two chunks and no content-length: fetch sends it with transfer-encoding: chunked.
      const body = new ReadableStream<Uint8Array>({
        start(ctl) {
          ctl.enqueue(bytes.subarray(0, 100));
          ctl.enqueue(bytes.subarray(100));
          ctl.close();
        },
      });
      return fetch(`${server.url}/api/v1/recipients/import`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.key("admin")}`, "content-type": "text/csv" },
        body,
        duplex: "half",
      } as RequestInit);
    };
    expect((await chunked(csv(200).replaceAll("限", "块"))).status).toBe(413);
    const ok = await chunked(csv(10).replaceAll("限", "流").replaceAll("+86137990", "+86137991"));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).imported).toBe(10);
  }, 60_000);

  it("reads a JSON body as Request.text() would: a leading BOM dropped, UTF-8 kept", async () => {
    const res = await fetch(`${server.url}/api/v1/recipients`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.key("admin")}`, "content-type": "application/json" },
      body: `\ufeff${JSON.stringify({ name: "包头人", phone: "13800479001", areaCode: "150402001001" })}`,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "包头人", phone: "+8613800479001" });
  });
});
