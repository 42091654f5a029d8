import { levelName, word } from "../i18n.js";
import { Layout, Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import type { Grading } from "../../config/grading.js";

export interface PreviewItem { channel: string; language: string; requestedLanguage: string; text: string; subject?: string; segments?: number; maxSegments?: number; withinBudget: boolean }
export interface PendingItem { id: string; headline: string; level: string; description: string; createdBy: string; sms: PreviewItem | null; previews: PreviewItem[] }

export function ApprovalsPage(p: { ctx: PageCtx; session: Session; grading: Grading; items: PendingItem[]; flash?: string | null; error?: string | null }) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("approvals")} flash={p.flash ?? null} error={p.error ?? null}>
      <h1>{t("approvals")}</h1>
      {p.items.length === 0 && <p class="muted">{t("noPending")}</p>}
      {p.items.map((w) => (
        <div class="card pending" data-id={w.id}>
          <h2><span class={`lvl lvl-${w.level}`}>{levelName(p.ctx.lang, p.grading, w.level)}</span> <a href={`/warnings/${w.id}`}>{w.headline}</a></h2>
          <p>{w.description}</p>
          {w.sms && <div class="preview"><pre>{w.sms.text}</pre><p class="muted">{t("segments")}: {w.sms.segments} / {w.sms.maxSegments}</p></div>}
          {w.previews.length > 0 && (
            <details class="previews">
              <summary>{t("preview")} ({w.previews.length})</summary>
              {w.previews.map((x) => (
                <div class="preview" data-channel={x.channel} data-language={x.requestedLanguage}>
                  <h3>{word(t, "ch", x.channel)} · {x.requestedLanguage}{x.language !== x.requestedLanguage ? ` → ${x.language}` : ""}</h3>
                  {x.subject && <p class="muted">{x.subject}</p>}
                  <pre>{x.text}</pre>
                  {x.segments !== undefined && <p class={x.withinBudget ? "muted" : "over"}>{t("segments")}: {x.segments} / {x.maxSegments}{x.withinBudget ? "" : ` · ${t("overBudget")}`}</p>}
                </div>
              ))}
            </details>
          )}
          {may(p.session, "warning.approve") && (
            <div class="actions">
              <form method="post" action={`/warnings/${w.id}/approve`} class="inline"><Csrf session={p.session} /><input type="hidden" name="back" value="/approvals" /><button type="submit" class="approve">{t("approve")}</button></form>{" "}
              <form method="post" action={`/warnings/${w.id}/reject`} class="inline"><Csrf session={p.session} /><input type="hidden" name="back" value="/approvals" /><input name="reason" placeholder={t("reason")} required /> <button type="submit" class="danger">{t("reject")}</button></form>
            </div>
          )}
        </div>
      ))}
    </Layout>
  );
}
