// Daily digest at 08:00 Asia/Shanghai = 00:00 UTC. The cron is written in UTC because
// Workers cron triggers only run in UTC and node-cron is registered in UTC too, so both
// runtimes read the same expression the same way.
import type { Job } from "./job.js";
import { coverageTotals } from "../db/queries/coverage.js";
import { computeDigest } from "../domain/digest.js";

const DAY_MS = 86_400_000;

export const digestJob: Job = {
  name: "digest",
  cron: "0 0 * * *",
  async run(s, at) {
    const from = new Date(at.getTime() - DAY_MS);
    // An empty prefix matches every area: the digest covers the whole service.
    const warnings = await coverageTotals(s.db, { from, to: at, scopePrefix: "" });
    const d = computeDigest({ from, to: at, warnings, tz: s.config.tzDisplay, senderName: s.config.senderName });
    const figures = {
      warnings: d.all.warnings,
      majorRate: d.major.rate,
      allRate: d.all.rate,
      majorMet: d.major.met,
      allMet: d.all.met,
    };
    const to = s.config.digestEmails;
    if (!s.mailer || to.length === 0) {
      s.log.info("digest not emailed", {
        reason: s.mailer ? "DIGEST_EMAILS is empty" : "no mailer configured",
        subject: d.subject,
        text: d.text,
      });
      return { ...figures, emailed: 0 };
    }
    const { messageId } = await s.mailer.send({ to, subject: d.subject, text: d.text, html: d.html });
    return { ...figures, emailed: to.length, messageId };
  },
};
