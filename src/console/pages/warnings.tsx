import { levelName, typeName, word } from "../i18n.js";
import { Layout, type PageCtx } from "../layout.js";
import { LEVELS, WARNING_STATUSES, WARNING_TYPES } from "../../domain/vocabulary.js";
import type { Grading } from "../../config/grading.js";
import { beijing, percent } from "../format.js";

export interface WarningRow {
  id: string;
  type: string;
  level: string;
  status: string;
  msgType: string;
  headline: string;
  areas: { codes: string[] };
  issuedAt: string | null;
  expires: string;
}
export interface Summary {
  major: { warnings: number; rate: number | null; met: boolean; target: number };
  all: { warnings: number; rate: number | null; met: boolean; target: number };
}

/** A Beijing date typed as 2026-05-03: a type="date" shows mm/dd/yyyy in an English browser. */
const DateInput = (p: { name: string; value: string }) => (
  <input name={p.name} value={p.value} pattern="\d{4}-\d{2}-\d{2}" placeholder="2026-05-03" size={10} />
);

export function WarningsPage(p: {
  names?: Map<string, string>;
  ctx: PageCtx;
  grading: Grading;
  items: WarningRow[];
  filters: Record<string, string>;
  summary: Summary | null;
  flash?: string | null;
}) {
  const { t } = p.ctx;
  const f = p.filters;
  const sel = (name: string, values: readonly string[], label: (v: string) => string) => (
    <select name={name} id={`f-${name}`}>
      <option value="">{t("all")}</option>
      {values.map((v) => (
        <option value={v} selected={f[name] === v}>
          {label(v)}
        </option>
      ))}
    </select>
  );
  return (
    <Layout ctx={p.ctx} title={t("warnings")} flash={p.flash ?? null}>
      <h1>{t("warnings")}</h1>
      {p.summary && (
        <div class="card" id="summary">
          <h2>{t("summary")}</h2>
          <p>
            {t("major")}:{" "}
            <strong class={p.summary.major.met ? "rate met" : "rate unmet"}>{percent(p.summary.major.rate)}</strong> (
            {t("target")} &gt;{percent(p.summary.major.target)}, {p.summary.major.warnings}){" · "}
            {t("allWarnings")}:{" "}
            <strong class={p.summary.all.met ? "rate met" : "rate unmet"}>{percent(p.summary.all.rate)}</strong> (
            {t("target")} &gt;{percent(p.summary.all.target)}, {p.summary.all.warnings})
          </p>
        </div>
      )}
      <form method="get" action="/warnings" class="card">
        {t("status")} {sel("status", WARNING_STATUSES, (v) => word(t, "st", v))} {t("type")}{" "}
        {sel("type", WARNING_TYPES, (v) => typeName(p.ctx.lang, p.grading, v))} {t("level")}{" "}
        {sel("level", LEVELS, (v) => levelName(p.ctx.lang, p.grading, v))} {t("area")}{" "}
        <input name="area" value={f.area ?? ""} size={13} pattern="\d{12}" /> {t("from")}{" "}
        <DateInput name="from" value={f.from ?? ""} /> {t("to")} <DateInput name="to" value={f.to ?? ""} />{" "}
        <button type="submit">{t("filter")}</button>
      </form>
      {p.items.length === 0 ? (
        <p class="muted">{t("noWarnings")}</p>
      ) : (
        <table id="warnings">
          <thead>
            <tr>
              <th>{t("headline")}</th>
              <th>{t("level")}</th>
              <th>{t("status")}</th>
              <th>{t("msgType")}</th>
              <th>{t("area")}</th>
              <th>{t("issued")}</th>
              <th>{t("expires")}</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((w) => (
              <tr>
                <td>
                  <a href={`/warnings/${w.id}`}>{w.headline}</a>
                </td>
                <td>
                  <span class={`lvl lvl-${w.level}`}>{levelName(p.ctx.lang, p.grading, w.level)}</span>
                </td>
                <td>{word(t, "st", w.status)}</td>
                <td>{word(t, "mt", w.msgType)}</td>
                <td>
                  {w.areas.codes.map((code) => (
                    <span class="area">
                      {p.names?.get(code) ?? code} <small class="code">{code}</small>
                    </span>
                  ))}
                </td>
                <td>{beijing(w.issuedAt)}</td>
                <td>{beijing(w.expires)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
