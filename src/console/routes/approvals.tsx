// The approval queue, and the actions on a warning (approve, reject, submit, cancel): the API decides.
import type { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import { areaLabels, problemMessage, type C } from "../context.js";
import { word } from "../i18n.js";
import { ApprovalsPage, type PendingItem } from "../pages/approvals.js";
import type { Page, PreviewItem, ReachDto, WarningDto } from "../types.js";

export function mountApprovals(app: Hono<AppEnv>): void {
  // ---- approvals
  app.get("/approvals", async (c: C) => {
    const call = c.get("call");
    const list = await call<Page<WarningDto>>("GET", "/api/v1/warnings?status=pending&limit=100");
    const items: PendingItem[] = await Promise.all(
      (list.ok ? list.body.items : []).map(async (w) => {
        // Every channel × language as recipients will get it, and whom: what the approver signs off.
        const [pv, reach, areas] = await Promise.all([
          call<{ items: PreviewItem[] }>("GET", `/api/v1/warnings/${w.id}/preview`),
          call<ReachDto>("GET", `/api/v1/warnings/${w.id}/reach`),
          areaLabels(c, w.areas.codes),
        ]);
        const previews = pv.ok ? pv.body.items : [];
        const sms = previews.find((x) => x.channel === "sms" && x.requestedLanguage === "zh") ?? null;
        return { w, reach: reach.ok ? reach.body : null, areas, sms, previews };
      }),
    );
    return c.html(
      <ApprovalsPage
        ctx={c.get("page")}
        session={c.get("session")}
        grading={c.get("services").grading}
        items={items}
        flash={c.req.query("flash") ?? null}
        error={c.req.query("error") ?? null}
      />,
    );
  });

  // ---- actions on a warning: the API decides; its problem detail is shown as it is.
  for (const action of ["approve", "reject", "submit", "cancel"] as const) {
    app.post(`/warnings/:id/${action}`, async (c: C) => {
      const id = c.req.param("id")!;
      const form = await c.req.parseBody();
      const reason = String(form.reason ?? "").trim();
      const body = action === "reject" || action === "cancel" ? { reason } : undefined;
      const back = String(form.back ?? "") === "/approvals" ? "/approvals" : null;
      const t = c.get("page").t;
      // Said in the user's language before the API's (English) validation message would be.
      if (action === "cancel" && !reason) {
        return c.redirect(`/warnings/${encodeURIComponent(id)}?error=${encodeURIComponent(t("reasonRequired"))}`, 303);
      }
      const r = await c.get("call")<WarningDto>("POST", `/api/v1/warnings/${id}/${action}`, body);
      if (!r.ok) {
        const msg = r.problem?.rule === "self_approval" ? t("selfApproval") : problemMessage(c.get("page"), r.problem);
        // The id is as posted (the API refused it): encoded, or a NUL in it breaks the header.
        return c.redirect(`${back ?? `/warnings/${encodeURIComponent(id)}`}?error=${encodeURIComponent(msg)}`, 303);
      }
      const target = action === "cancel" || action === "approve" ? r.body.id : id;
      const verb = t(action === "approve" ? "approve" : action === "reject" ? "reject" : "submit");
      const done = `${verb}：${word(t, "st", r.body.status)}`;
      return c.redirect(back ? `/approvals?flash=${encodeURIComponent(done)}` : `/warnings/${target}`, 303);
    });
  }
}
