// Dispatcher loops: each claims a batch of one channel's deliveries, sends them at the
// channel's pace, and records every outcome in one statement. Any number of loops in any
// number of processes share the work through Postgres (SKIP LOCKED + leases).
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import type { Channel, OutboundMessage, Receipt, Target } from "../../channels/contract.js";
import { ChannelError } from "../../channels/contract.js";
import type { ChannelKind, Language } from "../domain/vocabulary.js";
import type { Logger } from "../lib/log.js";
import { errorFields } from "../lib/log.js";
import {
  batchWarnings,
  claimBatch,
  type LaneHint,
  recordOutcomes,
  renewLeases,
  type ClaimedDelivery,
  type Outcome,
} from "../deliveries/claims.js";
import { applyWaitingReports } from "../deliveries/reports.js";
import { backoffMs } from "./backoff.js";
import type { MessageRenderer, Rendered } from "./render.js";
import type { Pacer } from "./pacer.js";
import type { OpenRows } from "./open-rows.js";

export interface DispatchOptions {
  batchSize: number;
  /** Short, and renewed every third of it while the batch runs: a dead sender's rows
   * return to the queue within seconds, a live one's never do. */
  leaseMs: number;
  /** A send taking longer is asked to stop (AbortSignal). It is never abandoned: its
   * answer, however late, is what gets recorded, so one delivery never has two sends. */
  sendTimeoutMs: number;
  /** Outcomes are written at least this often, so provider ids reach the database about
   * as soon as they come back (a crash then re-sends only the last moment's messages). */
  flushMs: number;
  /** Transient errors retry for as long as the warning is in force (DESIGN §5). */
  backoff: { baseMs: number; capMs: number };
}

export const defaultDispatchOptions: DispatchOptions = {
  batchSize: 500,
  leaseMs: 10_000,
  sendTimeoutMs: 20_000,
  flushMs: 100,
  backoff: { baseMs: 2_000, capMs: 60_000 },
};

export interface LoopDeps {
  db: Db;
  channel: Channel;
  bucket: Pacer;
  renderer: MessageRenderer;
  owner: string;
  now: () => Date;
  log: Logger;
  options: DispatchOptions;
  /** This loop's lane between batches (claims.ts); none: every claim looks afresh. */
  laneHint?: LaneHint;
  /** This loop's next claim size (newRamp); none: always the full batch. */
  ramp?: Ramp;
  /** The loop's rows claimed and not yet answered (runner.ts claims again at low water). */
  open?: OpenRows;
}

/** The first claim after the queue was found empty takes FIRST_CLAIM rows, and each claim
 * that comes back full four times more, up to the batch size: the first message of a city
 * goes out after a 20-row claim, not after a 500-row UPDATE and its counters, and a steady
 * drain still claims full batches from its third claim on. */
export interface Ramp {
  limit: number;
}
const FIRST_CLAIM = 20;
export const newRamp = (): Ramp => ({ limit: FIRST_CLAIM });

/** Sends with a deadline the channel can act on (abort its request); waits for the real
 * answer either way. A channel that cannot abort still bounds its own transport. */
async function sendWithDeadline(d: LoopDeps, msg: OutboundMessage, target: Target): Promise<Receipt> {
  const controller = new AbortController();
  const ms = d.options.sendTimeoutMs;
  const t = setTimeout(() => controller.abort(new ChannelError(`no answer within ${ms} ms`, "timeout", true)), ms);
  try {
    return await d.channel.send(msg, target, { signal: controller.signal });
  } finally {
    clearTimeout(t);
  }
}

/** Runs `tasks` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/** One claim → send → record cycle for one channel. Returns how many rows it claimed, once
 * every outcome is recorded; `onClaimed` hears the count as soon as the claim returns. */
export async function dispatchOnce(d: LoopDeps, o: { onClaimed?: (n: number) => void } = {}): Promise<number> {
  const kind = d.channel.kind;
  // Hold no more than ~5 s of paced work, so leases stay short and priorities fresh.
  const full = Math.max(1, Math.min(d.options.batchSize, Math.ceil(d.channel.pace.ratePerSecond * 5)));
  const limit = d.ramp ? Math.min(full, d.ramp.limit) : full;
  const claimed = await claimBatch(d.db, {
    channel: kind,
    limit,
    owner: d.owner,
    now: d.now(),
    leaseMs: d.options.leaseMs,
    ...(d.laneHint ? { hint: d.laneHint } : {}),
  });
  if (d.ramp) {
    if (claimed.length === 0) d.ramp.limit = FIRST_CLAIM;
    else if (claimed.length === limit) d.ramp.limit = Math.min(full, limit * 4);
  }
  o.onClaimed?.(claimed.length);
  if (claimed.length === 0) return 0;
  // Every claimed row leaves `open` exactly once: answered, expired unsent, or (an error
  // before its send) with the rest at the end.
  let unanswered = claimed.length;
  const answered = (k = 1) => {
    unanswered -= k;
    d.open?.done(k);
  };
  d.open?.add(claimed.length);
  try {
    return await sendBatch(d, claimed, answered);
  } finally {
    if (unanswered > 0) answered(unanswered);
  }
}

async function sendBatch(d: LoopDeps, claimed: ClaimedDelivery[], answered: (k?: number) => void): Promise<number> {
  const kind = d.channel.kind;
  const lane = claimed[0]!.lane;

  const states = await batchWarnings(d.db, [...new Set(claimed.map((c) => c.warningId))]);
  const outcomes: Outcome[] = [];
  const sendable: ClaimedDelivery[] = [];
  const now = d.now();
  for (const c of claimed) {
    const w = states.get(c.warningId);
    if (!w || w.status !== "issued" || w.expires <= now) outcomes.push({ id: c.id, kind: "expired" });
    else sendable.push(c);
  }
  answered(claimed.length - sendable.length);

  const texts = new Map<string, Promise<{ w: Warning; r: Rendered }>>();
  const message = (c: ClaimedDelivery) => {
    // Warning text is the same for everyone of a language; a 叫应 message names its village.
    const esc = c.escalationStep === null ? undefined : { step: c.escalationStep, villageCode: c.villageCode };
    const key = esc ? `${c.warningId}:${c.language}:${esc.step}:${esc.villageCode}` : `${c.warningId}:${c.language}`;
    let m = texts.get(key);
    if (!m) {
      const w = states.get(c.warningId)!;
      m = Promise.resolve(d.renderer.render(w, kind, c.language as Language, esc)).then((r) => ({ w, r }));
      texts.set(key, m);
    }
    return m;
  };

  // Outcomes are recorded as they come back (every flushMs), not once per batch: a
  // provider id written late is a message re-sent after a crash, and sent_at and the
  // live board should say when each message actually went.
  let recorded: Promise<void> = Promise.resolve();
  const flush = () => {
    const chunk = outcomes.splice(0, outcomes.length);
    recorded = recorded.then(async () => {
      if (chunk.length === 0) return;
      await recordOutcomes(d.db, d.owner, d.now(), chunk, lane);
      await applyWaitingReports(
        d.db,
        chunk.flatMap((o) => ("providerId" in o ? [o.providerId] : [])),
      );
    });
    return recorded;
  };
  // A failed chunk surfaces at the final flush below (the chain stays rejected).
  const flusher = setInterval(() => flush().catch(() => {}), d.options.flushMs);
  const inFlight = new Set(sendable.map((c) => c.id));
  // One renewal at a time: on a slow database they would otherwise pile up on the pool.
  let renewing = false;
  const renewer = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      renewLeases(d.db, {
        owner: d.owner,
        ids: [...inFlight],
        lane,
        now: d.now(),
        leaseMs: d.options.leaseMs,
      })
        .catch((e) => d.log.error("lease renewal failed", { channel: kind, ...errorFields(e) }))
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(50, Math.floor(d.options.leaseMs / 3)),
  );

  try {
    await pool(sendable, d.channel.pace.concurrency, async (c) => {
      try {
        const { w, r } = await message(c);
        await d.bucket.take();
        const msg: OutboundMessage = {
          deliveryId: c.id,
          warningId: c.warningId,
          msgType: w.msgType,
          level: w.level,
          expires: w.expires,
          language: r.language,
          text: r.text,
          subject: r.subject,
          html: r.html,
        };
        const target = {
          recipientId: c.recipientId,
          deviceId: c.deviceId,
          address: c.address,
          villageCode: c.villageCode,
        };
        const receipt = await sendWithDeadline(d, msg, target);
        outcomes.push({ id: c.id, kind: receipt.status, providerId: receipt.providerId, renderedLanguage: r.language });
      } catch (e) {
        outcomes.push(failure(c, e, d));
      } finally {
        inFlight.delete(c.id);
        answered();
      }
    });
  } finally {
    clearInterval(flusher);
    clearInterval(renewer);
  }
  await flush();
  return claimed.length;
}

function failure(c: ClaimedDelivery, e: unknown, d: LoopDeps): Outcome {
  const err =
    e instanceof ChannelError ? e : new ChannelError(e instanceof Error ? e.message : String(e), "internal", true);
  if (err.code === "internal")
    d.log.error("channel threw an untyped error", { channel: d.channel.kind, delivery: c.id, ...errorFields(e) });
  if (!err.retryable) return { id: c.id, kind: "failed", code: err.code, error: err.message };
  // No attempt limit: a provider outage of minutes must not turn into failed deliveries.
  // The warning's end (expiry, cancel, update) stops the tries; the claim expires them.
  const wait = Math.max(err.retryAfterMs ?? 0, backoffMs(c.attempts, d.options.backoff));
  return {
    id: c.id,
    kind: "retry",
    code: err.code,
    error: err.message,
    nextAttemptAt: new Date(d.now().getTime() + wait),
  };
}

export type { ChannelKind };
