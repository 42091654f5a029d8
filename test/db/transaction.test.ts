// Transactions whose BEGIN travels with their first statement (src/db/transaction.ts): the
// body's statements are inside the transaction from the first one, a failing body leaves
// nothing behind, a failing savepoint only its own part, and a transaction that Postgres
// rolled back at COMMIT is never reported as committed.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { TransactionRolledBack } from "../../src/db/transaction.js";

const ctx = useContext();

const rows = async () =>
  (await ctx().tdb.db.execute<{ n: number }>(sql`select n from tx_probe order by n`)).map((r) => r.n);

beforeAll(async () => {
  await ctx().tdb.db.execute(sql`create table tx_probe (n int primary key)`);
});

describe("transactions", () => {
  it("a body that fails leaves nothing, its first statement included, and its own error is thrown", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    const failed = db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (1)`);
      await tx.execute(sql`insert into tx_probe values (2)`);
      throw new Error("refused");
    });
    await expect(failed).rejects.toThrow("refused");
    expect(await rows()).toEqual([]);
    // A statement that fails: its error, and again nothing.
    const conflict = db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (3)`);
      await tx.execute(sql`insert into tx_probe values (3)`);
    });
    await expect(conflict).rejects.toMatchObject({ cause: { code: "23505" } });
    expect(await rows()).toEqual([]);
  });

  it("commits what the body wrote, and returns what it returned", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    const r = await db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (1), (2)`);
      const [seen] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from tx_probe`);
      return seen!.n;
    });
    expect(r).toBe(2);
    expect(await rows()).toEqual([1, 2]);
  });

  it("its first statement sees the transaction's snapshot, not a later one", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    // Repeatable read: the snapshot is taken by the first statement, so a row committed by
    // another session after it is not seen by the second. Were the first statement run
    // outside the transaction, the second would take the snapshot and see it.
    const seen = await db.transaction(async (tx) => {
      await tx.execute(sql`set transaction isolation level repeatable read`);
      await tx.execute(sql`select count(*) from tx_probe`);
      await ctx().tdb.sql`insert into tx_probe values (7)`;
      const [r] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from tx_probe`);
      return r!.n;
    });
    expect(seen).toBe(0);
    expect(await rows()).toEqual([7]);
  });

  it("a savepoint that fails is rolled back alone", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (1)`);
      await expect(
        tx.transaction(async (sp) => {
          await sp.execute(sql`insert into tx_probe values (2)`);
          throw new Error("inner");
        }),
      ).rejects.toThrow("inner");
      await tx.transaction(async (sp) => {
        await sp.execute(sql`insert into tx_probe values (3)`);
      });
    });
    expect(await rows()).toEqual([1, 3]);
  });

  it("a statement that failed unobserved makes the commit throw, never report success", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    const quiet = db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (1)`);
      await tx.execute(sql`select 1 / 0`).catch(() => {});
      return "done";
    });
    await expect(quiet).rejects.toBeInstanceOf(TransactionRolledBack);
    expect(await rows()).toEqual([]);
  });

  it("a connection lost mid-transaction fails it, and the pool goes on without it", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    let pid = 0;
    const lost = db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (1)`);
      const [me] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
      pid = me!.pid;
      await tx.execute(sql`select pg_sleep(60)`);
    });
    lost.catch(() => {});
    // Its session ended while a statement runs, as a restarted server would end it (the
    // statement is on the wire before the session goes, so no write races the close).
    const sleeping = async () =>
      pid > 0 &&
      (await ctx().tdb.sql`select 1 from pg_stat_activity where pid = ${pid} and wait_event = 'PgSleep'`).length > 0;
    for (let i = 0; i < 400 && !(await sleeping()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await sleeping()).toBe(true);
    await ctx().tdb.sql`select pg_terminate_backend(${pid})`;
    await expect(lost).rejects.toBeTruthy();
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into tx_probe values (2)`);
    });
    expect(await rows()).toEqual([2]);
  });

  it("transactions at the same time each have a connection of their own", async () => {
    const db = ctx().tdb.db;
    await db.execute(sql`truncate tx_probe`);
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into tx_probe values (${n})`);
          await tx.execute(sql`select pg_sleep(0)`);
        }),
      ),
    );
    expect(await rows()).toEqual([1, 2, 3, 4]);
  });
});
