// A transaction whose BEGIN travels with its first statement. postgres.js's own begin()
// waits for BEGIN's answer before it runs the body: one round trip of every transaction
// that carries nothing, and during a fan-out each round trip of a staff request waits for
// a CPU (a city's cancel, taken while the city sends, was 7 of them). Here the body's
// statements are queued behind BEGIN on a reserved connection, and postgres.js pipelines
// them: the server runs them in order, so they are inside the transaction all the same.
import type { Sql } from "postgres";

/** Raised when COMMIT rolled back instead: a statement of the body failed without the body
 * failing (a query it did not wait for). Never reported as committed. */
export class TransactionRolledBack extends Error {
  constructor() {
    super("the transaction was rolled back at commit: one of its statements had failed");
  }
}

export async function pipelinedTransaction<T>(
  client: Sql,
  options: string,
  body: (tx: Sql) => T | Promise<T>,
): Promise<T> {
  const c = await client.reserve();
  // The connection, as postgres.js hands it to BEGIN: its loss (a terminated backend, a
  // restarted server) settles nothing the body waits for, so it is raced here, as
  // postgres.js's own begin() does, and a lost connection is not given back to the pool
  // (postgres.js has moved it to its closed ones, to reconnect).
  let lost = false;
  let forget = () => {};
  let begin!: Promise<unknown>;
  const closed = new Promise<never>((_, reject) => {
    const onexecute = (conn: { onclose: ((e?: unknown) => void) | null }) => {
      conn.onclose = (e) => {
        lost = true;
        reject(e ?? new Error("the database connection closed during the transaction"));
      };
      forget = () => {
        conn.onclose = null;
      };
      return true; // keep pipelining: a false answer queues the body behind BEGIN's reply
    };
    // Sent first (the body starts a turn later), so answered before any of the body's
    // statements: a connection answers in order. If it fails they fail with it, and its
    // error is the one reported.
    begin = c.unsafe(`begin ${options.replace(/[^a-z ]/gi, "")}`, [], { onexecute } as never).execute();
  });
  closed.catch(() => {});
  try {
    // The body is waited for either way: the connection is not given back while it may
    // still use it.
    const [began, ran] = await Promise.race([
      Promise.allSettled([begin, Promise.resolve().then(() => body(withSavepoints(c)))]),
      closed,
    ]);
    if (began.status === "rejected" || ran.status === "rejected") {
      const error = began.status === "rejected" ? began.reason : (ran as PromiseRejectedResult).reason;
      // A statement that failed because the connection went: nothing to roll back on it,
      // and it must not go back to the pool (postgres.js reconnects it when it closes).
      if (connectionGone(error)) lost = true;
      else await Promise.race([c.unsafe("rollback"), closed]).catch(() => {});
      throw error;
    }
    const commit = await Promise.race([c.unsafe("commit"), closed]);
    if (commit.command === "ROLLBACK") throw new TransactionRolledBack();
    return ran.value;
  } finally {
    if (!lost) {
      forget();
      c.release();
    }
  }
}

/** postgres.js's codes for a connection that is gone, and the server's for a session it
 * ended (terminated, shutting down, crashed). */
const GONE = new Set([
  "ECONNRESET",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
]);

function connectionGone(e: unknown): boolean {
  for (let x = e as { code?: unknown; cause?: unknown } | undefined, i = 0; x && i < 3; i++) {
    if (typeof x.code === "string" && GONE.has(x.code)) return true;
    x = x.cause as typeof x;
  }
  return false;
}

/** The reserved connection as a transaction: savepoints for nested transactions (drizzle's
 * tx.transaction), each rolled back alone when its body fails. */
function withSavepoints(c: Sql, depth = 0): Sql {
  let n = 0;
  return new Proxy(c, {
    get(target, prop) {
      if (prop === "savepoint") {
        return async (...args: unknown[]) => {
          const body = args.at(-1) as (tx: Sql) => unknown;
          const name = `s${depth}_${n++}`;
          await target.unsafe(`savepoint ${name}`);
          try {
            const r = await body(withSavepoints(target, depth + 1));
            await target.unsafe(`release savepoint ${name}`);
            return r;
          } catch (e) {
            await target.unsafe(`rollback to savepoint ${name}`).catch(() => {});
            throw e;
          }
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
