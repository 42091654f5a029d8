// Devices and people of an area.
import { Layout, Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import { word } from "../i18n.js";

export function DevicesPage(p: { ctx: PageCtx; area: string; items: any[]; error?: string | null }) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("devices")} error={p.error ?? null}>
      <h1>{t("devices")}</h1>
      <form method="get" class="card">{t("area")} <input name="area" value={p.area} pattern="\d{12}" /> <button type="submit">{t("filter")}</button></form>
      <table id="devices">
        <thead><tr><th>{t("name")}</th><th>{t("kind")}</th><th>{t("area")}</th><th>{t("status")}</th><th>{t("lastSeen")}</th></tr></thead>
        <tbody>{p.items.map((d) => (
          <tr data-id={d.id}><td>{d.name}</td><td>{word(t, "ch", d.kind)}</td><td>{d.areaCode}</td><td class={d.online ? "rate met" : "muted"}>{d.online ? t("online") : t("offline")}</td>
            <td>{d.lastSeen ? new Date(d.lastSeen).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }) : "—"}</td></tr>
        ))}</tbody>
      </table>
    </Layout>
  );
}

export interface ImportReport { imported: number; rejected: { line: number; reason: string }[] }

export function PeoplePage(p: { ctx: PageCtx; session: Session; area: string; items: any[]; report?: ImportReport | null; error?: string | null }) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("people")} error={p.error ?? null}>
      <h1>{t("people")}</h1>
      <form method="get" class="card">{t("area")} <input name="area" value={p.area} pattern="\d{12}" /> <button type="submit">{t("filter")}</button></form>
      {may(p.session, "people.write") && <form method="post" action="/people/import" enctype="multipart/form-data" class="card" id="import">
        <Csrf session={p.session} />
        <label for="csv">{t("importCsv")}</label>
        <input type="file" id="csv" name="csv" accept=".csv,text/csv" required /> <button type="submit">{t("importCsv")}</button>
      </form>}
      {p.report && (
        <div class="card" id="import-report">
          <p>{t("imported")}: <strong>{p.report.imported}</strong></p>
          {p.report.rejected.length > 0 && (
            <>
              <h2>{t("rejectedRows")}</h2>
              <table><thead><tr><th>{t("line")}</th><th>{t("reason")}</th></tr></thead>
                <tbody>{p.report.rejected.map((r) => <tr><td>{r.line}</td><td>{r.reason}</td></tr>)}</tbody></table>
            </>
          )}
        </div>
      )}
      <table id="people">
        <thead><tr><th>{t("name")}</th><th>{t("phone")}</th><th>{t("area")}</th><th>{t("audiences")}</th><th>{t("role")}</th><th>{t("language")}</th></tr></thead>
        <tbody>{p.items.map((r) => <tr><td>{r.name}</td><td>{r.phone ?? "—"}</td><td>{r.areaCode}</td><td>{(r.audiences ?? []).map((a: string) => word(t, "aud", a)).join(", ")}</td><td>{r.role ?? "—"}</td><td>{r.language}</td></tr>)}</tbody>
      </table>
    </Layout>
  );
}
