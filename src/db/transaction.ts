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
  try {
    // Sent first (the body starts a turn later), so answered before any of the body's
    // statements: a connection answers in order. If it fails they fail with it, and its
    // error is the one reported. The body is waited for either way: the connection is not
    // given back while it may still use it.
    const begin = c.unsafe(`begin ${options.replace(/[^a-z ]/gi, "")}`).execute();
    const [began, ran] = await Promise.allSettled([begin, Promise.resolve().then(() => body(withSavepoints(c)))]);
    if (began.status === "rejected" || ran.status === "rejected") {
      await c.unsafe("rollback").catch(() => {});
      throw began.status === "rejected" ? began.reason : (ran as PromiseRejectedResult).reason;
    }
    const commit = await c.unsafe("commit");
    if ((commit as unknown as { command?: string }).command === "ROLLBACK") throw new TransactionRolledBack();
    return ran.value;
  } finally {
    c.release();
  }
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
