// One dispatcher cycle for a test: the real engine and the real template renderer,
// with the test's clock and no pacing.
import type { Channel } from "../../channels/contract.js";
import { defaultDispatchOptions, dispatchOnce, type DispatchOptions } from "../../src/dispatch/dispatcher.js";
import { unpaced } from "../../src/dispatch/pacer.js";
import { rendererFor } from "../../src/templates/default.js";
import { silentLogger } from "../../src/lib/log.js";
import type { TestContext } from "./context.js";

export function dispatchWith(
  c: TestContext,
  channel: Channel,
  options: Partial<DispatchOptions> = {},
): Promise<number> {
  return dispatchOnce({
    db: c.tdb.db,
    channel,
    bucket: unpaced,
    renderer: rendererFor(c.services),
    owner: "test",
    now: () => c.clock.now,
    log: silentLogger,
    options: { ...defaultDispatchOptions, ...options },
  });
}

/** Dispatcher cycles until nothing due is left: a batch is one lane and one class
 * (deliveries/claims.ts), so a test's rows may take more than one. */
export async function drainWith(c: TestContext, channel: Channel, options: Partial<DispatchOptions> = {}) {
  let n = 0;
  for (let got = await dispatchWith(c, channel, options); got > 0; got = await dispatchWith(c, channel, options))
    n += got;
  return n;
}
