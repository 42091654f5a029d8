import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { whileAnotherWriteHolds } from "../helpers/locks.js";

const ctx = useContext();
const V1 = "150402001001"; // 一西街社区居委会, 红山区
const V2 = "150404100201";
const csv = (rows: string[]) => ["name,phone,email,area_code,audiences,language,role", ...rows].join("\n");
/** A CSV import as the issuer (or `key`): all or nothing, or `partial`. */
const importCsv = (c: TestContext, body: string, o: { partial?: boolean; key?: string } = {}) =>
  c.request("POST", `/api/v1/recipients/import${o.partial ? "?partial=true" : ""}`, {
    key: o.key ?? c.users.issuer.key,
    body,
    headers: { "content-type": "text/csv" },
  });

describe("recipients", () => {
  it("creates one with the phone normalised to E.164 and lists it by area", async () => {
    const c = ctx();
    const r = await c.request("POST", "/api/v1/recipients", {
      key: c.users.issuer.key,
      json: { name: "张三", phone: "138 0047 6001", areaCode: V1, audiences: ["info_officer"], role: "primary" },
    });
    expect(r.status).toBe(201);
    const p = await json(r);
    expect(p).toMatchObject({ phone: "+8613800476001", villageCode: V1, language: "zh", role: "primary" });
    const list = await json(await c.request("GET", "/api/v1/recipients?area=150402000000&audience=info_officer"));
    expect(list.items.map((x: { id: number }) => x.id)).toContain(p.id);
    const dup = await c.request("POST", "/api/v1/recipients", {
      key: c.users.issuer.key,
      json: { name: "张三", phone: "+86 13800476001", areaCode: V1 },
    });
    expect(dup.status).toBe(409);
  });

  it.each([
    [{ name: "x", phone: "12345", areaCode: V1 }, "phone"],
    [{ name: "x", phone: "13800476002", areaCode: "150402001000" }, "areaCode"], // a township
    [{ name: "x", phone: "13800476003", areaCode: "150402001999" }, "areaCode"],
    [{ name: "x", email: "not-an-email", areaCode: V1 }, "email"],
    [{ name: "", areaCode: V1 }, "name"],
    [{ name: "x", areaCode: V1, language: "fr" }, "language"],
    [{ name: "x", areaCode: V1, role: "primary" }, "role"], // a role needs a responsible post
  ])("refuses %j with a field error on %s", async (body, field) => {
    const c = ctx();
    const r = await c.request("POST", "/api/v1/recipients", { key: c.users.issuer.key, json: body });
    expect(r.status).toBe(422);
    const p = await json(r);
    expect(p.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it("CSV import: all or nothing by default, every bad row reported with its line", async () => {
    const c = ctx();
    const body = csv([
      `李四,13900476001,,${V1},public,zh,`,
      `王五,bad-phone,,${V1},public,zh,`,
      `赵六,13900476003,,150402001000,public,zh,`,
      `"孙,七",13900476004,sun7@example.cn,${V1},info_officer;grid_worker,mn,backup`,
      `周八,13900476001,,${V1},public,zh,`,
    ]);
    const r = await importCsv(c, body);
    expect(r.status).toBe(422);
    const p = await json(r);
    expect(p.rowErrors).toEqual([
      expect.objectContaining({ line: 3, field: "phone" }),
      expect.objectContaining({ line: 4, field: "areaCode" }),
      expect.objectContaining({ line: 6, reason: expect.stringContaining("line 2") }),
    ]);
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from recipients where phone like '+86139004760%'`,
    );
    expect(n!.n).toBe(0);

    const partial = await importCsv(c, body, { partial: true });
    expect(partial.status).toBe(200);
    expect(await json(partial)).toMatchObject({ rows: 5, imported: 2, rejected: 3, duplicates: 0 });

    // Importing the same file again imports nothing twice.
    const again = await json(await importCsv(c, body, { partial: true }));
    expect(again).toMatchObject({ imported: 0, duplicates: 2 });
    const sun = await json(await c.request("GET", `/api/v1/recipients?area=${V1}&audience=grid_worker`));
    expect(sun.items[0]).toMatchObject({
      name: "孙,七",
      language: "mn",
      role: "backup",
      audiences: ["info_officer", "grid_worker"],
      email: "sun7@example.cn",
    });
  });

  it("CSV import reads a roster as Excel gives it: Chinese headers, posts, A/B and languages by their Chinese names, any separator", async () => {
    const c = ctx();
    const body = [
      "姓名,手机号码,电子邮箱,区划代码,发布对象,语言,AB角",
      `钱一,13900476301,,${V1},信息员、网格员,蒙古文,A角`,
      `吴二,13900476302,wu2@example.cn,${V1},"public, village_cadre",,B`,
      `郑三,13900476303,,${V1},社会公众；嘎查村干部,中文,`,
      `冯四,13900476304,,${V1},网格员、园丁,,`,
    ].join("\n");
    const r = await importCsv(c, body, { partial: true });
    expect(r.status).toBe(200);
    const p = await json(r);
    // An audience that is none of ours is still refused, with its line.
    expect(p).toMatchObject({ imported: 3, rejected: 1 });
    expect(p.errors).toEqual([expect.objectContaining({ line: 5, field: expect.stringContaining("audiences") })]);
    const people = await c.tdb.db.execute<{
      name: string;
      audiences: string[];
      language: string;
      role: string | null;
      email: string | null;
    }>(
      sql`select name, audiences, language, role, email from recipients where phone like '+86139004763%' order by phone`,
    );
    expect(people).toEqual([
      { name: "钱一", audiences: ["info_officer", "grid_worker"], language: "mn", role: "primary", email: null },
      { name: "吴二", audiences: ["public", "village_cadre"], language: "zh", role: "backup", email: "wu2@example.cn" },
      { name: "郑三", audiences: ["public", "village_cadre"], language: "zh", role: null, email: null },
    ]);
  });

  it("CSV import names the columns it did not read, and reads the usual other names of ours", async () => {
    const c = ctx();
    const r = await importCsv(c, `Name,Mobile,Village_Code,备注\n褚五,13900476401,${V1},新户\n`);
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ imported: 1, ignoredColumns: ["备注"] });
    const [p] = await c.tdb.db.execute<{ phone: string; village_code: string }>(
      sql`select phone, village_code from recipients where name = '褚五'`,
    );
    expect(p).toEqual({ phone: "+8613900476401", village_code: V1 });
    // Two columns read as one field: refused, naming it, nothing written.
    const twice = await importCsv(c, `name,phone,mobile,area_code\n卫六,,13900476402,${V1}\n`);
    expect(twice.status).toBe(422);
    expect((await json(twice)).detail).toContain("phone");
    expect(await c.tdb.db.execute(sql`select 1 from recipients where name = '卫六'`)).toEqual([]);
  });

  it("CSV import: a person another request inserts meanwhile is reported present, not a failure, and stored once", async () => {
    const c = ctx();
    // Another transaction holds the same person, uncommitted, while the import runs: the
    // import cannot see them when it looks, and its insert waits on their key.
    const r = await whileAnotherWriteHolds(
      c.tdb,
      (t) => t`insert into recipients (name, phone, area_code, village_code, audiences, dedupe_key)
                values ('钱九', '+8613900476091', ${V1}, ${V1}, '{public}', 'tel:+8613900476091')`,
      () => importCsv(c, csv([`钱九,13900476091,,${V1},public,zh,`, `吴十,13900476092,,${V1},public,zh,`])),
    );
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ rows: 2, imported: 1, duplicates: 1, alreadyPresent: [{ line: 2 }] });
    const [n] = await c.tdb.db.execute<{ n: number }>(
      sql`select count(*)::int as n from recipients where phone in ('+8613900476091', '+8613900476092')`,
    );
    expect(n!.n).toBe(2);
  });

  it("CSV import across chunks: a repeat of an earlier chunk's person and a bad row in the last chunk refuse the whole file (nothing staged is kept); partial imports the rest", async () => {
    const c = ctx();
    // 12,000 people: three validation chunks of 5,000, the first COPYed before the last is read.
    const lines = Array.from(
      { length: 12_000 },
      (_, i) => `批量${i},137009${String(i).padStart(5, "0")},,${V1},public,zh,`,
    );
    lines[7_000] = `重复,13700900003,,${V1},public,zh,`; // line 7,002 repeats line 5 (the 4th person)
    lines[11_500] = `坏号码,not-a-phone,,${V1},public,zh,`; // line 11,502
    const body = csv(lines);
    const post = (q = "") =>
      c.request("POST", `/api/v1/recipients/import${q}`, {
        key: c.users.issuer.key,
        body,
        headers: { "content-type": "text/csv" },
      });
    const count = async () =>
      (
        await c.tdb.db.execute<{ n: number }>(
          sql`select count(*)::int as n from recipients where phone like '+86137009%'`,
        )
      )[0]!.n;
    const r = await post();
    expect(r.status).toBe(422);
    const p = await json(r);
    expect(p.rows).toBe(12_000);
    expect(p.rowErrors).toEqual([
      expect.objectContaining({ line: 7_002, field: "phone", reason: expect.stringContaining("line 5") }),
      expect.objectContaining({ line: 11_502, field: "phone" }),
    ]);
    expect(await count()).toBe(0);
    const ok = await post("?partial=true");
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ rows: 12_000, imported: 11_998, rejected: 2, duplicates: 0 });
    expect(await count()).toBe(11_998);
    // The audit names the new ids as runs, not 11,998 numbers.
    const [audit] = await c.tdb.db.execute<{ after: { imported: number; idRanges: [number, number][] } }>(
      sql`select after from audit_log where action = 'recipient.import' and (after->>'rows')::int = 12000`,
    );
    const ranges = audit!.after.idRanges;
    expect(ranges.reduce((n, [a, b]) => n + b - a + 1, 0)).toBe(11_998);
    expect(ranges.length).toBeLessThan(10);
    const [ids] = await c.tdb.db.execute<{ lo: number; hi: number }>(
      sql`select min(id)::int as lo, max(id)::int as hi from recipients where phone like '+86137009%'`,
    );
    expect([ranges[0]![0], ranges.at(-1)![1]]).toEqual([ids!.lo, ids!.hi]);
  });

  it("CSV import stores names exactly, whatever characters COPY's text format escapes", async () => {
    const c = ctx();
    const names = ["a\\b\\N", "tab\there", "两行\n名字", "cr\rlf", '引号"与,逗号', "{括号}", "\\N"];
    const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const body = csv(names.map((n, i) => `${quoted(n)},1390047610${i},,${V1},public;village_cadre,zh,`));
    const r = await importCsv(c, body);
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ imported: names.length });
    const stored = await c.tdb.db.execute<{
      name: string;
      audiences: string[];
      email: string | null;
      role: string | null;
    }>(sql`select name, audiences, email, role from recipients where phone like '+86139004761%' order by phone`);
    expect(stored.map((s) => s.name)).toEqual(names);
    for (const s of stored)
      expect(s).toMatchObject({ audiences: ["public", "village_cadre"], email: null, role: null });
  });

  it("CSV import refuses a missing header, a wrong content type, and rows outside scope", async () => {
    const c = ctx();
    const noHeader = await importCsv(c, "foo,bar\n1,2");
    expect(noHeader.status).toBe(422);
    const wrongType = await c.request("POST", "/api/v1/recipients/import", {
      key: c.users.issuer.key,
      body: csv([]),
      headers: { "content-type": "application/json" },
    });
    expect(wrongType.status).toBe(415);
    const scoped = await importCsv(c, csv([`甲,13900476101,,${V2},public,zh,`]), { key: c.users.hongshanIssuer.key });
    expect(scoped.status).toBe(422);
    expect((await json(scoped)).rowErrors[0]).toMatchObject({
      line: 2,
      field: "areaCode",
      reason: expect.stringContaining("outside your scope"),
    });
  });

  it("security: viewer cannot create; county key cannot create or list elsewhere", async () => {
    const c = ctx();
    expect(
      (await c.request("POST", "/api/v1/recipients", { key: c.users.viewer.key, json: { name: "x", areaCode: V1 } }))
        .status,
    ).toBe(403);
    expect(
      (
        await c.request("POST", "/api/v1/recipients", {
          key: c.users.hongshanIssuer.key,
          json: { name: "x", areaCode: V2 },
        })
      ).status,
    ).toBe(403);
    expect(
      (await c.request("GET", "/api/v1/recipients?area=150404000000", { key: c.users.hongshanIssuer.key })).status,
    ).toBe(403);
    expect((await c.request("GET", "/api/v1/recipients?area=150402000000", { key: null })).status).toBe(401);
  });
});
