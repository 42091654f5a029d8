import { drizzle, type PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import * as schema from "./schema/index.js";
import { pipelinedTransaction } from "./transaction.js";

export type Schema = typeof schema;
/** The database or a transaction: every query function takes this first. */
export type Db = PgDatabase<PostgresJsQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** Startup settings of every pool the service queries through (postgres.js `connection`).
 * Statements are prepared (below), and a prepared statement may switch to a generic plan
 * after five runs; the ledger's queries were tuned on plans made for their parameters
 * (a warning's lanes, a new warning's villages the statistics do not know yet), so every
 * execution keeps a plan of its own, as an unprepared statement has. */
export const CONNECTION = { plan_cache_mode: "force_custom_plan" } as const;

/** `prepare: false` keeps drizzle's unprepared statements (the Workers entry: Hyperdrive's
 * pooling of prepared statements was not tried here); transactions send BEGIN with their
 * first statement either way. */
export function createDb(client: Sql, o: { prepare?: boolean } = {}): Db {
  return drizzle(tuned(client, o.prepare !== false), { schema });
}

/**
 * The client drizzle is given. With `prepare`, its queries run as prepared statements,
 * cached per connection: drizzle asks postgres.js for unprepared ones, and postgres.js then
 * describes every statement with parameters before running it: two round trips a query
 * (measured: 264-331 µs against 126-149 µs prepared, idle loopback), and twice the waits for
 * a CPU when an approve or a cancel runs during a fan-out. Its transactions send BEGIN with
 * their first statement (transaction.ts); they and their savepoints get the same client.
 */
function tuned(client: Sql, prepare: boolean): Sql {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "unsafe" && prepare) {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (prop === "begin") {
        return (...args: unknown[]) => {
          const body = args.at(-1) as (tx: Sql) => unknown;
          const options = args.length > 1 ? String(args[0]) : "";
          return pipelinedTransaction(target, options, (tx) => body(tuned(tx, prepare)));
        };
      }
      if (prop === "savepoint") {
        const open = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          const body = args.at(-1) as (tx: Sql) => unknown;
          return open.call(target, ...args.slice(0, -1), (tx: Sql) => body(tuned(tx, prepare)));
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export { schema };
