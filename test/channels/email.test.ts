import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { useContext, type TestContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { SmtpSink } from "../helpers/smtp-sink.js";
import { EmailChannel } from "../../channels/email/email-channel.js";
import { createMailTransport, type MailTransport } from "../../channels/email/transport.js";
import { ChannelError } from "../../channels/contract.js";
import { dispatchWith } from "../helpers/dispatch.js";

const V = "150404001001"; // a village of 松山区
const ctx = useContext();
const sink = new SmtpSink();
let transport: MailTransport;

beforeAll(async () => {
  transport = createMailTransport({ smtpUrl: await sink.start(), poolSize: 2, outboxDir: "/nonexistent" });
});
afterAll(async () => {
  transport.close();
  await sink.stop();
});

const FROM = "赤峰市气象台 <warn@qxj.chifeng.example>";
const email = () => new EmailChannel(transport, FROM, { ratePerSecond: 1000, concurrency: 4 });

const dispatch = (c: TestContext, ch: EmailChannel) => dispatchWith(c, ch);

describe("email through nodemailer to a real SMTP server on loopback", () => {
  it("delivers text and HTML parts in UTF-8 with our headers; the Message-ID is the provider id", async () => {
    const c = ctx();
    await addPerson(c.tdb.db, {
      area: V,
      email: "chief@songshan.example",
      phone: null,
      audiences: ["township_official"],
    });
    const w = await createIssued(c, {
      areas: { codes: [V] },
      channels: ["email"],
      audiences: ["township_official"],
      description: "预计未来6小时松山区将出现50毫米以上降雨<注意>。",
    });
    const before = sink.received.length;
    expect(await dispatch(c, email())).toBe(1);
    const [row] = await deliveriesOf(c.tdb.db, w.id);
    expect(row!.status).toBe("delivered");
    const got = sink.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.to).toEqual(["chief@songshan.example"]);
    const mail = await simpleParser(got[0]!.raw);
    expect(mail.subject).toBe("赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]");
    expect(mail.from?.text).toContain("warn@qxj.chifeng.example");
    expect(mail.messageId).toBe(`<d${row!.id}.${w.id}@qxj.chifeng.example>`);
    expect(mail.headers.get("x-warncast-warning")).toBe(w.id);
    expect(mail.text).toContain("影响区域：");
    expect(mail.text).toContain("预计未来6小时松山区将出现50毫米以上降雨<注意>。");
    expect(mail.html).toContain("<h1");
    expect(mail.html).toContain("预计未来6小时松山区将出现50毫米以上降雨&lt;注意&gt;。");
    const { sql } = await import("drizzle-orm");
    const [p] = await c.tdb.db.execute<{ provider_id: string }>(
      sql`select provider_id from deliveries where id = ${row!.id}`,
    );
    expect(p!.provider_id).toBe(mail.messageId);
  });

  it("a partly rejected batch: 550 fails that recipient with the code, 451 retries, the rest are delivered", async () => {
    const c = ctx();
    const V2 = "150404001002";
    const addrs = ["a@ok.example", "b@ok.example", "gone@nowhere.example", "old@nowhere.example", "busy@slow.example"];
    for (const a of addrs)
      await addPerson(c.tdb.db, { area: V2, email: a, phone: null, audiences: ["county_official"] });
    sink.refuse.set("gone@nowhere.example", 550).set("old@nowhere.example", 553).set("busy@slow.example", 451);
    const w = await createIssued(c, { areas: { codes: [V2] }, channels: ["email"], audiences: ["county_official"] });
    expect(await dispatch(c, email())).toBe(5);
    const rows = await deliveriesOf(c.tdb.db, w.id);
    const by = Object.fromEntries(rows.map((r) => [r.address, { status: r.status, code: r.error_code }]));
    expect(by).toEqual({
      "a@ok.example": { status: "delivered", code: null },
      "b@ok.example": { status: "delivered", code: null },
      "gone@nowhere.example": { status: "failed", code: "smtp_550" },
      "old@nowhere.example": { status: "failed", code: "smtp_553" },
      "busy@slow.example": { status: "queued", code: "smtp_451" },
    });
    expect(rows.find((r) => r.address === "busy@slow.example")!.attempts).toBe(1);
    // The server is back for busy@: the retry (once due) goes through.
    sink.refuse.delete("busy@slow.example");
    c.clock.advance(10 * 60_000);
    expect(await dispatch(c, email())).toBe(1);
    expect((await deliveriesOf(c.tdb.db, w.id)).find((r) => r.address === "busy@slow.example")!.status).toBe(
      "delivered",
    );
  });

  it("a refused connection is retryable; a missing address is permanent", async () => {
    const dead = createMailTransport({ smtpUrl: "smtp://127.0.0.1:9", outboxDir: "/nonexistent" });
    const msg = {
      deliveryId: 1,
      warningId: "w",
      msgType: "Alert" as const,
      level: "red" as const,
      expires: new Date(Date.now() + 3600_000),
      language: "zh" as const,
      text: "t",
      subject: "s",
    };
    try {
      const e = await new EmailChannel(dead, FROM, { ratePerSecond: 1, concurrency: 1 })
        .send(msg, { recipientId: 1, deviceId: null, address: "x@y.example", villageCode: V })
        .catch((x) => x);
      expect(e).toBeInstanceOf(ChannelError);
      expect((e as ChannelError).retryable).toBe(true);
    } finally {
      dead.close();
    }
    const e2 = await email()
      .send(msg, { recipientId: 1, deviceId: null, address: null, villageCode: V })
      .catch((x) => x);
    expect(e2).toMatchObject({ code: "no_address", retryable: false });
  });

  it("without SMTP_URL, messages become .eml files in the outbox", async () => {
    const dir = await mkdtemp(join(tmpdir(), "warncast-outbox-"));
    const t = createMailTransport({ outboxDir: dir });
    try {
      const r = await new EmailChannel(t, FROM, { ratePerSecond: 1, concurrency: 1 }).send(
        {
          deliveryId: 7,
          warningId: "w1",
          msgType: "Alert",
          level: "red",
          expires: new Date(Date.now() + 3600_000),
          language: "zh",
          text: "正文",
          subject: "赤峰市气象台发布暴雨红色预警",
          html: "<p>正文</p>",
        },
        { recipientId: 1, deviceId: null, address: "x@y.example", villageCode: V },
      );
      expect(r).toEqual({ providerId: "<d7.w1@qxj.chifeng.example>", status: "delivered" });
      const files = await readdir(dir);
      expect(files).toHaveLength(1);
      const mail = await simpleParser(await readFile(join(dir, files[0]!)));
      expect(mail.subject).toBe("赤峰市气象台发布暴雨红色预警");
      expect(mail.text?.trim()).toBe("正文");
    } finally {
      t.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
