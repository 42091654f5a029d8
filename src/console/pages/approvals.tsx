// The approval queue: each card shows everything the approver signs off on (where, how
// many people, which channels to how many targets, when, who wrote it, the exact text),
// and approving takes a second, explicit step.
import { levelName, word, typeName } from "../i18n.js";
import { Layout, Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import type { Grading } from "../../config/grading.js";
import { beijing, count } from "../format.js";
import type { WarningDto, ReachDto, PreviewItem, AreaLabel } from "../types.js";

export interface PendingItem {
  w: WarningDto;
  reach: ReachDto | null;
  areas: AreaLabel[];
  sms: PreviewItem | null;
  previews: PreviewItem[];
}

/** The number of targets behind one channel, as the approver should read it. */
export function channelTargets(t: PageCtx["t"], ch: string, r: ReachDto | null): string {
  if (!r) return "—";
  const dev = (kind: string) => r.devices.find((d) => d.kind === kind) ?? { total: 0, online: 0 };
  switch (ch) {
    case "sms":
      return `${count(r.withPhone)} ${t("persons")}`;
    case "email":
      return `${count(r.withEmail)} ${t("persons")}`;
    case "eb":
      return `${count(r.platforms)} ${t("platforms")}`;
    default: {
      const d = dev(ch);
      return `${count(d.total)} ${t("units")}（${t("online")} ${count(d.online)}）`;
    }
  }
}

export function ApprovalCard(p: { ctx: PageCtx; grading: Grading; item: PendingItem }) {
  const { t, lang } = p.ctx;
  const { w, reach } = p.item;
  return (
    <dl class="facts">
      <dt>{t("type")}</dt>
      <dd>
        {typeName(lang, p.grading, w.type)} · {levelName(lang, p.grading, w.level)}
      </dd>
      <dt>{t("area")}</dt>
      <dd class="areas">
        {p.item.areas.map((a) => (
          <span class="area">
            {a.label} <small class="code">{a.code}</small>
          </span>
        ))}
      </dd>
      <dt>{t("population")}</dt>
      <dd class="population">
        {reach ? `${count(reach.population)} ${t("persons")} · ${count(reach.villages)} ${t("villagesUnit")}` : "—"}
      </dd>
      <dt>{t("people")}</dt>
      <dd class="people">
        {reach ? `${count(reach.people)} ${t("persons")}` : "—"} ·{" "}
        {w.audiences.map((a) => word(t, "aud", a)).join("、")}
      </dd>
      <dt>{t("channels")}</dt>
      <dd>
        <ul class="plain">
          {w.channels.map((ch) => (
            <li data-channel={ch}>
              {word(t, "ch", ch)}：<span class="n">{channelTargets(t, ch, reach)}</span>
            </li>
          ))}
        </ul>
      </dd>
      <dt>{t("onset")}</dt>
      <dd class="onset">
        {w.onset ? beijing(w.onset) : t("onApproval")} <small>{t("bjt")}</small>
      </dd>
      <dt>{t("expires")}</dt>
      <dd class="expires">
        {beijing(w.expires)} <small>{t("bjt")}</small>
      </dd>
      <dt>{t("author")}</dt>
      <dd class="author">
        {reach?.author.name ?? "—"} · {w.senderName}
      </dd>
    </dl>
  );
}

export function ApprovalsPage(p: {
  ctx: PageCtx;
  session: Session;
  grading: Grading;
  items: PendingItem[];
  flash?: string | null;
  error?: string | null;
}) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("approvals")} flash={p.flash ?? null} error={p.error ?? null}>
      <h1>{t("approvals")}</h1>
      {p.items.length === 0 && <p class="muted">{t("noPending")}</p>}
      {p.items.map((item) => {
        const w = item.w;
        return (
          <div class="card pending" data-id={w.id}>
            <h2>
              <span class={`lvl lvl-${w.level}`}>{levelName(p.ctx.lang, p.grading, w.level)}</span>{" "}
              <a href={`/warnings/${w.id}`}>{w.headline}</a>
            </h2>
            <ApprovalCard ctx={p.ctx} grading={p.grading} item={item} />
            <h3>{t("smsText")}</h3>
            {item.sms ? (
              <div class="preview sms">
                <pre>{item.sms.text}</pre>
                <p class="muted">
                  {t("segments")}: {item.sms.segments} / {item.sms.maxSegments}
                </p>
              </div>
            ) : (
              <p class="muted">{t("noSms")}</p>
            )}
            {item.previews.length > 0 && (
              <details class="previews">
                <summary>
                  {t("preview")} ({item.previews.length})
                </summary>
                {item.previews.map((x) => (
                  <div class="preview" data-channel={x.channel} data-language={x.requestedLanguage}>
                    <h3>
                      {word(t, "ch", x.channel)} · {word(t, "lang", x.requestedLanguage)}
                      {x.language !== x.requestedLanguage ? ` → ${word(t, "lang", x.language)}` : ""}
                    </h3>
                    {x.subject && <p class="muted">{x.subject}</p>}
                    <pre>{x.text}</pre>
                    {x.segments !== undefined && (
                      <p class={x.withinBudget ? "muted" : "over"}>
                        {t("segments")}: {x.segments} / {x.maxSegments}
                        {x.withinBudget ? "" : ` · ${t("overBudget")}`}
                      </p>
                    )}
                  </div>
                ))}
              </details>
            )}
            {may(p.session, "warning.approve") && (
              <ApproveActions session={p.session} t={t} id={w.id} back="/approvals" />
            )}
          </div>
        );
      })}
    </Layout>
  );
}

/** Approve and reject, each behind a second step: a <details> opens the confirming form,
 * so one stray click never issues a warning (and no script is needed). */
export function ApproveActions(p: { session: Session; t: PageCtx["t"]; id: string; back?: string }) {
  const { t } = p;
  const back = p.back ? <input type="hidden" name="back" value={p.back} /> : null;
  return (
    <div class="actions">
      <details class="confirm approve-step">
        <summary class="button">{t("approve")}…</summary>
        <form method="post" action={`/warnings/${p.id}/approve`}>
          <Csrf session={p.session} />
          {back}
          <p>{t("confirmApproveText")}</p>
          <button type="submit" class="approve confirm-approve">
            {t("confirmApprove")}
          </button>
        </form>
      </details>
      <details class="confirm reject-step">
        <summary class="button secondary">{t("reject")}…</summary>
        <form method="post" action={`/warnings/${p.id}/reject`}>
          <Csrf session={p.session} />
          {back}
          <label>
            {t("rejectReason")} <input name="reason" required maxlength={2000} />
          </label>
          <button type="submit" class="danger confirm-reject">
            {t("confirmReject")}
          </button>
        </form>
      </details>
    </div>
  );
}
