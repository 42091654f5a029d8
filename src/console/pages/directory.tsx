// Devices and people of an area: names first, codes as secondary text; offline devices
// listed first and shown loud, since a silent loudspeaker is the dangerous state.
import { Layout, Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import { word } from "../i18n.js";
import { beijing, count } from "../format.js";
import type { DeviceDto, RecipientDto } from "../types.js";

const areaCell = (names: Map<string, string>, code: string) => (
  <>
    {names.get(code) ?? code} <small class="code">{code}</small>
  </>
);

export interface DevicesView {
  area: string;
  areaName: string;
  state: "" | "online" | "offline";
  items: DeviceDto[];
  names: Map<string, string>;
  nextCursor: string | null;
  /** The first page (100 a page): no link back to it. */
  first: boolean;
  created?: { name: string; token: string } | null;
  /** Offline devices in the whole area (not only this page); null when unknown. */
  offline: number | null;
  offlineMore: boolean;
}

export function DevicesPage(p: {
  ctx: PageCtx;
  session: Session;
  v: DevicesView;
  error?: string | null;
  flash?: string | null;
}) {
  const { t } = p.ctx;
  const { v } = p;
  const shown = v.items
    .filter((d) => (v.state === "online" ? d.online : v.state === "offline" ? !d.online : true))
    .sort((a, b) => Number(a.online) - Number(b.online));
  const q = (state: string) => `/devices?area=${v.area}${state ? `&state=${state}` : ""}`;
  return (
    <Layout ctx={p.ctx} title={t("devices")} error={p.error ?? null} flash={p.flash ?? null}>
      <h1>
        {t("devices")} · {v.areaName}
      </h1>
      <p class="filters">
        <a href={q("")} class={v.state === "" ? "on" : ""}>
          {t("all")}
        </a>
        {" · "}
        <a href={q("offline")} id="filter-offline" class={`status-offline ${v.state === "offline" ? "on" : ""}`}>
          {t("offline")} {count(v.offline)}
          {v.offlineMore ? "+" : ""}
        </a>
        {" · "}
        <a href={q("online")} id="filter-online" class={v.state === "online" ? "on" : ""}>
          {t("online")}
        </a>
      </p>
      <form method="get" class="card">
        {t("area")} <input name="area" value={v.area} pattern="\d{12}" /> <button type="submit">{t("filter")}</button>
      </form>
      {v.created && (
        <div class="card flash" id="device-token">
          <p>
            {v.created.name}：{t("tokenOnce")}
          </p>
          <pre>
            <code id="token">{v.created.token}</code>
          </pre>
        </div>
      )}
      {may(p.session, "devices.write") && (
        <details class="card" id="register" open={v.items.length === 0}>
          <summary>{t("register")}</summary>
          <form method="post" action="/devices">
            <Csrf session={p.session} />
            <label for="d-kind">{t("kind")}</label>
            <select id="d-kind" name="kind">
              <option value="loudspeaker">{t("ch_loudspeaker")}</option>
              <option value="display">{t("ch_display")}</option>
            </select>
            <label for="d-area">
              {t("village")}（{t("code")}）
            </label>
            <input id="d-area" name="areaCode" required pattern="\d{12}(-\d{2})?" />
            <label for="d-name">{t("name")}</label>
            <input id="d-name" name="name" required maxlength={100} />
            <label for="d-reach">{t("reach")}</label>
            <input id="d-reach" name="reach" type="number" min={0} />
            <p>
              <button type="submit" id="d-submit">
                {t("register")}
              </button>
            </p>
          </form>
        </details>
      )}
      <table id="devices">
        <thead>
          <tr>
            <th>{t("name")}</th>
            <th>{t("kind")}</th>
            <th>{t("area")}</th>
            <th>{t("status")}</th>
            <th>
              {t("lastSeen")}（{t("bjt")}）
            </th>
            <th>{t("actions")}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((d) => (
            <tr data-id={d.id} data-online={String(d.online)}>
              <td>{d.name}</td>
              <td>{word(t, "ch", d.kind)}</td>
              <td>{areaCell(v.names, d.areaCode)}</td>
              <td>
                {d.revoked ? (
                  <span class="muted">{t("revoked")}</span>
                ) : d.online ? (
                  <span class="status-online">{t("online")}</span>
                ) : (
                  <span class="status-offline">{t("offline")}</span>
                )}
              </td>
              <td>{beijing(d.lastSeen)}</td>
              <td>
                {!d.revoked && may(p.session, "devices.write") && (
                  <form method="post" action={`/devices/${d.id}/revoke`} class="inline">
                    <Csrf session={p.session} />
                    <button type="submit" class="secondary revoke">
                      {t("revoke")}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="pager">
        {!v.first && (
          <a href={q(v.state)} id="devices-first-page">
            {t("firstPage")}
          </a>
        )}{" "}
        {v.nextCursor && (
          <a href={`${q(v.state)}&cursor=${encodeURIComponent(v.nextCursor)}`} id="devices-next-page">
            {t("nextPage")}
          </a>
        )}
      </p>
    </Layout>
  );
}

export interface ImportReport {
  imported: number;
  rejected: { line: number; reason: string }[];
  /** The file's columns no field is read from (named as the import normalised them). */
  ignoredColumns: string[];
}
export interface PeopleView {
  area: string;
  areaName: string;
  q: string;
  items: RecipientDto[];
  names: Map<string, string>;
  nextCursor: string | null;
  first: boolean;
}

export function PeoplePage(p: {
  ctx: PageCtx;
  session: Session;
  v: PeopleView;
  report?: ImportReport | null;
  error?: string | null;
}) {
  const { t } = p.ctx;
  const { v } = p;
  const base = `/people?area=${v.area}${v.q ? `&q=${encodeURIComponent(v.q)}` : ""}`;
  return (
    <Layout ctx={p.ctx} title={t("people")} error={p.error ?? null}>
      <h1>
        {t("people")} · {v.areaName}
      </h1>
      <form method="get" class="card" id="people-search">
        <input type="hidden" name="area" value={v.area} />
        <label for="q">{t("search")}</label>
        <input id="q" name="q" value={v.q} placeholder={t("searchPeople")} maxlength={40} />{" "}
        <button type="submit">{t("search")}</button>
      </form>
      {may(p.session, "people.write") && (
        <form method="post" action="/people/import" enctype="multipart/form-data" class="card" id="import">
          <Csrf session={p.session} />
          <label for="csv">{t("importCsv")}</label>
          <input type="file" id="csv" name="csv" accept=".csv,text/csv" required />{" "}
          <button type="submit">{t("importCsv")}</button>
        </form>
      )}
      {p.report && (
        <div class="card" id="import-report">
          <p>
            {t("imported")}: <strong>{p.report.imported}</strong>
          </p>
          {p.report.ignoredColumns.length > 0 && (
            <p id="ignored-columns">
              {t("ignoredColumns")}: <span class="code">{p.report.ignoredColumns.join(", ")}</span>
            </p>
          )}
          {p.report.rejected.length > 0 && (
            <>
              <h2>{t("rejectedRows")}</h2>
              <table>
                <thead>
                  <tr>
                    <th>{t("line")}</th>
                    <th>{t("reason")}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.report.rejected.map((r) => (
                    <tr>
                      <td>{r.line}</td>
                      <td>{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
      <table id="people">
        <thead>
          <tr>
            <th>{t("name")}</th>
            <th>{t("phone")}</th>
            <th>{t("area")}</th>
            <th>{t("audiences")}</th>
            <th>{t("post")}</th>
            <th>{t("language")}</th>
          </tr>
        </thead>
        <tbody>
          {v.items.map((r) => (
            <tr>
              <td>{r.name}</td>
              <td>{r.phone ?? "—"}</td>
              <td>{areaCell(v.names, r.areaCode)}</td>
              <td>{r.audiences.map((a) => word(t, "aud", a)).join("、")}</td>
              <td>{r.role ? word(t, "role", r.role) : "—"}</td>
              <td>{word(t, "lang", r.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="pager">
        {!v.first && (
          <a href={base} id="first-page">
            {t("firstPage")}
          </a>
        )}{" "}
        {v.nextCursor && (
          <a href={`${base}&cursor=${encodeURIComponent(v.nextCursor)}`} id="next-page">
            {t("nextPage")}
          </a>
        )}
      </p>
    </Layout>
  );
}
