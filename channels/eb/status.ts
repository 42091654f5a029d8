// BrdStateCode (GD/J 083) onto delivery states. Only 3 (播发成功) means the broadcast
// played: that is `acknowledged`, as a loudspeaker's `played`. 1 (waiting for its start
// time) and 2 (broadcasting) mean the platform holds it: `delivered`, still in progress.
import type { StatusReport } from "../contract.js";

export const BRD_STATE = {
  notProcessed: 0,
  waiting: 1,
  broadcasting: 2,
  succeeded: 3,
  failed: 4,
  cancelled: 5,
} as const;
export const isFinalBrdState = (code: number) => code >= BRD_STATE.succeeded;

export function statusOfBrdState(
  code: number,
  desc: string,
): Pick<StatusReport, "status" | "errorCode" | "error"> | null {
  switch (code) {
    case BRD_STATE.waiting:
    case BRD_STATE.broadcasting:
      return { status: "delivered" };
    case BRD_STATE.succeeded:
      return { status: "acknowledged" };
    case BRD_STATE.failed:
      return {
        status: "failed",
        errorCode: "eb_broadcast_failed",
        error: desc || "the platform reports the broadcast failed",
      };
    case BRD_STATE.cancelled:
      return {
        status: "failed",
        errorCode: "eb_broadcast_cancelled",
        error: desc || "the platform reports the broadcast cancelled",
      };
    default:
      return null;
  }
}
