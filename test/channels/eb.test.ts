// Channel eb against a fake county platform on loopback (DESIGN §12): one valid EBM per
// warning × platform, read back until BrdStateCode 3 (only 3 counts as played), coverage
// counted per village the platform reaches, a cancel as MsgType 2 for the same broadcast,
// a refusing or silent platform turned into failed deliveries and 叫应 chains, and the
// vendor dialects (SendTime/SentTime, CoverageRate/CoveragePercent, language codes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued, finishPlans, json } from "../helpers/factories.js";
import { addPerson, setPopulation } from "../helpers/people.js";
import { dispatchWith } from "../helpers/dispatch.js";
import { FakeEbPlatform } from "../helpers/eb-platform.js";
import { EbChannel } from "../../channels/eb/eb-channel.js";
import { beijingTime } from "../../channels/eb/ids.js";
import { ebReadbackJob } from "../../src/jobs/eb-readback.js";
import { ebHeartbeatJob } from "../../src/jobs/eb-heartbeat.js";
import { loudspeakerFallbackJob } from "../../src/jobs/loudspeaker-fallback.js";
import { chainOf, minutes, runAt } from "../jobs/helpers.js";

const ctx = useContext();
const OURS = "150400000000000001";
const fakes: FakeEbPlatform[] = [];

async function villages(c: TestContext, county: string, n: number): Promise<string[]> {
  const rows = await c.tdb.db.execute<{ code: string }>(sql`
    select code from areas where kind = 'village' and code like ${county.slice(0, 6) + "%"} order by code limit ${n}`);
  return rows.map((r) => r.code);
}

async function platform(
  c: TestContext,
  ebrid: string,
  county: string,
  body: Record<string, unknown> = {},
  dialect?: FakeEbPlatform["dialect"],
) {
  const fake = await new FakeEbPlatform(ebrid, OURS, dialect).start();
  fakes.push(fake);
  const res = await c.request("POST", "/api/v1/eb-platforms", {
    json: { name: `平台${ebrid.slice(-3)}`, areaCode: county, url: fake.url, resourceCode: ebrid, ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return { fake, p: await json(res) };
}

const channel = (c: TestContext) =>
  new EbChannel({ db: c.tdb.db, resourceCode: OURS, grading: c.services.grading, now: () => c.clock.now });
const ebDeliveries = (c: TestContext, warningId: string) =>
  c.tdb.db.execute<{
    id: string;
    status: string;
    error_code: string | null;
    error: string | null;
    provider_id: string | null;
    device_id: string;
  }>(sql`
  select id, status, error_code, error, provider_id, device_id from deliveries
  where warning_id = ${warningId} and channel = 'eb' order by id`);
const coverage = async (c: TestContext, id: string) =>
  json(await c.request("GET", `/api/v1/warnings/${id}/coverage?by=village`));

beforeAll(() => {
  ctx().services.config.ebResourceCode = OURS;
});
afterAll(async () => {
  for (const f of fakes) await f.stop();
});

describe("eb: warning → EBM → read-back → coverage → cancel", () => {
  let reached: string[] = [];
  let outside = "";
  let fake: FakeEbPlatform;
  let w: Record<string, any>;

  beforeAll(async () => {
    const c = ctx();
    const vs = await villages(c, "150403000000", 4);
    reached = vs.slice(0, 3);
    outside = vs[3]!;
    for (const v of vs) await setPopulation(c.tdb.db, v, 1000);
    ({ fake } = await platform(c, "150403000000000101", "150403000000", { villages: reached }));
    w = await createIssued(c, {
      level: "orange",
      type: "rainstorm",
      areas: { codes: vs },
      audiences: ["public"],
      channels: ["eb"],
    });
  });

  it("sends one valid EBM per warning × platform: villages it reaches, fields from the warning", async () => {
    const c = ctx();
    expect(await dispatchWith(c, channel(c))).toBe(1);
    expect(fake.problems).toEqual([]);
    expect(fake.ebms).toHaveLength(1);
    const { ebm, members, ebdId } = fake.ebms[0]!;
    expect(members).toEqual([`EBDB_${ebdId}.xml`, `EBDS_EBDB_${ebdId}.xml`]);
    expect(ebm.MsgBasicInfo).toMatchObject({
      MsgType: "1",
      SenderName: "赤峰市气象台",
      SenderCode: OURS,
      EventType: "11B03",
      Severity: "2",
      StartTime: beijingTime(new Date(w.issuedAt)),
      EndTime: beijingTime(new Date(w.expires)),
    });
    expect(ebm.MsgContent.AreaCode).toBe(reached.join(","));
    expect(ebm.MsgContent.AreaCode).not.toContain(outside);
    expect(ebm.MsgContent.LanguageCode).toBe("chi");
    expect(ebm.MsgContent.MsgTitle).toBe("赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]");
    expect(ebm.MsgContent.MsgDesc).toContain("预计未来6小时红山区将出现50毫米以上降雨。");
    const [d] = await ebDeliveries(c, w.id);
    expect(d).toMatchObject({ status: "sent", provider_id: String(ebm.EBMID) });
    expect(String(ebm.EBMID)).toMatch(new RegExp(`^${OURS}\\d{12}$`));
  });

  it("counts the broadcast as played only at BrdStateCode 3: 2 is still in progress", async () => {
    const c = ctx();
    expect(await runAt(c, ebReadbackJob, minutes(c.clock.now, 1))).toMatchObject({ polled: 1, applied: 1 });
    expect((await ebDeliveries(c, w.id))[0]!.status).toBe("delivered");
    let cov = await coverage(c, w.id);
    expect(cov.channels.eb).toMatchObject({ targeted: 3, sent: 3, delivered: 3, played: 0, reached: 0 });
    expect(cov.reached).toBe(0);

    expect(await runAt(c, ebReadbackJob, minutes(c.clock.now, 2))).toMatchObject({ polled: 1, applied: 1 });
    expect((await ebDeliveries(c, w.id))[0]!.status).toBe("acknowledged");
    cov = await coverage(c, w.id);
    expect(cov.channels.eb).toMatchObject({ targeted: 3, played: 3, reached: 3000 });
    expect(cov).toMatchObject({ population: 4000, reached: 3000, notReached: [outside] });
    // Read-back stops at a final state.
    expect(await runAt(c, ebReadbackJob, minutes(c.clock.now, 3))).toMatchObject({ polled: 0 });
    expect(fake.stateRequests).toHaveLength(2);
  });

  it("keeps per-area coverage and per-terminal results as evidence, with an audit row per state", async () => {
    const c = ctx();
    const [b] = await c.tdb.db.execute<{ coverage: any[]; terminals: any[]; brd_state_code: number }>(sql`
      select coverage, terminals, brd_state_code from eb_broadcasts where warning_id = ${w.id}`);
    expect(b!.brd_state_code).toBe(3);
    expect(b!.coverage).toEqual([{ areaCode: reached.join(","), rate: 0.875, resBrdStat: "12,1,0" }]);
    expect(b!.terminals[0]).toMatchObject({ brdSysType: "1", brdStateCode: 3, fileUrl: "http://127.0.0.1/rec.mp3" });
    const audits = await c.tdb.db.execute<{ before: any; after: any }>(
      sql`select before, after from audit_log where action = 'eb.broadcast_state' order by id`,
    );
    expect(audits.map((a) => [a.before.brdStateCode, a.after.brdStateCode])).toEqual([
      [null, 2],
      [2, 3],
    ]);
  });

  it("a cancel reaches the platform as MsgType 2 naming the broadcast it stops", async () => {
    const c = ctx();
    const r = await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
      key: c.users.issuer.key,
      json: { reason: "降雨已减弱" },
    });
    expect(r.status).toBe(201);
    const cancel = await json(r);
    await finishPlans(c); // its targets: the platform's stop (a runner does this at commit)
    expect(await dispatchWith(c, channel(c))).toBe(1);
    expect(fake.problems).toEqual([]);
    const sent = fake.ebms[1]!.ebm;
    expect(sent.MsgBasicInfo.MsgType).toBe("2");
    expect(String(sent.RelatedEBM.EBMID)).toBe(String(fake.ebms[0]!.ebm.EBMID));
    expect(sent.MsgContent).toBeUndefined();
    expect((await ebDeliveries(c, cancel.id))[0]).toMatchObject({ status: "delivered" });
  });
});

describe("eb: a platform that goes down", () => {
  it("refusing a warning fails its delivery with the reason, shows it down, starts 叫应 chains", async () => {
    const c = ctx();
    const vs = await villages(c, "150404000000", 2);
    const primaries = await Promise.all(
      vs.map((v) => addPerson(c.tdb.db, { area: v, audiences: ["info_officer"], role: "primary" })),
    );
    const { fake, p } = await platform(c, "150404000000000102", "150404000000", { villages: vs });
    fake.refuseNext.push({ code: 3, desc: "缺少必要字段" });
    const w = await createIssued(c, { level: "red", areas: { codes: vs }, audiences: ["public"], channels: ["eb"] });
    await dispatchWith(c, channel(c));
    expect((await ebDeliveries(c, w.id))[0]).toMatchObject({ status: "failed", error_code: "eb_result_3" });
    expect((await ebDeliveries(c, w.id))[0]!.error).toContain("缺少必要字段");
    const listed = await json(await c.request("GET", "/api/v1/eb-platforms?area=150404000000"));
    expect(listed.items.find((x: any) => x.id === p.id)).toMatchObject({ state: "down" });
    expect(listed.items.find((x: any) => x.id === p.id).stateReason).toContain("ResultCode 3");

    const r = await runAt(c, loudspeakerFallbackJob, minutes(new Date(w.issuedAt), 1));
    expect(r).toMatchObject({ villages: 2 });
    for (const v of vs) expect(await chainOf(c, w.id, v)).toMatchObject({ reason: "device_offline", step: 1 });
    const asked = await c.tdb.db.execute<{ recipient_id: string }>(sql`
      select recipient_id from deliveries where warning_id = ${w.id} and purpose = 'escalation' and channel = 'sms'`);
    expect(asked.map((a) => Number(a.recipient_id)).sort()).toEqual([...primaries].sort());
  });

  it("missing k heartbeats turns it down; open broadcasts fail with the reason, chains start", async () => {
    const c = ctx();
    const vs = await villages(c, "150421000000", 2);
    const { fake, p } = await platform(c, "150421000000000103", "150421000000", {
      villages: vs,
      heartbeatSeconds: 60,
      heartbeatMisses: 3,
    });
    // Other tests' platforms are left alone: they are not this test's subject.
    await c.tdb.db.execute(sql`update eb_platforms set active = false where id <> ${p.id}`);
    const state = async () => (await json(await c.request("GET", "/api/v1/eb-platforms?area=150421000000"))).items[0];
    const t0 = c.clock.now;
    expect(await runAt(c, ebHeartbeatJob, t0)).toMatchObject({ checked: 1, answered: 1, up: 1 });
    expect(fake.heartbeats).toHaveLength(1);
    expect(await state()).toMatchObject({ state: "up", lastSeenAt: t0.toISOString() });
    const w = await createIssued(c, { level: "red", areas: { codes: vs }, audiences: ["public"], channels: ["eb"] });
    await dispatchWith(c, channel(c));
    expect((await ebDeliveries(c, w.id))[0]!.status).toBe("sent");

    fake.down = true;
    expect(await runAt(c, ebHeartbeatJob, minutes(t0, 1))).toMatchObject({ checked: 1, answered: 0, down: 0 });
    expect(await runAt(c, ebHeartbeatJob, minutes(t0, 2))).toMatchObject({ down: 0 });
    expect(await runAt(c, ebHeartbeatJob, minutes(t0, 3))).toMatchObject({ down: 1 });
    expect(await state()).toMatchObject({ state: "down", stateReason: "missed 3 heartbeats (60 s apart)" });

    await runAt(c, loudspeakerFallbackJob, minutes(t0, 3));
    expect((await ebDeliveries(c, w.id))[0]).toMatchObject({ status: "failed", error_code: "eb_platform_down" });
    expect((await ebDeliveries(c, w.id))[0]!.error).toContain("missed 3 heartbeats");
    for (const v of vs) expect(await chainOf(c, w.id, v)).toMatchObject({ reason: "device_offline" });
    const cov = await coverage(c, w.id);
    expect(cov.channels.eb).toMatchObject({ targeted: 2, failed: 2, played: 0 });

    // It answers again: up, with an audit row for each change.
    fake.down = false;
    expect(await runAt(c, ebHeartbeatJob, minutes(t0, 4))).toMatchObject({ up: 1 });
    const audits = await c.tdb.db.execute<{ action: string }>(
      sql`select action from audit_log where subject_id = ${p.id} order by id`,
    );
    expect(audits.map((a) => a.action)).toEqual([
      "eb_platform.create",
      "eb_platform.up",
      "eb_platform.down",
      "eb_platform.up",
    ]);
  });
});

describe("eb: vendor dialects are options per platform", () => {
  it.each([
    [
      "SentTime, CoveragePercent, zho, RelatedInfo",
      {
        sendTimeElement: "SentTime",
        coverageElement: "CoveragePercent",
        languageCodeForm: "alpha3t",
        relatedElement: "RelatedInfo",
      },
      { sendTime: "SentTime", coverage: "CoveragePercent", languageCodes: ["zho"], related: "RelatedInfo" },
      "150422000000",
      "150422000000000104",
    ],
    [
      "SendTime, CoverageRate, zh, RelatedEBM",
      { languageCodeForm: "alpha2" },
      { sendTime: "SendTime", coverage: "CoverageRate", languageCodes: ["zh"], related: "RelatedEBM" },
      "150423000000",
      "150423000000000105",
    ],
  ] as const)(
    "%s: the platform accepts the EBM, its coverage is read as 87.5 %%, and the cancel names the broadcast its way",
    async (_n, options, dialect, county, ebrid) => {
      const c = ctx();
      const vs = await villages(c, county, 2);
      const { fake } = await platform(
        c,
        ebrid,
        county,
        { villages: vs, options },
        { ...dialect, languageCodes: [...dialect.languageCodes] },
      );
      fake.defaultScript = [3];
      const w = await createIssued(c, {
        level: "yellow",
        areas: { codes: vs },
        audiences: ["public"],
        channels: ["eb"],
      });
      await dispatchWith(c, channel(c));
      expect(fake.problems).toEqual([]);
      expect(fake.ebms[0]!.ebm.MsgBasicInfo[dialect.sendTime]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      await runAt(c, ebReadbackJob, minutes(c.clock.now, 1));
      const [b] = await c.tdb.db.execute<{ coverage: any[] }>(
        sql`select coverage from eb_broadcasts where warning_id = ${w.id}`,
      );
      expect(b!.coverage[0].rate).toBe(0.875);
      await c.request("POST", `/api/v1/warnings/${w.id}/cancel`, {
        key: c.users.issuer.key,
        json: { reason: "险情解除" },
      });
      await finishPlans(c);
      await dispatchWith(c, channel(c));
      expect(fake.problems).toEqual([]);
      expect(String(fake.ebms[1]!.ebm[dialect.related].EBMID)).toBe(String(fake.ebms[0]!.ebm.EBMID));
    },
  );

  it("a strict SentTime platform refuses an EBM written with SendTime: the option makes it accept", async () => {
    const c = ctx();
    const vs = await villages(c, "150424000000", 1);
    const { fake } = await platform(
      c,
      "150424000000000106",
      "150424000000",
      { villages: vs },
      { sendTime: "SentTime", coverage: "CoverageRate", languageCodes: ["chi"], related: "RelatedEBM" },
    );
    const w = await createIssued(c, { level: "yellow", areas: { codes: vs }, audiences: ["public"], channels: ["eb"] });
    await dispatchWith(c, channel(c));
    expect(fake.problems).toContain("SentTime");
    expect((await ebDeliveries(c, w.id))[0]).toMatchObject({ status: "failed", error_code: "eb_result_3" });
  });
});
