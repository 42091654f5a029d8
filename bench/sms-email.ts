// bench/sms-email: the channel adapters alone, against loopback providers.
// SMS: the real twilio client posting to a Twilio-compatible loopback gateway, against a
// bare fetch() of the same form to the same gateway (the HTTP ceiling) in the same run.
// Email: the email channel over pooled nodemailer SMTP to an in-process SMTP server,
// against bare sendMail on the same pool, and one connection for reference.
import { percentile, report, rssMb } from "./lib.js";
import { TwilioGateway } from "../test/helpers/twilio-gateway.js";
import { SmtpSink } from "../test/helpers/smtp-sink.js";
import { TwilioSmsChannel } from "../channels/sms/twilio-channel.js";
import { EmailChannel } from "../channels/email/email-channel.js";
import { createMailTransport } from "../channels/email/transport.js";
import type { Channel, OutboundMessage } from "../channels/contract.js";

const SMS_N = Number(process.env.BENCH_SMS ?? 5_000);
const MAIL_N = Number(process.env.BENCH_EMAIL ?? 3_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TEXT =
  "【赤峰市气象局】赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]：红山区、松山区等5个旗县区，预计未来6小时将出现50毫米以上降雨。注意防范城乡积涝和山洪。";

async function run(n: number, concurrency: number, one: (i: number) => Promise<unknown>) {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = performance.now();
        await one(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSec: Math.round(n / secs), p50: percentile(lat, 50).toFixed(1), p99: percentile(lat, 99).toFixed(1) };
}

const msg = (i: number): OutboundMessage => ({
  deliveryId: i,
  warningId: "00000000-0000-4000-8000-000000000000",
  msgType: "Alert",
  level: "orange",
  expires: new Date(Date.now() + 6 * 3600_000),
  language: "zh",
  text: TEXT,
  subject: "赤峰市气象台发布暴雨橙色预警[Ⅱ级/严重]",
  html: `<p>${TEXT}</p>`,
});
const to = (i: number, address: string) => ({ recipientId: i, deviceId: null, address, villageCode: "150402001001" });

const gw = new TwilioGateway("AC" + "0".repeat(32), "bench-token");
const sink = new SmtpSink();
try {
  const base = await gw.start();
  const sms: Channel = new TwilioSmsChannel(
    {
      accountSid: gw.accountSid,
      authToken: gw.authToken,
      baseUrl: base,
      from: "+15005550006",
      statusCallback: "http://127.0.0.1/webhooks/twilio/status",
    },
    { ratePerSecond: Infinity, concurrency: CONCURRENCY },
  );
  await run(200, CONCURRENCY, (i) => sms.send(msg(i), to(i, `+86139${String(i).padStart(8, "0")}`))); // warm-up
  const viaClient = await run(SMS_N, CONCURRENCY, (i) =>
    sms.send(msg(i), to(i, `+86139${String(i).padStart(8, "0")}`)),
  );
  const auth = "Basic " + Buffer.from(`${gw.accountSid}:${gw.authToken}`).toString("base64");
  const bare = await run(SMS_N, CONCURRENCY, async (i) => {
    const r = await fetch(`${base}/2010-04-01/Accounts/${gw.accountSid}/Messages.json`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        To: `+86139${String(i).padStart(8, "0")}`,
        From: "+15005550006",
        Body: TEXT,
        ValidityPeriod: "3600",
      }),
    });
    await r.json();
  });
  report("sms", {
    messages: SMS_N,
    concurrency: CONCURRENCY,
    twilio_client_msg_s: viaClient.perSec,
    p50_ms: viaClient.p50,
    p99_ms: viaClient.p99,
    baseline_fetch_msg_s: bare.perSec,
    baseline_p50_ms: bare.p50,
    ratio_vs_baseline: (viaClient.perSec / bare.perSec).toFixed(2),
    rss_mb: rssMb(),
  });

  const smtpUrl = await sink.start();
  const pooled = createMailTransport({ smtpUrl, poolSize: 5, outboxDir: "/nonexistent" });
  const single = createMailTransport({ smtpUrl, poolSize: 1, outboxDir: "/nonexistent" });
  const email = new EmailChannel(pooled, "warncast <warn@bench.example>", { ratePerSecond: Infinity, concurrency: 20 });
  await run(100, 20, (i) => email.send(msg(i), to(i, `p${i}@bench.example`)));
  const ch = await run(MAIL_N, 20, (i) => email.send(msg(i), to(i, `p${i}@bench.example`)));
  const bareMail = await run(MAIL_N, 20, (i) =>
    pooled.transporter.sendMail({
      from: "warn@bench.example",
      to: `p${i}@bench.example`,
      subject: "s",
      text: TEXT,
      html: `<p>${TEXT}</p>`,
    }),
  );
  const one = await run(MAIL_N, 20, (i) =>
    single.transporter.sendMail({
      from: "warn@bench.example",
      to: `p${i}@bench.example`,
      subject: "s",
      text: TEXT,
      html: `<p>${TEXT}</p>`,
    }),
  );
  pooled.close();
  single.close();
  report("email", {
    messages: MAIL_N,
    pool: 5,
    channel_msg_s: ch.perSec,
    p50_ms: ch.p50,
    p99_ms: ch.p99,
    baseline_sendmail_pool5_msg_s: bareMail.perSec,
    ratio_vs_baseline: (ch.perSec / bareMail.perSec).toFixed(2),
    reference_pool1_msg_s: one.perSec,
    received: sink.received.length,
    rss_mb: rssMb(),
  });
} finally {
  await gw.stop();
  await sink.stop();
}
