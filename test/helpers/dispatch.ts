// One dispatcher cycle for a test: the real engine and the real template renderer,
// with the test's clock and no pacing.
import type { Channel } from "../../channels/contract.js";
import {
  defaultDispatchOptions,
  dispatchOnce,
  type DispatchOptions,
  type LoopDeps,
} from "../../src/dispatch/dispatcher.js";
import { unpaced } from "../../src/dispatch/pacer.js";
import { rendererFor } from "../../src/templates/default.js";
import { silentLogger } from "../../src/lib/log.js";
import type { TestContext } from "./context.js";
import postgres from "postgres";
import { DispatchRunner } from "../../src/dispatch/runner.js";
import { CONNECTION, createDb } from "../../src/db/client.js";
import { LoopbackChannel, plainRenderer } from "./loopback-channel.js";
import type { Db } from "../../src/db/client.js";
import { markDeviceCommandsSent, queuedDeviceCommands } from "../../src/deliveries/device-commands.js";

const loopOf = (c: TestContext, channel: Channel, options: Partial<DispatchOptions>): LoopDeps => ({
  db: c.tdb.db,
  channel,
  bucket: unpaced,
  renderer: rendererFor(c.services),
  owner: "test",
  now: () => c.clock.now,
  log: silentLogger,
  options: { ...defaultDispatchOptions, ...options },
});

export function dispatchWith(
  c: TestContext,
  channel: Channel,
  options: Partial<DispatchOptions> = {},
): Promise<number> {
  return dispatchOnce(loopOf(c, channel, options));
}

/** Dispatcher cycles until nothing due is left (at most 1,000): a batch is one lane and
 * one class (deliveries/claims.ts), and a county's public is written by its walk as it is
 * claimed, so a test's rows may take more than one. Returns how many were claimed. */
export async function drain(deps: LoopDeps): Promise<number> {
  let n = 0;
  for (let i = 0, got = await dispatchOnce(deps); got > 0 && i < 1_000; i++, got = await dispatchOnce(deps)) n += got;
  return n;
}

export function drainWith(c: TestContext, channel: Channel, options: Partial<DispatchOptions> = {}) {
  return drain(loopOf(c, channel, options));
}

/** Sends whatever is due on the person channels through loopback channels: a warning's
 * public has rows once its county's walk writes them (src/deliveries/walks.ts), which it
 * does as they are claimed. */
export async function sendAll(c: TestContext, kinds: ("sms" | "email")[] = ["sms", "email"]) {
  for (const kind of kinds) await drainWith(c, new LoopbackChannel(kind));
}

/** What the hub records when it has pushed a warning's queued loudspeaker and display
 * commands to devices connected to it (src/hub/delivery.ts): the same read and record,
 * without the sockets. The dispatcher never claims device commands. Returns them. */
export async function pushDeviceCommands(db: Db, warningId: string, now: Date) {
  const rows = await queuedDeviceCommands(db, { warnings: [warningId] }, now);
  await markDeviceCommandsSent(
    db,
    rows.map((r) => ({ id: r.id, language: r.language })),
    now,
  );
  return rows;
}

/** A started DispatchRunner on a connection pool of its own (its LISTEN and its loops are
 * the only users), as a dispatcher process would run: the loopback renderer, the test's
 * clock. `stop()` stops the runner, then closes its pool. */
export async function startRunner(
  c: TestContext,
  channels: Channel[],
  over: Partial<ConstructorParameters<typeof DispatchRunner>[0]> = {},
): Promise<{ runner: DispatchRunner; stop(): Promise<void> }> {
  const client = postgres(c.tdb.url, { max: 4, onnotice: () => {}, connection: CONNECTION });
  const runner = new DispatchRunner({
    db: createDb(client),
    sql: client,
    channels,
    renderer: plainRenderer,
    log: silentLogger,
    now: () => c.clock.now,
    ...over,
  });
  try {
    await runner.start();
  } catch (e) {
    await client.end();
    throw e;
  }
  return {
    runner,
    async stop() {
      await runner.stop();
      await client.end();
    },
  };
}
