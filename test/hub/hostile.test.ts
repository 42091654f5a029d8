// Hostile device frames: each gets the protocol's error frame naming the problem, none is
// written, and the hub keeps applying the acks and hellos of the same batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { NUL, UNSTORABLE_TIMES, failures, hostileLeafValues, leaves, replaceAt } from "../helpers/hostile.js";
import { createDevice, startHub, TestDevice, until, type Frame, type RunningHub } from "./harness.js";

const ctx = useContext();
const f = failures();
const V = "150402001002";
let hub: RunningHub;
let device: TestDevice;
let deviceId: string;
let command: number;
let sentinel = 1e12;

beforeAll(async () => {
  const c = ctx();
  hub = await startHub(c, { log: f.log, maxMalformed: 100_000 });
  const d = await createDevice(c, { kind: "loudspeaker", areaCode: V });
  deviceId = d.id;
  device = await TestDevice.online(hub.url, d.token);
  await until(async () => hub.hub.conns.get(d.id)?.["ready"]);
  await createIssued(c, { areas: { codes: [V] }, channels: ["loudspeaker"], level: "red" });
  command = (await device.next((x) => x.type === "command")).id;
});
afterAll(async () => {
  device?.close();
  await hub?.close();
});

/** The error frames `frame` earned. An ack for no command follows it: its `unknown_command`
 * comes back only after the batch it joined was written, so every answer to `frame` (and
 * any failure of that batch) is in by then. */
async function answersTo(frame: string | Buffer): Promise<Frame[]> {
  f.sent++;
  const id = ++sentinel;
  device.ws.send(frame);
  device.send({ type: "ack", id, state: "received" });
  await device.next((x) => x.type === "error" && x.code === "unknown_command" && x.id === id);
  return device.frames.splice(0).filter((x) => x.type === "error");
}

async function refused(label: string, frame: string | Buffer, field?: string) {
  const errors = await answersTo(frame);
  const [e] = errors;
  const named = field === undefined || e?.message.startsWith(`${field}: `);
  if (errors.length !== 1 || e!.code !== "malformed_frame" || !named) {
    const logged = f.logged.splice(0).join(" / ");
    f.list.push(`${label}: ${JSON.stringify(errors).slice(0, 300)}${logged ? ` [log: ${logged}]` : ""}`);
  }
}

describe("hostile device frames", () => {
  it("answers NUL, unpaired surrogates, wrong types and unstorable times in any field with an error", async () => {
    const valid = [
      { type: "hello", firmware: "fw-2.1", capabilities: ["tts", "siren"] },
      { type: "ack", id: command, state: "received", at: new Date().toISOString(), detail: "ok" },
      { type: "heartbeat" },
    ];
    for (const frame of valid) {
      for (const [at, value] of leaves(frame)) {
        for (const v of hostileLeafValues(value, at[0] === "at" ? { format: "date-time" } : undefined)) {
          // Over 64 KiB the socket is closed (1009), which the harness test covers.
          const replacement = typeof v.value === "string" && v.value.length > 1000 ? "x".repeat(1000) : v.value;
          const label = `${frame.type}.${at.join(".")} as ${v.what}`;
          await refused(label, JSON.stringify(replaceAt(frame, at, replacement)), v.named ? at.join(".") : undefined);
        }
      }
    }
    expect(f.list).toEqual([]);
  });

  it("answers broken JSON, NUL in names, binary and oversized shapes with an error frame", async () => {
    const raw = [
      "not json",
      "",
      "{",
      `{"type":"hello","firmware":"a${NUL}b"}`,
      "null",
      "[]",
      '"hello"',
      "0",
      `{"type":"hello","x${NUL}":1}`,
      `{"type":"heartbeat","at":"\\ud800"}`,
      "[".repeat(10_000) + "]".repeat(10_000),
      JSON.stringify({ type: "hello", capabilities: Array.from({ length: 5000 }, () => "a") }),
      JSON.stringify({ type: "ack", id: command, state: "played", at: UNSTORABLE_TIMES[0] }),
      JSON.stringify({ type: "ack", id: "1", state: "played" }),
      JSON.stringify({ type: "ack", id: command, state: "PLAYED" }),
    ];
    for (const frame of raw) await refused(JSON.stringify(frame.slice(0, 40)), frame);
    await refused("a binary frame", Buffer.from([0x7b, 0x00, 0x7d]));
    expect(f.list).toEqual([]);
  });

  it("wrote none of it and still applies the device's real frames", async () => {
    const c = ctx();
    const state = async () =>
      (
        await c.tdb.db.execute<{ firmware: string | null; status: string }>(sql`
      select dv.firmware, d.status from devices dv join deliveries d on d.device_id = dv.id
      where dv.id = ${deviceId} and d.id = ${command}`)
      )[0]!;
    expect(await state()).toEqual({ firmware: "test-1.0", status: "sent" });
    expect(f.logged).toEqual([]);
    device.send({ type: "hello", firmware: "fw-2.2" });
    device.send({ type: "ack", id: command, state: "played", detail: "played twice" });
    await until(async () => {
      const s = await state();
      return s.firmware === "fw-2.2" && s.status === "acknowledged";
    });
    expect(f.logged).toEqual([]);
  });

  it("counted its frames", () => {
    expect(f.sent).toBeGreaterThan(100);
  });
});
