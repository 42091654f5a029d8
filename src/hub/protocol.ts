// The device protocol's frames (README "Device protocol"). Device → server frames are
// parsed with zod; anything else is answered with an `error` frame, never a crash.
import { z } from "zod";
import type { WebSocket } from "ws";
import type { DeviceKind, Language, Level, MsgType, WarningType } from "../domain/vocabulary.js";
import { isoInstant, unstorableField } from "../lib/storable.js";

export type Action = "play" | "show" | "stop";

export interface CommandFrame {
  type: "command";
  /** The delivery id: the device acks with it. */
  id: number;
  action: Action;
  /** Set on stops that have no delivery of their own (the warning ended). */
  reason?: "ended";
  warning: {
    id: string;
    /** Versions of one warning share a thread: a newer command replaces an older one. */
    thread: string;
    msgType: MsgType;
    type: WarningType;
    level: Level;
    headline: string;
    text: string;
    language: Language;
    repeat: number;
    interval: number;
    expires: string;
  };
}

export type ServerFrame =
  | CommandFrame
  | { type: "welcome"; deviceId: string; kind: DeviceKind; heartbeatSeconds: number }
  | { type: "ping"; at: string }
  | { type: "error"; code: string; message: string; id?: number };

export const ACK_STATES = ["received", "played", "shown", "failed"] as const;
export type AckState = (typeof ACK_STATES)[number];

const hello = z.object({
  type: z.literal("hello"),
  firmware: z.string().max(100).optional(),
  capabilities: z.array(z.string().max(40)).max(20).optional(),
});
const ack = z.object({
  type: z.literal("ack"),
  // Negative: a stop sent when a warning ended (README, device protocol).
  id: z
    .number()
    .int()
    .refine((n) => n !== 0, "a command id, never 0"),
  state: z.enum(ACK_STATES),
  at: isoInstant().optional(),
  detail: z.string().max(500).optional(),
});
const heartbeat = z.object({ type: z.literal("heartbeat"), at: z.string().optional() });

export const deviceFrame = z.discriminatedUnion("type", [hello, ack, heartbeat]);
export type DeviceFrame = z.infer<typeof deviceFrame>;

export function parseDeviceFrame(raw: string): { ok: true; frame: DeviceFrame } | { ok: false; message: string } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, message: "not JSON" };
  }
  // Checked before the shape: a hello's firmware and an ack's detail are written as sent.
  const unstorable = unstorableField(data);
  if (unstorable) return { ok: false, message: `${unstorable.path.replace("(body)", "frame")}: ${unstorable.message}` };
  const r = deviceFrame.safeParse(data);
  if (!r.success)
    return { ok: false, message: r.error.issues.map((i) => `${i.path.join(".") || "frame"}: ${i.message}`).join("; ") };
  return { ok: true, frame: r.data };
}

/** Close codes the hub uses (4000–4999 are the application's range). */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  replaced: 4001,
  revoked: 4003,
} as const;

/** Writes a frame if the socket is still open; false when it is not. */
export function sendFrame(ws: WebSocket, frame: ServerFrame): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}
