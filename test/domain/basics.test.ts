import { describe, expect, it } from "vitest";
import { codePrefix, isWithin, parentCode, villageOf } from "../../src/domain/areas.js";
import { normalisePhone } from "../../src/lib/phone.js";
import { parseCsv } from "../../src/lib/csv.js";
import { distribute } from "../../src/domain/population.js";
import { isCapSafe, newIdentifier } from "../../src/domain/warnings/identifier.js";
import { errorFields } from "../../src/lib/log.js";

describe("area codes", () => {
  it.each([
    ["150000000000", "15", null],
    ["150400000000", "1504", "150000000000"],
    ["150402000000", "150402", "150400000000"],
    ["150402001000", "150402001", "150402000000"],
    ["150402001001", "150402001001", "150402001000"],
    ["150402001001-03", "150402001001-03", "150402001001"],
  ])("%s: prefix %s, parent %s", (code, prefix, parent) => {
    expect(codePrefix(code)).toBe(prefix);
    expect(parentCode(code)).toBe(parent);
  });
  it("scope containment", () => {
    expect(isWithin("150400000000", "150402001001")).toBe(true);
    expect(isWithin("150402000000", "150404001001")).toBe(false);
    expect(isWithin("150402001001", "150402001001-02")).toBe(true);
    expect(villageOf("150402001001-02")).toBe("150402001001");
  });
});

describe("phone numbers to E.164", () => {
  it.each([
    ["13800476001", "+8613800476001"],
    ["138-0047-6001", "+8613800476001"],
    ["+86 138 0047 6001", "+8613800476001"],
    ["008613800476001", "+8613800476001"],
    ["0476-8888888", "+864768888888"],
    ["+14155550100", "+14155550100"],
  ])("%s → %s", (raw, e164) => expect(normalisePhone(raw)).toEqual({ ok: true, e164 }));
  it.each(["", "12345", "abc", "+86 138", "2380047600"])("refuses %j", (raw) =>
    expect(normalisePhone(raw).ok).toBe(false),
  );
});

describe("csv", () => {
  it("handles quotes, embedded newlines, CRLF and a BOM, keeping line numbers", () => {
    const rows = parseCsv('\ufeffa,b\r\n"x, y","line1\nline2"\r\n\r\nlast,"q""uote"\n');
    expect(rows).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", "line1\nline2"] },
      { line: 5, fields: ["last", 'q"uote'] },
    ]);
  });

  it("reads plain lines and quoted ones alike, wherever they fall in the file", () => {
    const text = [
      "a,b,c",
      'x,"y,1",z', // a quoted field among plain lines
      "", // an empty line: no row, but counted
      " ", // a blank that is not empty: one field
      "p,q\rr,s", // a lone CR ends a row, as in the quoted path
      'm,"n\n""o""",p', // a quote, an embedded newline and doubled quotes
      'ab"c,d"e,f', // a quote in mid-field opens a quoted run
      "u,,w,",
      '""',
      "last,no,newline",
    ].join("\n");
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["x", "y,1", "z"] },
      { line: 4, fields: [" "] },
      { line: 5, fields: ["p", "q"] },
      { line: 6, fields: ["r", "s"] },
      { line: 7, fields: ["m", 'n\n"o"', "p"] },
      { line: 9, fields: ["abc,de", "f"] },
      { line: 10, fields: ["u", "", "w", ""] },
      { line: 12, fields: ["last", "no", "newline"] },
    ]);
    expect(parseCsv("x\r\ny\r\n")).toEqual([
      { line: 1, fields: ["x"] },
      { line: 2, fields: ["y"] },
    ]);
    expect(parseCsv('"open,\nnever closed')).toEqual([{ line: 1, fields: ["open,\nnever closed"] }]);
  });
});

describe("population distribution", () => {
  it("splits in whole people and sums exactly", () => {
    const parts = distribute(1_939_567, [300, 211, 202, 165, 300, 202, 381]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1_939_567);
    expect(parts[0]).toBe(parts[4]);
    expect(distribute(10, [1, 1, 1])).toEqual([4, 3, 3]);
  });
});

describe("CAP identifiers", () => {
  it("are CAP-safe", () => {
    const id = newIdentifier("warncast.chifeng", new Date("2026-07-01T08:00:00Z"));
    expect(id).toMatch(/^warncast\.chifeng\.20260701T080000Z\.[0-9a-f]{8}$/);
    expect(isCapSafe(id)).toBe(true);
    expect(isCapSafe("a b")).toBe(false);
    expect(isCapSafe("a,b")).toBe(false);
  });
});

describe("errorFields", () => {
  it("clips a failed query's message (it carries the parameters) and keeps the database's cause", () => {
    const params = Array.from({ length: 10_000 }, () => crypto.randomUUID()).join(",");
    const e = new Error(`Failed query: select 1\nparams: ${params}`, {
      cause: new Error("terminating connection due to administrator command"),
    });
    const f = errorFields(e);
    expect(JSON.stringify(f).length).toBeLessThan(4_000);
    expect(f.error).toMatch(/^Failed query: select 1\nparams: [0-9a-f-]+.*… \(\d+ more characters\)$/s);
    expect(f).toMatchObject({ cause: "terminating connection due to administrator command" });
    expect(errorFields("x".repeat(5_000)).error).toHaveLength(2_000 + "… (3000 more characters)".length);
  });
});
