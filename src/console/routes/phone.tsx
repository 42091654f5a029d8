// The demo's resident's phone: only synthetic numbers (recipients.synthetic, +86100…), so
// it never shows what a real person received. The reply goes through the API's audited
// delivery ack, as a phone confirmation would; the escalation job then closes the chain.
import type { Hono } from "hono";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../http/env.js";
import { problemMessage, type C } from "../context.js";
import { PhonePage, type PhoneMessage } from "../pages/phone.js";
import type { PreviewItem } from "../types.js";

export function mountPhone(app: Hono<AppEnv>): void {
  app.get("/demo/phone", async (c: C) => {
    const number = (c.req.query("number") ?? "").trim().slice(0, 20);
    const { db } = c.get("services");
    let owner: string | null = null;
    const items: PhoneMessage[] = [];
    if (number) {
      const [r] = await db.execute<{ name: string }>(
        sql`select name from recipients where phone = ${number} and synthetic limit 1`,
      );
      owner = r?.name ?? null;
      if (owner) {
        const rows = await db.execute<{
          id: number;
          warning_id: string;
          purpose: string;
          status: string;
          language: string;
          sent_at: string | Date | null;
          queued_at: string | Date;
          acknowledged_at: string | Date | null;
          in_force: boolean;
        }>(sql`
          select d.id, d.warning_id, d.purpose, d.status, coalesce(d.rendered_language, d.language) as language,
            d.sent_at,
            d.queued_at, d.acknowledged_at, (w.status = 'issued' and w.expires > now()) as in_force
          from deliveries d join warnings w on w.id = d.warning_id
          where d.channel = 'sms' and d.address = ${number} and d.status in ('sent', 'delivered', 'acknowledged')
          order by d.queued_at desc limit 30`);
        const call = c.get("call");
        for (const d of rows) {
          const pv = await call<PreviewItem>(
            "GET",
            `/api/v1/warnings/${d.warning_id}/preview?channel=sms&language=${d.language}`,
          );
          items.push({
            deliveryId: Number(d.id),
            warningId: d.warning_id,
            purpose: d.purpose,
            status: d.status,
            text: pv.ok ? pv.body.text : null,
            // Raw SQL rows carry timestamps as text or Date depending on the driver's parsers.
            at: new Date(d.sent_at ?? d.queued_at).toISOString(),
            acknowledgedAt: d.acknowledged_at ? new Date(d.acknowledged_at).toISOString() : null,
            canReply: d.in_force && !d.acknowledged_at,
          });
        }
      }
    }
    return c.html(
      <PhonePage
        ctx={c.get("page")}
        session={c.get("session")}
        number={number}
        owner={owner}
        items={items}
        flash={c.req.query("flash") ?? null}
        error={c.req.query("error") ?? null}
      />,
    );
  });

  app.post("/demo/phone/reply/:delivery", async (c: C) => {
    const form = await c.req.parseBody();
    const number = String(form.number ?? "").slice(0, 20);
    const id = Number(c.req.param("delivery"));
    const { db } = c.get("services");
    const t = c.get("page").t;
    const [own] = Number.isSafeInteger(id)
      ? await db.execute<{ ok: number }>(sql`
      select 1 as ok from deliveries d join recipients r on r.id = d.recipient_id
      where d.id = ${id} and d.address = ${number} and r.synthetic`)
      : [];
    if (!own)
      return c.redirect(
        `/demo/phone?number=${encodeURIComponent(number)}&error=${encodeURIComponent(t("noSuchPhone"))}`,
        303,
      );
    const r = await c.get("call")("POST", `/api/v1/deliveries/${id}/ack`, {
      note: "simulated SMS reply 1 (demo resident's phone)",
    });
    const q = r.ok
      ? `flash=${encodeURIComponent(t("replied"))}`
      : `error=${encodeURIComponent(problemMessage(c.get("page"), r.problem))}`;
    return c.redirect(`/demo/phone?number=${encodeURIComponent(number)}&${q}`, 303);
  });
}
