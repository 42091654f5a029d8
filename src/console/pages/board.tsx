import { Layout, Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import type { Grading } from "../../config/grading.js";
import { CURVE, type BoardData, type VillageState } from "../board-data.js";
import { percent } from "../format.js";
import { levelName, word } from "../i18n.js";
import { PERSON_CHANNELS } from "../../domain/vocabulary.js";

const isPerson = (channel: string) => (PERSON_CHANNELS as readonly string[]).includes(channel);

export interface BoardWarning {
  id: string; status: string; msgType: string; type: string; level: string; headline: string; description: string; instruction: string;
  areas: { codes: string[] }; audiences: string[]; channels: string[]; issuedAt: string | null; expires: string; createdBy: string; version: number;
}
export interface Names { counties: Map<string, string>; townships: Map<string, string> }

/** Channels whose `delivered` column counts what played (devices, broadcast platforms). */
const STATES: [VillageState, Parameters<PageCtx["t"]>[0]][] = [
  ["reached", "villageReached"], ["progress", "villageProgress"], ["notreached", "villageNotReached"], ["offline", "villageOffline"], ["escalated", "villageEscalated"],
];

/** The x axis's right-hand label; board.js formats it the same way. */
export const spanLabel = (s: number) => (s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);

function Curve(p: { data: BoardData; t: PageCtx["t"] }) {
  const y = (r: number) => CURVE.h - CURVE.bottom - r * (CURVE.h - CURVE.bottom - CURVE.top);
  return (
    <svg class="curve" viewBox={`0 0 ${CURVE.w} ${CURVE.h}`} role="img" aria-label={p.t("coverage")}>
      <line class="axis" x1={CURVE.left} y1={y(0)} x2={CURVE.w - 4} y2={y(0)} />
      <line class="axis" x1={CURVE.left} y1={y(0)} x2={CURVE.left} y2={y(1)} />
      <line class="target" x1={CURVE.left} y1={y(p.data.target)} x2={CURVE.w - 4} y2={y(p.data.target)} />
      <text x="2" y={y(1) + 4}>100%</text>
      <text x="2" y={y(p.data.target) + 4}>{percent(p.data.target)}</text>
      <text x="2" y={y(0.5) + 4}>50%</text>
      <text x={CURVE.left} y={CURVE.h - 6}>0 s</text>
      <text x={CURVE.w - 8} y={CURVE.h - 6} text-anchor="end" id="curve-span">{spanLabel(p.data.curveSpan)}</text>
      <path id="curve-line" class="line" d={p.data.curvePath} />
    </svg>
  );
}

export function BoardPage(p: { ctx: PageCtx; session: Session; grading: Grading; w: BoardWarning; data: BoardData; names: Names; escalations: any[]; flash?: string | null; error?: string | null }) {
  const { t } = p.ctx;
  const { w, data } = p;
  // counties → townships → villages, from the 12-digit codes.
  const tree = new Map<string, Map<string, BoardData["villages"]>>();
  for (const v of data.villages) {
    const c = v.code.slice(0, 6), tw = v.code.slice(0, 9);
    if (!tree.has(c)) tree.set(c, new Map());
    const ts = tree.get(c)!;
    if (!ts.has(tw)) ts.set(tw, []);
    ts.get(tw)!.push(v);
  }
  const inForce = w.status === "issued";
  return (
    <Layout ctx={p.ctx} title={w.headline} scripts={["board.js"]} flash={p.flash ?? null} error={p.error ?? null}>
      <h1><span class={`lvl lvl-${w.level}`}>{levelName(p.ctx.lang, p.grading, w.level)}</span> {w.headline}</h1>
      <p class="muted">{word(t, "mt", w.msgType)} · v{w.version} · {word(t, "st", w.status)} · {t("expires")} {new Date(w.expires).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" })}</p>
      <div class="card">
        <p>{w.description}</p>
        {w.instruction && <p><strong>{t("instruction")}：</strong>{w.instruction}</p>}
        <p class="muted">{t("area")}: {w.areas.codes.join(", ")} · {t("audiences")}: {w.audiences.map((a) => word(t, "aud", a)).join(", ")} · {t("channels")}: {w.channels.map((ch) => word(t, "ch", ch)).join(", ")}</p>
        <p>
          {inForce && may(p.session, "warning.write") && <a class="button secondary" href={`/compose?from=${w.id}`}>{t("update")}</a>}{" "}
          <a class="button secondary" href={`/warnings/${w.id}/coverage.csv`} id="csv">{t("csv")}</a>{" "}
          {w.status === "pending" && may(p.session, "warning.approve") && (
            <>
              <form method="post" action={`/warnings/${w.id}/approve`} class="inline"><Csrf session={p.session} /><button type="submit" id="approve">{t("approve")}</button></form>{" "}
              <form method="post" action={`/warnings/${w.id}/reject`} class="inline"><Csrf session={p.session} /><input name="reason" placeholder={t("reason")} required /> <button type="submit" class="danger">{t("reject")}</button></form>
            </>
          )}
          {w.status === "draft" && may(p.session, "warning.write") && <form method="post" action={`/warnings/${w.id}/submit`} class="inline"><Csrf session={p.session} /><button type="submit">{t("submit")}</button></form>}
        </p>
        {inForce && w.msgType !== "Cancel" && may(p.session, "warning.cancel") && (
          <form method="post" action={`/warnings/${w.id}/cancel`} id="cancel-form">
            <Csrf session={p.session} />
            <input name="reason" placeholder={t("reason")} size={40} />{" "}
            <button type="submit" class="danger" id="cancel">{t("cancelWarning")}</button>
          </form>
        )}
      </div>
      <section id="board" data-live={`/warnings/${w.id}/live`} data-status={data.status}>
        <div class="grid2">
          <div class="card">
            <h2>{t("coverage")} <small class="muted">({t("live")})</small></h2>
            <p><span id="rate" class={data.met ? "rate met" : "rate unmet"} data-rate={data.rate === null ? "" : String(data.rate)}>{percent(data.rate)}</span>{" "}
              <span class="muted">{t("target")} &gt;{percent(data.target)} · {t("reached")} <span id="reached">{data.reached.toLocaleString("zh-CN")}</span> / {data.population.toLocaleString("zh-CN")}</span></p>
            <p class="muted">{t("timeTo50")}: <span id="t50">{data.secondsTo50 === null ? "—" : `${data.secondsTo50} s`}</span> · {t("timeTo90")}: <span id="t90">{data.secondsTo90 === null ? "—" : `${data.secondsTo90} s`}</span></p>
            <Curve data={data} t={t} />
          </div>
          <div class="card">
            <h2>{t("channels")}</h2>
            {data.channels.map((c) => (
              <div class="channel-row">
                <strong>{word(t, "ch", c.channel)}</strong>
                <span><small>{t("queued")}</small>{c.targeted}</span>
                {(["sent", "delivered", "acknowledged"] as const).map((k) => (
                  <span>
                    <small>
                      {t(k === "delivered" && !isPerson(c.channel) ? "played" : k)}{" "}
                      <span id={`n-${c.channel}-${k}`}>{c[k]} / {c.targeted}</span>
                    </small>
                    <meter id={`m-${c.channel}-${k}`} min={0} max={Math.max(1, c.targeted)} value={c[k]}></meter>
                  </span>
                ))}
              </div>
            ))}
          </div>
        </div>
        <div class="card">
          <h2>{t("board")}</h2>
          <p class="legend">{STATES.map(([s, k]) => <span><i class={`s-${s}`}></i> {t(k)}</span>)}</p>
          {[...tree.entries()].map(([county, townships]) => (
            <div class="county">
              <h3>{p.names.counties.get(county) ?? county}</h3>
              {[...townships.entries()].map(([tw, villages]) => (
                <div class="township">
                  <span>{p.names.townships.get(tw) ?? tw}</span>
                  <div class="villages">
                    {villages.map((v) => <i id={`v-${v.code}`} class={`v s-${v.state}`} data-state={v.state} title={`${v.name} ${v.code}`}></i>)}
                  </div>
                </div>
              ))}
            </div>
          ))}
        </div>
      </section>
      {p.escalations.length > 0 && (
        <div class="card">
          <h2>{t("escalations")}</h2>
          <table>
            <thead><tr><th>{t("village")}</th><th>{t("step")}</th><th>{t("reason")}</th><th>{t("acknowledged")}</th></tr></thead>
            <tbody>{p.escalations.slice(0, 100).map((e) => <tr><td>{e.villageName}</td><td>{e.stepName}</td><td>{e.reason}</td><td>{e.acknowledgedAt ? new Date(e.acknowledgedAt).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai" }) : "—"}</td></tr>)}</tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
