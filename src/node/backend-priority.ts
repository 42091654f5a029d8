// The database sessions of a pool at its thread's CPU priority, when the database is the
// embedded one on this machine. Niceness of the dispatch thread alone left its Postgres
// backends at the staff requests' priority: in a city-wide fan-out a cancel's statements
// still queued behind the claims and records of the sending loops (34 ms against 16 ms
// idle in one run through the public API). With its backends niced too, bulk sending
// yields the CPU to the duty officer's requests in the database as well.
import { readFile } from "node:fs/promises";
import { setPriority } from "node:os";
import type { Sql } from "postgres";
import { connect } from "../runtime.js";
import { errorFields, type Logger } from "../lib/log.js";

/** Renices the client backends named `application` to `nice`; returns how many. Only
 * processes of this machine that are Postgres's own: a server elsewhere reports pids that
 * would name some unrelated local process. Not Linux, or not permitted: none. */
export async function niceBackends(sql: Sql, application: string, nice: number): Promise<number> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where application_name = ${application} and backend_type = 'client backend'`;
  let done = 0;
  for (const { pid } of rows) {
    try {
      if ((await readFile(`/proc/${pid}/comm`, "utf8")).trim() !== "postgres") continue;
      setPriority(pid, nice);
      done++;
    } catch {
      // Gone since the read, not Linux, or not ours to renice: it keeps its priority.
    }
  }
  return done;
}

/** Keeps a pool's backends niced as the pool opens new ones: now and every `everyMs`. */
export function keepBackendsNiced(
  sql: Sql,
  application: string,
  nice: number,
  onError: (e: unknown) => void,
  everyMs = 5_000,
): { stop(): void } {
  const run = () => void niceBackends(sql, application, nice).catch(onError);
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** A pool named `application` whose sessions run at `nice` when `niced` (the embedded
 * database on this machine); `close()` stops the renicing and ends the pool. */
export function nicedPool(o: {
  url: string;
  max: number;
  application: string;
  nice: number;
  niced: boolean;
  log: Logger;
}): { sql: Sql; close(): Promise<void> } {
  const sql = connect(o.url, o.max, o.application);
  const renice = o.niced
    ? keepBackendsNiced(sql, o.application, o.nice, (e) => o.log.warn("renice failed", errorFields(e)))
    : null;
  return {
    sql,
    async close() {
      renice?.stop();
      await sql.end({ timeout: 5 }).catch((e) => o.log.error("close failed", errorFields(e)));
    },
  };
}
