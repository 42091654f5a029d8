// A dispatcher process for bench/dispatch: one DispatchRunner (2 loops, a no-op SMS channel
// without pacing) over the bench database, started on "go" and stopped on "stop" (or when
// the parent goes away), so the parent times only the drain.
import postgres from "postgres";
import { createDb } from "../src/db/client.js";
import { DispatchRunner } from "../src/dispatch/runner.js";
import { silentLogger } from "../src/lib/log.js";
import { benchRenderer, noopSms } from "./lib.js";

const url = process.env.BENCH_DATABASE_URL;
if (!url || !process.send) throw new Error("run by bench/dispatch.ts");
const client = postgres(url, { max: 4, onnotice: () => {} });
const runner = new DispatchRunner({
  db: createDb(client),
  sql: client,
  channels: [noopSms(Infinity)],
  renderer: benchRenderer,
  log: silentLogger,
  loopsPerChannel: 2,
  pollMs: 20,
  options: { batchSize: 1000 },
});
const stop = async () => {
  await runner.stop();
  await client.end({ timeout: 5 });
  process.exit(0);
};
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "go") void runner.start().then(() => process.send!({ started: true }));
  if (m.cmd === "stop") void stop();
});
process.on("disconnect", () => void stop());
await client`select 1`;
process.send({ ready: true });
