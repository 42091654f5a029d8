import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson } from "../helpers/people.js";
import { LoopbackChannel } from "../helpers/loopback-channel.js";
import { drainWith } from "../helpers/dispatch.js";
import { defaultGrading, defaultPolicy } from "../../src/config/grading.js";
import { buildCatalog, TemplateError } from "../../src/templates/catalog.js";
import { TemplateRenderer, type RenderableWarning } from "../../src/templates/render.js";
import { readTemplateDir } from "../../src/node/templates.js";
import { bundleSource } from "../../scripts/bundle-templates.js";
import { CHANNELS, WARNING_TYPES, type ChannelKind, type Level } from "../../src/domain/vocabulary.js";
import type { Policy } from "../../src/config/grading.js";
import { advanceLedger, ledgerId, lockLedger } from "../../src/deliveries/ledger-ids.js";

const ctx = useContext();
const COUNTIES = ["150402000000", "150403000000", "150404000000", "150421000000", "150422000000"]; // 红山区 元宝山区 松山区 阿鲁科尔沁旗 巴林左旗

async function renderer(o: { sources?: Record<string, string>; policy?: Partial<Policy> } = {}) {
  const sources = o.sources ?? (await readTemplateDir());
  return new TemplateRenderer({
    db: ctx().tdb.db,
    grading: defaultGrading,
    policy: { ...defaultPolicy, ...o.policy },
    catalog: buildCatalog(sources, defaultGrading),
    signature: "【赤峰市气象局】",
    timeZone: "Asia/Shanghai",
    now: () => new Date("2026-07-20T02:30:00Z"),
  });
}

function warning(over: Partial<RenderableWarning> = {}): RenderableWarning {
  return {
    msgType: "Alert",
    type: "rainstorm",
    level: "orange",
    senderName: "赤峰市气象台",
    headline: "赤峰市气象台发布暴雨橙色预警",
    description: "预计未来6小时将出现50毫米以上降雨。",
    instruction: "注意防范城乡积涝和山洪。",
    areaCodes: ["150402000000"],
    expires: new Date("2026-07-20T14:30:00Z"),
    issuedAt: new Date("2026-07-20T02:30:00Z"),
    ...over,
  };
}

describe("template files", () => {
  it("the bundled copy used by the Worker equals templates/ (run `npm run templates:bundle` after editing)", async () => {
    const onDisk = await readFile(new URL("../../src/templates/bundled.gen.ts", import.meta.url), "utf8");
    expect(onDisk).toBe(await bundleSource());
  });

  it("refuse to load, naming the file, on an unknown variable, a missing placeholder, a bad name or bad syntax", async () => {
    const good = await readTemplateDir();
    const load = (changes: Record<string, string | null>) => {
      const s: Record<string, string> = { ...good };
      for (const [k, v] of Object.entries(changes))
        if (v === null) delete s[k];
        else s[k] = v;
      try {
        buildCatalog(s, defaultGrading);
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(TemplateError);
        return (e as TemplateError).problems;
      }
    };
    expect(load({})).toEqual([]);
    expect(load({ "zh/sms.txt": "{{signature}}{{title}}{{areas}}{{description}}{{instruction}}{{colour}}" })).toEqual([
      expect.stringMatching(/^templates\/zh\/sms\.txt: unknown variable \{\{colour\}\}/),
    ]);
    expect(load({ "zh/sms.red.txt": "{{title}}{{areas}}{{description}}" })).toEqual([
      "templates/zh/sms.red.txt: missing placeholder {{instruction}}",
    ]);
    expect(load({ "zh/display.txt": null })).toEqual([
      "templates/zh/display.txt: missing (every channel needs a zh base template)",
    ]);
    expect(load({ "zh/sms.purple.txt": "x" })[0]).toMatch(
      /^templates\/zh\/sms\.purple\.txt: "purple" is not a warning type or level/,
    );
    expect(load({ "fr/sms.txt": "x" })[0]).toMatch(/^templates\/fr\/sms\.txt: unknown language directory/);
    expect(load({ "zh/email.html": "{{{title}}}{{time}}{{areas}}{{description}}{{instruction}}" })[0]).toMatch(
      /unescaped \{\{\{title\}\}\} is not allowed in HTML/,
    );
    expect(load({ "zh/display.txt": "{{#title}}{{areas}}" })[0]).toMatch(
      /^templates\/zh\/display\.txt: Unclosed section "title"/,
    );
    expect(load({ "en/words.json": '{"levels": {"red": {"name": 1}}}' })[0]).toMatch(
      /^templates\/en\/words\.json: levels\.red/,
    );
  });
});

describe("rendering", () => {
  it("every type × allowed level × channel renders in zh with the national headline, names not codes, and nothing left unrendered", async () => {
    const r = await renderer();
    let n = 0;
    for (const type of WARNING_TYPES) {
      const t = defaultGrading.types[type];
      for (const level of t.allowedLevels) {
        const l = defaultGrading.levels[level];
        for (const channel of CHANNELS) {
          const out = await r.render(
            warning({ type, level, areaCodes: ["150402000000", "150404000000"] }),
            channel,
            "zh",
          );
          const all = [out.text, out.subject ?? "", out.html ?? ""].join("\n");
          expect(out.language).toBe("zh");
          expect(all).not.toMatch(/\{\{|\}\}|1504\d{8}/);
          expect(all).toContain(`${t.zh}${l.zh}预警`);
          expect(all).toContain("赤峰市气象台");
          expect(all).toContain("注意防范城乡积涝和山洪。");
          if (channel !== "loudspeaker")
            expect(all).toContain(`赤峰市气象台发布${t.zh}${l.zh}预警[${l.roman}/${l.word}]`);
          if (channel !== "loudspeaker") expect(all).toContain("红山区、松山区");
          if (channel === "sms") expect(out.text.startsWith("【赤峰市气象局】")).toBe(true);
          n++;
        }
      }
    }
    expect(n).toBe(
      WARNING_TYPES.reduce((s, t) => s + defaultGrading.types[t].allowedLevels.length, 0) * CHANNELS.length,
    );
  });

  it("email has subject, text and HTML with the time in Asia/Shanghai, and escapes warning text in HTML only", async () => {
    const r = await renderer();
    const out = await r.render(warning({ description: "<script>alert(1)</script> 降雨 & 大风" }), "email", "zh");
    expect(out.subject).toBe("赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]");
    expect(out.text).toContain("发布时间：2026年7月20日10时30分"); // 02:30 UTC
    expect(out.text).toContain("有效期至：2026年7月20日22时30分");
    expect(out.text).toContain("<script>alert(1)</script> 降雨 & 大风");
    expect(out.html).toContain("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; 降雨 &amp; 大风");
    expect(out.html).not.toContain("<script>");
  });

  it("a cancel says 解除 and drops the instruction and expiry where the templates say so", async () => {
    const r = await renderer();
    const out = await r.render(
      warning({ msgType: "Cancel", description: "暴雨橙色预警解除。", instruction: "" }),
      "email",
      "zh",
    );
    expect(out.subject).toBe("赤峰市气象台解除暴雨橙色预警[Ⅱ级/严重]");
    expect(out.text).not.toContain("有效期至");
    expect(out.text).not.toContain("防御指南");
  });

  it("an all-clear says so and gives the reason instead of repeating the hazard", async () => {
    const r = await renderer();
    const cancel = warning({ msgType: "Cancel", description: "大风已减弱", instruction: "" });
    for (const channel of ["sms", "loudspeaker", "display", "email"] as const) {
      const zh = (await r.render(cancel, channel, "zh")).text;
      expect(zh, channel).toContain("解除原因：大风已减弱");
      const en = (await r.render(cancel, channel, "en")).text;
      expect(en, channel).toContain("All clear. Reason: 大风已减弱");
    }
  });

  it("type and level overrides are found by file name, most specific first", async () => {
    const base = await readTemplateDir();
    const r = await renderer({
      sources: {
        ...base,
        "zh/display.rainstorm.txt": "T {{title}}{{areas}}",
        "zh/display.rainstorm.red.txt": "TL {{title}}{{areas}}",
        "zh/display.blue.txt": "L {{title}}{{areas}}",
      },
    });
    const text = async (type: RenderableWarning["type"], level: Level) =>
      (await r.render(warning({ type, level }), "display", "zh")).text;
    expect(await text("rainstorm", "red")).toMatch(/^TL /);
    expect(await text("rainstorm", "orange")).toMatch(/^T /);
    expect(await text("gale", "blue")).toMatch(/^L /);
    expect(await text("gale", "red")).toMatch(/^赤峰市气象台发布大风红色预警/);
    // The shipped red loudspeaker override calls attention first, as village broadcasts do.
    expect((await (await renderer()).render(warning({ level: "red" }), "loudspeaker", "zh")).text).toMatch(
      /^紧急通知！紧急通知！/,
    );
  });

  it("a missing mn template falls back to zh and says so; a present one is used", async () => {
    const base = await readTemplateDir();
    expect(Object.keys(base).some((k) => k.startsWith("mn/"))).toBe(false);
    const r = await renderer();
    const fallback = await r.render(warning(), "sms", "mn");
    expect(fallback.language).toBe("zh");
    expect(fallback.text).toContain("暴雨橙色预警");
    const mn = "ᠠᠶᠤᠯ ᠤᠨ ᠰᠡᠷᠡᠮᠵᠢᠯᠡᠯ"; // a test string in traditional script, not a vetted translation
    const withMn = await renderer({ sources: { ...base, "mn/display.txt": `${mn} {{title}} {{areas}}` } });
    const shown = await withMn.render(warning(), "display", "mn");
    expect(shown.language).toBe("mn");
    expect(shown.text.startsWith(mn)).toBe(true);
    expect((await withMn.render(warning(), "sms", "mn")).language).toBe("zh");
  });

  it("English renders from en templates and words", async () => {
    const out = await (await renderer()).render(warning(), "sms", "en");
    expect(out.language).toBe("en");
    expect(out.text).toContain("赤峰市气象台 issued orange rainstorm warning [Level II/severe]");
  });
});

describe("agencies in templates", () => {
  it("templates get the agency ({{agency}}, {{agencyCode}}); SMS carries the version's signature", async () => {
    const base = await readTemplateDir();
    const template = "{{agency}}({{agencyCode}}) {{title}} {{areas}}";
    const r = await renderer({ sources: { ...base, "zh/display.flood.txt": template } });
    const flood = warning({
      type: "flood",
      senderName: "赤峰市水文水资源中心",
      agencyCode: "cf-sw",
      smsSignature: "【赤峰市水文局】",
    });
    expect((await r.render(flood, "display", "zh")).text).toMatch(
      /^赤峰市水文水资源中心\(cf-sw\) 赤峰市水文水资源中心发布洪水橙色预警/,
    );
    expect((await r.render(flood, "sms", "zh")).text).toMatch(/^【赤峰市水文局】赤峰市水文水资源中心发布洪水/);
    expect((await r.render(warning(), "sms", "zh")).text).toMatch(/^【赤峰市气象局】赤峰市气象台发布暴雨/);
    expect((await r.render(flood, "email", "zh")).text).toContain("发布单位：赤峰市水文水资源中心");
  });
});

describe("SMS budget", () => {
  it("counts UCS-2 segments: 70 → 1, 71 → 2, 134 → 2, 135 → 3", async () => {
    const base = await readTemplateDir();
    // A template that is only the description, so its length is the message's.
    const r = await renderer({
      sources: {
        ...base,
        "zh/sms.gale.txt": "{{description}}{{#title}}{{/title}}{{#areas}}{{/areas}}{{#instruction}}{{/instruction}}",
      },
      policy: { smsMaxSegments: { red: 9, orange: 9, yellow: 9, blue: 9 } },
    });
    for (const [chars, segments] of [
      [70, 1],
      [71, 2],
      [134, 2],
      [135, 3],
      [201, 3],
      [202, 4],
    ] as const) {
      const out = await r.render(warning({ type: "gale", description: "风".repeat(chars) }), "sms", "zh");
      expect(out.text.length).toBe(chars);
      expect(out.sms).toMatchObject({ segments, encoding: "UCS-2", units: chars, withinBudget: true, shortened: null });
    }
  });

  it("over budget: shortens the area list first (红山区、元宝山区等5个旗县区), then the description; never title or instruction", async () => {
    const r = await renderer({ policy: { smsMaxSegments: { red: 2, orange: 2, yellow: 2, blue: 2 } } });
    const fits = await r.render(warning({ areaCodes: COUNTIES }), "sms", "zh");
    expect(fits.sms).toMatchObject({ withinBudget: true, shortened: null });
    expect(fits.text).toContain("红山区、元宝山区、松山区、阿鲁科尔沁旗、巴林左旗");

    // Padded so the full text is 140 units: over 2 segments with 5 names, under with fewer.
    const start = "预计未来6小时将出现50毫米以上降雨，局地伴有雷电、短时强降水和大风，城乡积涝风险高。";
    const longer = "雨".repeat(140 - fits.text.length - start.length + warning().description.length) + start;
    const areasCut = await r.render(warning({ areaCodes: COUNTIES, description: longer }), "sms", "zh");
    expect(areasCut.sms!.segments).toBeLessThanOrEqual(2);
    expect(areasCut.text).toMatch(/红山区(、元宝山区)?(、松山区)?等5个旗县区/);
    expect(areasCut.text).toContain(longer);
    expect(areasCut.sms!.shortened).toMatchObject({ areasTotal: 5, descriptionChars: [...longer].length });

    const veryLong = longer.repeat(3);
    const descCut = await r.render(warning({ areaCodes: COUNTIES, description: veryLong }), "sms", "zh");
    expect(descCut.sms).toMatchObject({ segments: 2, withinBudget: true, shortened: { areasKept: 1, areasTotal: 5 } });
    expect(descCut.text).toContain("红山区等5个旗县区");
    expect(descCut.text).toContain("…");
    expect(descCut.text.startsWith("【赤峰市气象局】赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]")).toBe(true);
    expect(descCut.text.endsWith("注意防范城乡积涝和山洪。")).toBe(true);
    expect(descCut.text.length).toBeGreaterThan(127); // it used the room it had: 2 × 67 minus at most a few characters

    const hopeless = await r.render(warning({ instruction: "请".repeat(140) }), "sms", "zh");
    expect(hopeless.sms).toMatchObject({ withinBudget: false, maxSegments: 2 });
    expect(hopeless.text).toContain("请".repeat(140));
  });

  it("GSM-7 text uses 160/153 septets", async () => {
    const { smsSegments } = await import("../../src/templates/segments.js");
    expect(smsSegments("a".repeat(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments("a".repeat(161))).toEqual({ encoding: "GSM-7", units: 161, segments: 2 });
    expect(smsSegments("€".repeat(80))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(smsSegments("ᠠ".repeat(70)).encoding).toBe("UCS-2");
  });
});

export type { ChannelKind };

describe("start-up", () => {
  it("a broken template stops the server before it starts, naming the file", async () => {
    const { mkdtemp, cp, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { spawn } = await import("node:child_process");
    const { TEMPLATES_DIR } = await import("../../src/node/templates.js");
    const dir = await mkdtemp(join(tmpdir(), "warncast-templates-"));
    try {
      await cp(TEMPLATES_DIR, dir, { recursive: true });
      await writeFile(join(dir, "zh/sms.txt"), "{{signature}}{{title}}{{areas}}{{description}}{{instrucion}}");
      const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
        env: {
          ...process.env,
          WARNCAST_TEMPLATES_DIR: dir,
          DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
          PORT: "0",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (c) => (err += c));
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => {
          child.kill("SIGKILL");
          resolve(null);
        }, 30_000);
        child.on("exit", (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      expect(code).toBe(1);
      expect(err).toContain("templates/zh/sms.txt: unknown variable {{instrucion}}");
      expect(err).toContain("templates/zh/sms.txt: missing placeholder {{instruction}}");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("叫应 messages", () => {
  it("name the village in full and say why: not confirmed in time, or the loudspeaker is down", async () => {
    const r = await renderer();
    const id = crypto.randomUUID();
    const village = "150402001001";
    const [names] = await ctx().tdb.db.execute<{ v: string; t: string; c: string }>(sql`
      select v.name as v, t.name as t, c.name as c from areas v join areas t on t.code = v.parent_code join areas c on c.code = t.parent_code where v.code = ${village}`);
    const full = `${names!.c}${names!.t}${names!.v}`;
    const backup = await r.render(warning({ id, level: "red" }), "sms", "zh", { step: 2, villageCode: village });
    expect(backup.text).toBe(
      `【赤峰市气象局】【叫应】赤峰市气象台发布暴雨红色预警[Ⅰ级/特别严重]。${full}责任人未在规定时间内确认收到预警，请备岗人员（B岗）立即落实防范，收到请回复1。注意防范城乡积涝和山洪。`,
    );
    await ctx().tdb.db.execute(
      sql`insert into escalation_chains (warning_id, village_code, reason, step, started_at, step_at) values (${id}, ${village}, 'device_offline', 1, now(), now())`,
    );
    const id2 = id; // the renderer reads the chain's reason
    const offline = await (await renderer()).render(warning({ id: id2, level: "red" }), "email", "zh", {
      step: 1,
      villageCode: village,
    });
    expect(offline.subject).toBe(`【叫应】赤峰市气象台发布暴雨红色预警[Ⅰ级/特别严重]：${full}`);
    expect(offline.text).toContain("原因：应急广播大喇叭离线或播发失败");
    expect(offline.text).toContain("请立即组织人工广播、敲锣或入户通知");
    expect(offline.html).toContain(full);
    // Ordinary deliveries of the same warning keep the warning's own text.
    expect((await r.render(warning({ id, level: "red" }), "sms", "zh")).text).not.toContain("叫应");
  });

  it("escalation templates are checked like the others and only exist for people's channels", async () => {
    const good = await readTemplateDir();
    const problems = (extra: Record<string, string>) => {
      try {
        buildCatalog({ ...good, ...extra }, defaultGrading);
        return [];
      } catch (e) {
        return (e as TemplateError).problems;
      }
    };
    expect(problems({ "zh/escalation.sms.txt": "{{title}}{{reason}}" })).toEqual([
      "templates/zh/escalation.sms.txt: missing placeholder {{village}}",
    ]);
    expect(problems({ "zh/escalation.loudspeaker.txt": "{{title}}" })[0]).toMatch(/叫应 messages go to people/);
    expect(problems({ "zh/sms.red.txt": "{{title}}{{areas}}{{description}}{{instruction}}{{village}}" })[0]).toMatch(
      /unknown variable \{\{village\}\}/,
    );
  });
});

describe("the dispatcher renders 叫应 deliveries with the escalation templates", () => {
  it("warning and escalation rows of one warning get their own texts", async () => {
    const c = ctx();
    const V = "150402001002";
    const pid = await addPerson(c.tdb.db, { area: V, audiences: ["grid_worker"], role: "backup" });
    const w = await createIssued(c, {
      areas: { codes: [V] },
      channels: ["sms"],
      audiences: ["grid_worker"],
      level: "red",
    });
    await c.tdb.db.execute(sql`
      with ${lockLedger(sql`${w.id}::uuid`)},
      ins as (
        insert into deliveries (id, warning_id, issued_at, channel, purpose, recipient_id, village_code, address, level_rank, escalation_step, next_attempt_at)
        select ${ledgerId("ledger", sql`row_number() over ()`)}, d.warning_id, d.issued_at, 'sms', 'escalation', d.recipient_id, d.village_code,
               d.address, d.level_rank, 2, ${c.clock.now.toISOString()}::timestamptz
        from deliveries d left join ledger on true where d.warning_id = ${w.id} and d.recipient_id = ${pid}
        returning warning_id
      ),
      ${advanceLedger("ins")}
      select 1`);
    const ch = new LoopbackChannel("sms");
    await drainWith(c, ch);
    const texts = ch.messages.filter((m) => m.message.warningId === w.id).map((m) => m.message.text);
    expect(texts).toHaveLength(2);
    expect(texts.filter((t) => t.includes("【叫应】"))).toHaveLength(1);
    expect(texts.find((t) => t.includes("【叫应】"))).toContain("请备岗人员（B岗）立即落实防范");
  });
});

describe("recipients' languages through the dispatcher", () => {
  it("an mn recipient gets zh text while no mn template exists, and the delivery records zh; an en recipient gets en", async () => {
    const c = ctx();
    const V = "150402001003";
    const mn = await addPerson(c.tdb.db, { area: V, language: "mn" });
    const en = await addPerson(c.tdb.db, { area: V, language: "en" });
    const w = await createIssued(c, { areas: { codes: [V] }, channels: ["sms"] });
    const ch = new LoopbackChannel("sms");
    await drainWith(c, ch);
    const rows = await c.tdb.db.execute<{ recipient_id: string; language: string; rendered_language: string }>(
      sql`select recipient_id, language, rendered_language from deliveries where warning_id = ${w.id} order by recipient_id`,
    );
    expect(rows.map((r) => [Number(r.recipient_id), r.language, r.rendered_language])).toEqual([
      [mn, "mn", "zh"],
      [en, "en", "en"],
    ]);
    const textOf = (id: number) => ch.messages.find((m) => m.target.recipientId === id)!.message.text;
    expect(textOf(mn)).toContain("暴雨橙色预警");
    expect(textOf(en)).toContain("orange rainstorm warning");
  });
});
