// The demo works (issue 16): with simulated loudspeakers and displays on (as with the
// embedded default), a city-wide red warning passes its 93% target within a minute of
// approval, with the offline and failing simulators visible as such.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ WARNCAST_DEMO_DEVICES: "true" });
  const until = Date.now() + 60_000;
  while (!/demo devices: \d+ simulated/.test(server.output()) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 200));
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function api(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("the demo", () => {
  it("a city-wide red warning reaches 93% on simulated devices within a minute", async () => {
    const line =
      /demo devices: (\d+) simulated loudspeakers\/displays online \((\d+) new\), (\d+) offline, (\d+) failing/.exec(
        server.output(),
      );
    expect(line, server.output()).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(2000);
    expect(Number(line![3])).toBeGreaterThan(0);
    expect(Number(line![4])).toBeGreaterThan(0);
    const issuer = server.key("issuer");
    const d = await api("POST", "/api/v1/warnings", issuer, {
      type: "blizzard",
      level: "red",
      description: "预计未来12小时全市将出现特大暴雪。",
      areas: { codes: ["150400000000"] },
      audiences: ["public"],
      channels: ["loudspeaker", "display", "sms"],
      expires: new Date(Date.now() + 6 * 3600_000).toISOString(),
    });
    expect(d.status).toBe(201);
    expect((await api("POST", `/api/v1/warnings/${d.body.id}/submit`, issuer)).status).toBe(200);
    const approved = await api("POST", `/api/v1/warnings/${d.body.id}/approve`, server.key("approver"));
    expect(approved.body.status).toBe("issued");
    const t0 = Date.now();
    let cov: any = null;
    while (Date.now() - t0 < 60_000) {
      cov = (await api("GET", `/api/v1/warnings/${d.body.id}/coverage`, server.key("viewer"))).body;
      if (cov.rate >= 0.93) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(
      `demo: ${(cov.rate * 100).toFixed(1)}% after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      JSON.stringify(cov.channels.loudspeaker),
    );
    expect(cov.rate).toBeGreaterThanOrEqual(0.93);
    expect(cov.channels.loudspeaker.failed).toBeGreaterThan(0);
  }, 150_000);
});
