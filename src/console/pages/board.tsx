// The live board of one warning version: what was targeted, sent, received, played and
// acknowledged per channel, what failed and why, which devices are silent, the 叫应
// worklist, and the village grid. A Cancel's board shows the all-clear's own progress.
import { Layout, Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import type { Grading } from "../../config/grading.js";
import { CURVE, type BoardData, type VillageState } from "../board-data.js";
import { beijing, count, percent } from "../format.js";
import { levelName, word } from "../i18n.js";
import { CHANNEL_TARGETS, type ChannelKind } from "../../domain/vocabulary.js";
import type { AreaLabel, WarningDto } from "../types.js";
import type { FailureGroup, RetryBacklog } from "../../db/queries/failures.js";
import { ApproveActions } from "./approvals.js";
import { Worklist, type WorkItem } from "./worklist.js";
import type { MessageKey } from "../i18n.js";
import { CountyMap } from "./map.js";

export interface Names {
  counties: Map<string, string>;
  townships: Map<string, string>;
}
export interface SilentVillage {
  villageCode: string;
  name: string | null;
  loudspeakers: number;
  lastSeen: string | null;
}

const STATES: [VillageState, MessageKey][] = [
  ["reached", "villageReached"],
  ["progress", "villageProgress"],
  ["notreached", "villageNotReached"],
  ["offline", "villageOffline"],
  ["escalated", "villageEscalated"],
];

/** The x axis's right-hand label; board.js formats it the same way. */
export const spanLabel = (s: number, u: string[] = [" s", " min", " h"]) =>
  s < 120 ? `${s}${u[0]}` : s < 7200 ? `${Math.round(s / 60)}${u[1]}` : `${Math.round(s / 3600)}${u[2]}`;
const unitsOf = (lang: string) => (lang === "en" ? [" s", " min", " h"] : [" 秒", " 分钟", " 小时"]);

/** What each counter means for a channel: a device's `delivered` is its `received`, its
 * `acknowledged` is `played`/`shown`; a person's `acknowledged` is a confirmation. */
export function stageLabels(ch: ChannelKind): Record<"delivered" | "acknowledged", MessageKey> {
  const target = CHANNEL_TARGETS[ch];
  if (target.targets === "person") return { delivered: "delivered", acknowledged: "acknowledged" };
  return {
    delivered: "received",
    acknowledged: "reached" in target && target.reached === "shown" ? "shown" : "played",
  };
}

function Curve(p: { data: BoardData; t: PageCtx["t"]; units: string[] }) {
  const y = (r: number) => CURVE.h - CURVE.bottom - r * (CURVE.h - CURVE.bottom - CURVE.top);
  return (
    <svg class="curve" viewBox={`0 0 ${CURVE.w} ${CURVE.h}`} role="img" aria-label={p.t("coverage")}>
      <line class="axis" x1={CURVE.left} y1={y(0)} x2={CURVE.w - 4} y2={y(0)} />
      <line class="axis" x1={CURVE.left} y1={y(0)} x2={CURVE.left} y2={y(1)} />
      <line class="target" x1={CURVE.left} y1={y(p.data.target)} x2={CURVE.w - 4} y2={y(p.data.target)} />
      <text x="2" y={y(1) + 4}>
        100%
      </text>
      <text x="2" y={y(p.data.target) + 4}>
        {percent(p.data.target)}
      </text>
      <text x="2" y={y(0.5) + 4}>
        50%
      </text>
      <text x={CURVE.left} y={CURVE.h - 6}>
        0{p.units[0]}
      </text>
      <text x={CURVE.w - 8} y={CURVE.h - 6} text-anchor="end" id="curve-span">
        {spanLabel(p.data.curveSpan, p.units)}
      </text>
      <path id="curve-line" class="line" d={p.data.curvePath} />
    </svg>
  );
}

function ChannelTable(p: { t: PageCtx["t"]; data: BoardData; retrying: RetryBacklog[] }) {
  const { t } = p;
  return (
    <table id="channels">
      <thead>
        <tr>
          <th>{t("channels")}</th>
          <th>{t("targeted")}</th>
          <th>{t("sent")}</th>
          <th>
            {t("received")}/{t("delivered")}
          </th>
          <th>
            {t("played")}/{t("acknowledged")}
          </th>
          <th>{t("failed")}</th>
          <th>{t("retrying")}</th>
        </tr>
      </thead>
      <tbody>
        {p.data.channels.map((c) => {
          const ch = c.channel as ChannelKind;
          const labels = stageLabels(ch);
          const retry = p.retrying.find((r) => r.channel === ch);
          const cell = (k: "targeted" | "sent" | "delivered" | "acknowledged" | "failed", label?: MessageKey) => (
            <td data-stage={k}>
              {label && <small class="muted">{t(label)} </small>}
              <span id={`n-${ch}-${k}`}>{count(c[k])}</span>
              {k !== "targeted" && k !== "failed" && (
                <meter id={`m-${ch}-${k}`} min={0} max={Math.max(1, c.targeted)} value={c[k]}></meter>
              )}
            </td>
          );
          return (
            <tr data-channel={ch} class={c.failed > 0 ? "has-failed" : ""}>
              <th>{word(t, "ch", ch)}</th>
              {cell("targeted")}
              {cell("sent")}
              {cell("delivered", labels.delivered)}
              {cell("acknowledged", labels.acknowledged)}
              <td data-stage="failed" class={c.failed > 0 ? "bad" : ""}>
                <span id={`n-${ch}-failed`}>{count(c.failed)}</span>
              </td>
              <td data-stage="retrying" title={retry?.lastError ?? ""}>
                {count(retry?.count ?? 0)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A provider's own code (twilio_30003, smtp_550) is shown beside a translated label. */
const errorLabel = (t: PageCtx["t"], code: string | null) => {
  const w = word(t, "err", code ?? "unknown");
  return w === code ? t("err_other") : w;
};

function Failures(p: { t: PageCtx["t"]; id: string; failed: FailureGroup[] }) {
  const { t } = p;
  return (
    <div class="card" id="failures">
      <h2>{t("failureReasons")}</h2>
      {p.failed.length === 0 ? (
        <p class="muted">{t("noFailures")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("channels")}</th>
              <th>{t("reason")}</th>
              <th>{t("count")}</th>
              <th>{t("details")}</th>
            </tr>
          </thead>
          <tbody>
            {p.failed.map((f) => (
              <tr data-channel={f.channel} data-code={f.errorCode ?? ""}>
                <td>{word(t, "ch", f.channel)}</td>
                <td>
                  {errorLabel(t, f.errorCode)} <small class="code">{f.errorCode ?? ""}</small>
                </td>
                <td class="bad">{count(f.count)}</td>
                <td>
                  <a href={`/warnings/${p.id}/failed?channel=${f.channel}`}>{t("show")}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function OfflineDevices(p: { t: PageCtx["t"]; silent: SilentVillage[] }) {
  const { t } = p;
  return (
    <div class={`card ${p.silent.length ? "alarm" : ""}`} id="offline">
      <h2>
        {t("offlineDevices")} <span class="badge">{count(p.silent.length)}</span>
      </h2>
      {p.silent.length === 0 ? (
        <p class="muted">{t("noOffline")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("village")}</th>
              <th>{t("ch_loudspeaker")}</th>
              <th>{t("lastSeen")}</th>
            </tr>
          </thead>
          <tbody>
            {p.silent.slice(0, 200).map((v) => (
              <tr data-village={v.villageCode}>
                <td>
                  {v.name ?? v.villageCode} <small class="code">{v.villageCode}</small>
                </td>
                <td>{count(v.loudspeakers)}</td>
                <td>{beijing(v.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export interface BoardProps {
  ctx: PageCtx;
  session: Session;
  grading: Grading;
  w: WarningDto;
  data: BoardData;
  names: Names;
  areas: AreaLabel[];
  failed: FailureGroup[];
  retrying: RetryBacklog[];
  silent: SilentVillage[];
  work: WorkItem[];
  flash?: string | null;
  error?: string | null;
}

export function BoardPage(p: BoardProps) {
  const { t, lang } = p.ctx;
  const { w, data } = p;
  const tree = new Map<string, Map<string, BoardData["villages"]>>();
  for (const v of data.villages) {
    const c = v.code.slice(0, 6),
      tw = v.code.slice(0, 9);
    if (!tree.has(c)) tree.set(c, new Map());
    const ts = tree.get(c)!;
    if (!ts.has(tw)) ts.set(tw, []);
    ts.get(tw)!.push(v);
  }
  const inForce = w.status === "issued";
  const isCancel = w.msgType === "Cancel";
  const units = unitsOf(lang);
  const sec = lang === "en" ? " s" : " 秒";
  const secs = (s: number | null) => (s === null ? "—" : `${s}${sec}`);
  return (
    <Layout ctx={p.ctx} title={w.headline} scripts={["board.js"]} flash={p.flash ?? null} error={p.error ?? null}>
      <h1>
        <span class={`lvl lvl-${w.level}`}>{levelName(lang, p.grading, w.level)}</span> {w.headline}
      </h1>
      <p class="muted">
        {word(t, "mt", w.msgType)} · {t("version")} {w.version} · {word(t, "st", w.status)}
        {w.planState !== "planned" && (
          <>
            {" · "}
            <strong id="plan-state">{t(w.planState === "pending" ? "planPending" : "planStopped")}</strong>
          </>
        )}
        {" · "}
        {t("expires")} {beijing(w.expires)} <small>{t("bjt")}</small>
        {isCancel && w.supersedesId && (
          <>
            {" "}
            · {t("allClearOf")}{" "}
            <a href={`/warnings/${w.supersedesId}`} id="cancelled-link">
              {t("show")}
            </a>
          </>
        )}
      </p>
      <div class="card">
        <p>{w.description}</p>
        {w.instruction && (
          <p>
            <strong>{t("instruction")}：</strong>
            {w.instruction}
          </p>
        )}
        <p class="muted">
          {t("area")}：
          {p.areas.map((a) => (
            <span class="area">
              {a.label} <small class="code">{a.code}</small>
            </span>
          ))}
          {" · "}
          {t("audiences")}：{w.audiences.map((a) => word(t, "aud", a)).join("、")}
          {" · "}
          {t("channels")}：{w.channels.map((ch) => word(t, "ch", ch)).join("、")}
        </p>
        <p>
          {inForce && !isCancel && may(p.session, "warning.write") && (
            <a class="button secondary" href={`/compose?from=${w.id}`} id="update">
              {t("update")}
            </a>
          )}{" "}
          <a class="button secondary" href={`/warnings/${w.id}/coverage.csv`} id="csv">
            {t("csv")}
          </a>{" "}
          {w.status === "draft" && may(p.session, "warning.write") && (
            <form method="post" action={`/warnings/${w.id}/submit`} class="inline">
              <Csrf session={p.session} />
              <button type="submit">{t("submit")}</button>
            </form>
          )}
        </p>
        {w.status === "pending" && may(p.session, "warning.approve") && (
          <ApproveActions session={p.session} t={t} id={w.id} />
        )}
        {inForce && !isCancel && may(p.session, "warning.cancel") && (
          <details class="confirm cancel-step" id="cancel-step">
            <summary class="button danger" id="cancel">
              {t("cancelWarning")}…
            </summary>
            <form method="post" action={`/warnings/${w.id}/cancel`} id="cancel-form">
              <Csrf session={p.session} />
              <label for="cancel-reason">{t("cancelReason")}</label>
              <textarea id="cancel-reason" name="reason" required maxlength={2000}></textarea>
              <p>{t("confirmCancel")}</p>
              <button type="submit" class="danger" id="confirm-cancel">
                {t("confirmCancelBtn")}
              </button>
            </form>
          </details>
        )}
      </div>
      <section
        id="board"
        data-live={`/warnings/${w.id}/live`}
        data-status={data.status}
        data-sec={sec}
        data-units={units.join("|")}
        {...(isCancel ? { "data-neutral": "1" } : {})}
      >
        <div class="grid2">
          <div class="card">
            <h2>
              {isCancel ? t("allClearProgress") : t("coverage")} <small class="muted">（{t("live")}）</small>
            </h2>
            <p>
              <span
                id="rate"
                class={`rate ${isCancel ? "neutral" : data.met ? "met" : "unmet"}`}
                data-rate={data.rate === null ? "" : String(data.rate)}
              >
                {percent(data.rate)}
              </span>{" "}
              <span class="muted">
                {!isCancel && (
                  <>
                    {t("target")} &gt;{percent(data.target)} ·{" "}
                  </>
                )}
                {t("reached")} <span id="reached">{count(data.reached)}</span> / {count(data.population)}
              </span>
            </p>
            <p class="muted">
              {t("timeTo50")}：<span id="t50">{secs(data.secondsTo50)}</span> · {t("timeTo90")}：
              <span id="t90">{secs(data.secondsTo90)}</span>
            </p>
            <Curve data={data} t={t} units={units} />
          </div>
          <div class="card">
            <h2>{t("channels")}</h2>
            <ChannelTable t={t} data={data} retrying={p.retrying} />
          </div>
        </div>
        <div class="grid2">
          <OfflineDevices t={t} silent={p.silent} />
          <Failures t={t} id={w.id} failed={p.failed} />
        </div>
        <Worklist ctx={p.ctx} session={p.session} warningId={w.id} items={p.work} />
        <div class="card" id="grid">
          <h2>{t("board")}</h2>
          <div class="map-wrap">
            <CountyMap t={t} counties={p.data.counties} />
            <p class="legend">
              <span>
                <i class="m-high"></i> ≥90%
              </span>
              <span>
                <i class="m-mid"></i> 50–90%
              </span>
              <span>
                <i class="m-low"></i> &lt;50%
              </span>
              <span>
                <i class="m-zero"></i> 0%
              </span>
              <span>
                <i class="m-none"></i> {t("notTargeted")}
              </span>
            </p>
          </div>
          <p class="muted" id="no-coords">
            {t("noCoords")}
          </p>
          <p class="legend">
            {STATES.map(([s, k]) => (
              <span>
                <i class={`s-${s}`}></i> {t(k)}
              </span>
            ))}
          </p>
          {[...tree.entries()].map(([county, townships]) => (
            <div class="county" id={`county-${county}000000`}>
              <h3>{p.names.counties.get(county) ?? county}</h3>
              {[...townships.entries()].map(([tw, villages]) => (
                <div class="township">
                  <span>{p.names.townships.get(tw) ?? tw}</span>
                  <div class="villages">
                    {villages.map((v) => (
                      <i
                        id={`v-${v.code}`}
                        class={`v s-${v.state}`}
                        data-state={v.state}
                        title={`${v.name} ${v.code}`}
                      ></i>
                    ))}
                  </div>
                </div>
              ))}
            </div>
          ))}
        </div>
      </section>
    </Layout>
  );
}
