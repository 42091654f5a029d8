// The pool provider receipts are written through. Receipts (Twilio's status callbacks, one
// per message and state, at the sending rate) are bulk work: a pool of their own, its
// sessions at the dispatcher's priority on the embedded default, so a storm of receipts
// yields the database's CPU to the duty officer's statements (a staff read during a 200k
// fan-out with receipts: 52 ms with the receipts at the requests' priority, 2-24 ms after).
// Its statements are the coalescer's (at most two at once) and the recheck of a parked
// report. The HTTP thread has one (webhooks on PORT); so has the webhook listener's thread.
import type { Logger } from "../lib/log.js";
import { nicedPool } from "./backend-priority.js";

export const RECEIPTS_APPLICATION = "warncast-receipts";
const RECEIPTS_POOL_SIZE = 3;

export const receiptsPool = (o: { url: string; nice: number; niced: boolean; log: Logger }) =>
  nicedPool({ ...o, max: RECEIPTS_POOL_SIZE, application: RECEIPTS_APPLICATION });
