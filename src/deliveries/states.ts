// Delivery state (DESIGN §5) in one place: where each state may go next. States only
// move forward, so late, repeated and out-of-order reports are no-ops. People and devices
// differ in one respect each:
// - a person's receipt after a failure report wins (the message did arrive; carriers
//   report out of order), while nothing moves a device out of `failed`;
// - a device's `failed` after `received` (delivered) is a loudspeaker that got the command
//   and could not play it (amplifier fault), so it fails; a person's late failure after a
//   delivery receipt is noise.
// The same table is installed in Postgres as delivery_can_move() (src/db/sql), which every
// statement that writes a delivery's status checks.
import type { DeliveryStatus } from "../domain/vocabulary.js";

export type TargetKind = "person" | "device";

type Table = Record<DeliveryStatus, readonly DeliveryStatus[]>;

const COMMON = {
  // Claimed to send; failed at planning (no address) or by a revoke; the warning ended first;
  // confirmed another way before it went out (by phone to the duty officer, 叫应).
  queued: ["sending", "sent", "acknowledged", "failed", "expired"],
  // Back to the queue (retry, lease recovery); handed over; answered at once; ended.
  sending: ["queued", "sent", "delivered", "acknowledged", "failed", "expired"],
  sent: ["delivered", "acknowledged", "failed"],
  acknowledged: [],
  expired: [],
} as const satisfies Partial<Table>;

export const TRANSITIONS: Record<TargetKind, Table> = {
  person: { ...COMMON, delivered: ["acknowledged"], failed: ["delivered", "acknowledged"] },
  device: { ...COMMON, delivered: ["acknowledged", "failed"], failed: [] },
};

export function canMove(kind: TargetKind, from: DeliveryStatus, to: DeliveryStatus): boolean {
  return TRANSITIONS[kind][from].includes(to);
}
