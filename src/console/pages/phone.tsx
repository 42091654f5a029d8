// 居民手机 (demo): the SMS a synthetic number received, as its owner would read them, with
// a button that simulates the reply "1" so a newcomer can watch a 叫应 chain close.
import { Layout, Csrf, type PageCtx } from "../layout.js";
import type { Session } from "../session.js";
import { word } from "../i18n.js";
import { beijing } from "../format.js";

export interface PhoneMessage {
  deliveryId: number;
  warningId: string;
  purpose: string;
  status: string;
  text: string | null;
  at: string | null;
  acknowledgedAt: string | null;
  canReply: boolean;
}

export function PhonePage(p: {
  ctx: PageCtx;
  session: Session;
  number: string;
  owner: string | null;
  items: PhoneMessage[];
  flash?: string | null;
  error?: string | null;
}) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("phone")} flash={p.flash ?? null} error={p.error ?? null}>
      <h1>{t("residentPhone")}</h1>
      <p class="muted">{t("phoneHint")}</p>
      <form method="get" class="card" id="phone-form">
        <label for="number">{t("phone")}</label>
        <input id="number" name="number" value={p.number} placeholder="+8610000000014" />{" "}
        <button type="submit">{t("show")}</button>
      </form>
      {p.number && (
        <h2>
          {p.owner ?? t("noSuchPhone")} <small class="code">{p.number}</small>
        </h2>
      )}
      <div class="phone" id="inbox">
        {p.items.map((m) => (
          <div class="sms card" data-delivery={String(m.deliveryId)} data-status={m.status}>
            <p class="muted">
              {beijing(m.at)} · {m.purpose === "escalation" ? t("escalations") : t("warnings")} ·{" "}
              {word(t, "ds", m.status)}
            </p>
            <p>{m.text ?? "—"}</p>
            {m.acknowledgedAt && (
              <p class="muted">
                {t("replied")} {beijing(m.acknowledgedAt)}
              </p>
            )}
            {m.canReply && (
              <form method="post" action={`/demo/phone/reply/${m.deliveryId}`}>
                <Csrf session={p.session} />
                <input type="hidden" name="number" value={p.number} />
                <button type="submit" class="secondary reply">
                  {t("replyOne")}
                </button>
              </form>
            )}
          </div>
        ))}
      </div>
    </Layout>
  );
}
