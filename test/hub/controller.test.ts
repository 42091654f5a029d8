// The reference controller (scripts/device.ts) as a real child process against a running
// hub: what a vendor copies must actually reach `acknowledged`.
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { createDevice, startHub, until, type RunningHub } from "./harness.js";

const ctx = useContext();
let hub: RunningHub;
let child: ChildProcess | null = null;

beforeAll(async () => {
  hub = await startHub(ctx());
});
afterAll(async () => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  await hub?.close();
});

it("connects, prints the command, acks received then played, and exits 0 on SIGTERM", async () => {
  const c = ctx();
  const village = (
    await c.tdb.db.execute<{ code: string }>(
      sql`select code from areas where kind = 'village' and code like '150423%' order by code limit 1`,
    )
  )[0]!.code;
  const d = await createDevice(c, { kind: "loudspeaker", areaCode: village });
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/device.ts", "--token", d.token, "--url", hub.url, "--play-ms", "200"],
    {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child = proc;
  let out = "";
  proc.stdout!.on("data", (b) => {
    out += b.toString();
  });
  proc.stderr!.on("data", (b) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));

  await until(async () => hub.hub.conns.get(d.id)?.["ready"], 15_000);
  const w = await createIssued(c, { areas: { codes: [village] }, channels: ["loudspeaker"], level: "red" });
  const status = async () =>
    (
      await c.tdb.db.execute<{
        id: string;
        status: string;
        delivered_at: string | null;
        acknowledged_at: string | null;
      }>(
        sql`select id, status, delivered_at, acknowledged_at from deliveries where warning_id = ${w.id} and device_id = ${d.id}`,
      )
    )[0]!;
  const row = (await until(async () => {
    const r = await status();
    return r.status === "acknowledged" ? r : null;
  }, 10_000))!;
  expect(row.delivered_at).not.toBeNull(); // `received` came first
  expect(out).toContain(`command ${row.id} play red rainstorm [zh]`);
  expect(out).toContain(`command ${row.id} played`);

  proc.kill("SIGTERM");
  expect(await exited).toBe(0);
  await until(async () => !hub.hub.conns.has(d.id));
}, 30_000);
