// The daily digest on a fixture checkable by hand:
//   W1 red    pop 100, reached 95  → 95%
//   W2 orange pop 100, reached 90  → 90%
//   W3 yellow pop  50, reached 50  → 100%
//   W0 red    issued two days ago (outside the window)
//   major = (95 + 90) / 200 = 92.5%  (target > 93%: missed)
//   all   = (95 + 90 + 50) / 250 = 94% (target > 90%: met)
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { setPopulation } from "../helpers/people.js";
import { digestJob } from "../../src/jobs/digest.js";
import { computeDigest } from "../../src/domain/digest.js";
import type { Mailer, MailMessage } from "../../src/lib/mailer.js";
import { createLogger } from "../../src/lib/log.js";
import { runJob } from "../../src/jobs/run.js";
import { minutes } from "./helpers.js";

const ctx = useContext();
// 08:00 Asia/Shanghai on 2030-03-02 is 00:00 UTC.
const AT = new Date("2030-03-02T00:00:00Z");

class CapturingMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  async send(m: MailMessage) {
    this.sent.push(m);
    return { messageId: `<digest-${this.sent.length}@test>` };
  }
}

beforeAll(async () => {
  const c = ctx();
  const db = c.tdb.db;
  const fixture: [string, string, number, number, number][] = [
    // village, level, population, reached, hours before AT
    ["150423101201", "red", 100, 95, 20],
    ["150423101202", "orange", 100, 90, 10],
    ["150423101203", "yellow", 50, 50, 2],
    ["150423101204", "red", 100, 0, 48],
  ];
  for (const [v, level, pop, reached, hoursBefore] of fixture) {
    await setPopulation(db, v, pop);
    const w = await createIssued(c, { level, areas: { codes: [v] }, channels: ["sms"] });
    await db.execute(
      sql`update warnings set issued_at = ${minutes(AT, -60 * hoursBefore).toISOString()}::timestamptz where id = ${w.id}`,
    );
    await db.execute(sql`update coverage_villages set persons_reached = ${reached} where warning_id = ${w.id}`);
  }
});

describe("daily digest", () => {
  it("runs at 08:00 Asia/Shanghai, written as UTC for both runtimes", () => {
    expect(digestJob.cron).toBe("0 0 * * *");
  });

  it("computes major and all coverage of the last day against 93% / 90%", async () => {
    const c = ctx();
    const mailer = new CapturingMailer();
    c.services.mailer = mailer;
    c.services.config = { ...c.services.config, digestEmails: ["duty@example.cn", "chief@example.cn"] };
    try {
      const r = await digestJob.run(c.services, AT);
      expect(r).toMatchObject({ warnings: 3, majorMet: false, allMet: true, emailed: 2 });
      expect((r as any).majorRate).toBeCloseTo(0.925, 10);
      expect((r as any).allRate).toBeCloseTo(0.94, 10);
      expect(mailer.sent).toHaveLength(1);
      const m = mailer.sent[0]!;
      expect(m.to).toEqual(["duty@example.cn", "chief@example.cn"]);
      expect(m.subject).toBe("[warncast] 2030-03-02 coverage: major 92.50% ✗ · all 94.00% ✓");
      expect(m.text).toContain("Warnings issued 2030-03-01 08:00 – 2030-03-02 08:00 (Asia/Shanghai)");
      expect(m.text).toContain(
        "Major warnings (red/orange): 2 warning(s), reached 185 of 200 = 92.50% (target > 93.00%): BELOW TARGET; 1 of 2 met it individually",
      );
      expect(m.text).toContain(
        "All warnings: 3 warning(s), reached 235 of 250 = 94.00% (target > 90.00%): target met; 2 of 3 met it individually",
      );
      expect(m.text.match(/^- \[/gm)).toHaveLength(3);
      expect(m.html).toContain("<table>");
    } finally {
      delete c.services.mailer;
      c.services.config = { ...c.services.config, digestEmails: [] };
    }
  });

  it("without a mailer it logs the digest and says why it was not emailed", async () => {
    const c = ctx();
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const out = await runJob(digestJob, { ...c.services, log }, AT);
    expect(out).toMatchObject({ ok: true, result: { emailed: 0, warnings: 3 } });
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.find((l) => l.msg === "digest not emailed")).toMatchObject({ reason: "no mailer configured" });
    expect(logged.find((l) => l.msg === "job run")).toMatchObject({ job: "digest", outcome: "ok" });
  });

  it("names each warning's agency and counts warnings per agency (one platform, several agencies)", () => {
    const base = { from: minutes(AT, -1440), to: AT, tz: "Asia/Shanghai", senderName: "赤峰市气象台" };
    const w = (office: string | undefined) => ({
      warningId: "x",
      level: "orange",
      type: "flood",
      headline: "h",
      office,
      issuedAt: AT,
      population: 10,
      reached: 10,
    });
    const d = computeDigest({
      ...base,
      warnings: [w("赤峰市水文水资源中心"), w("赤峰市水文水资源中心"), w(undefined)],
    });
    expect(d.text).toContain("By agency: 赤峰市水文水资源中心 2 · 赤峰市气象台 1");
    expect(d.text).toMatch(/^- \[orange\] h · 赤峰市水文水资源中心 · issued/m);
    expect(d.html).toContain("<td>赤峰市水文水资源中心</td>");
  });

  it("a rate equal to the target is not above it; a day without warnings says so", () => {
    const base = { from: minutes(AT, -1440), to: AT, tz: "Asia/Shanghai", senderName: "赤峰市气象台" };
    const w = (level: string, population: number, reached: number) => ({
      warningId: level,
      level,
      type: "rainstorm",
      headline: "h",
      issuedAt: AT,
      population,
      reached,
    });
    const d = computeDigest({ ...base, warnings: [w("red", 100, 93), w("blue", 100, 90)] });
    expect(d.major).toMatchObject({ rate: 0.93, met: false });
    expect(d.all).toMatchObject({ rate: 0.915, met: true });
    expect(d.belowTarget.map((b) => b.warningId)).toEqual(["blue", "red"]);
    const empty = computeDigest({ ...base, warnings: [] });
    expect(empty.subject).toBe("[warncast] 2030-03-02 coverage digest: no warnings issued");
    expect(empty.all).toMatchObject({ warnings: 0, rate: null, met: false });
  });
});
