// The live board of one warning version, its server-sent updates, CSV, failures drill-down and 叫应 acks.
import type { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import { streamSSE } from "hono/streaming";
import { areaLabels, problemMessage, statusOf, type C } from "../context.js";
import { BoardPage, type SilentVillage } from "../pages/board.js";
import { FailedPage } from "../pages/failed.js";
import { workItems } from "../pages/worklist.js";
import { allEscalations, loadBoard } from "../board-data.js";
import type { FailureGroup, RetryBacklog } from "../../db/queries/failures.js";
import type { CoverageReport, DeliveryDto, Page, WarningDto } from "../types.js";

const FINAL_STATUSES = new Set(["cancelled", "expired", "updated", "rejected"]);

export function mountBoard(app: Hono<AppEnv>): void {
  // ---- the live board
  app.get("/warnings/:id", async (c: C) => {
    const id = c.req.param("id")!;
    const call = c.get("call");
    const w = await call<WarningDto>("GET", `/api/v1/warnings/${id}`);
    if (!w.ok) return c.html(<p>{problemMessage(c.get("page"), w.problem)}</p>, statusOf(w.status));
    const [data, counties, townships, failures, silent, chains, areas] = await Promise.all([
      loadBoard(call, id),
      call<CoverageReport>("GET", `/api/v1/warnings/${id}/coverage?by=county`),
      call<CoverageReport>("GET", `/api/v1/warnings/${id}/coverage?by=township`),
      call<{ failed: FailureGroup[]; retrying: RetryBacklog[] }>("GET", `/api/v1/warnings/${id}/failures`),
      call<{ items: SilentVillage[]; active: boolean }>("GET", `/api/v1/warnings/${id}/silent-villages`),
      allEscalations(call, id),
      areaLabels(c, w.body.areas.codes),
    ]);
    const names = {
      counties: new Map<string, string>(
        (counties.ok ? counties.body.areas : []).map((a) => [a.code.slice(0, 6), a.name]),
      ),
      townships: new Map<string, string>(
        (townships.ok ? townships.body.areas : []).map((a) => [a.code.slice(0, 9), a.name]),
      ),
    };
    return c.html(
      <BoardPage
        ctx={c.get("page")}
        session={c.get("session")}
        grading={c.get("services").grading}
        w={w.body}
        data={data!}
        names={names}
        areas={areas}
        failed={failures.ok ? failures.body.failed : []}
        retrying={failures.ok ? failures.body.retrying : []}
        silent={silent.ok && silent.body.active ? silent.body.items : []}
        work={workItems(chains, new Date())}
        flash={c.req.query("flash") ?? null}
        error={c.req.query("error") ?? null}
      />,
    );
  });

  // 叫应 confirmed by phone: the API records it (audited) and the escalation job closes the chain.
  app.post("/warnings/:id/ack/:delivery", async (c: C) => {
    const id = encodeURIComponent(c.req.param("id")!);
    const t = c.get("page").t;
    const r = await c.get("call")("POST", `/api/v1/deliveries/${encodeURIComponent(c.req.param("delivery")!)}/ack`, {
      note: "confirmed by phone (电话确认)",
    });
    const q = r.ok
      ? `flash=${encodeURIComponent(t("confirmedByPhone"))}`
      : `error=${encodeURIComponent(problemMessage(c.get("page"), r.problem))}`;
    return c.redirect(`/warnings/${id}?${q}#worklist`, 303);
  });

  // Drill-down from a failure reason to its deliveries.
  app.get("/warnings/:id/failed", async (c: C) => {
    const id = c.req.param("id")!;
    const channel = c.req.query("channel");
    const q = new URLSearchParams({ status: "failed", limit: "500", ...(channel ? { channel } : {}) });
    const r = await c.get("call")<Page<DeliveryDto>>(
      "GET",
      `/api/v1/warnings/${encodeURIComponent(id)}/deliveries?${q}`,
    );
    if (!r.ok) return c.text(problemMessage(c.get("page"), r.problem), statusOf(r.status));
    return c.html(<FailedPage ctx={c.get("page")} warningId={id} items={r.body.items} />);
  });

  app.get("/warnings/:id/live", (c: C) => {
    const id = c.req.param("id")!;
    const call = c.get("call");
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => {
        closed = true;
      });
      // Bounded: one update a second for at most 30 minutes; the browser reconnects (and
      // then gets every village again). After the first event only villages whose colour
      // changed are sent: a city-wide board is 2,457 villages, ~140 KB a second otherwise.
      const sent = new Map<string, string>();
      for (let i = 0; i < 1800 && !closed; i++) {
        const data = await loadBoard(call, id);
        if (!data) {
          await stream.writeSSE({ event: "end", data: "{}" });
          return;
        }
        const villages = data.villages
          .filter((v) => sent.get(v.code) !== v.state)
          .map((v) => ({ code: v.code, state: v.state }));
        for (const v of villages) sent.set(v.code, v.state);
        await stream.writeSSE({ event: "board", data: JSON.stringify({ ...data, villages }), id: String(i) });
        // A cancelled, expired or superseded version no longer changes much: one last
        // picture, then the stream ends (reloading the page shows late reports).
        if (FINAL_STATUSES.has(data.status)) {
          await stream.writeSSE({ event: "end", data: "{}" });
          return;
        }
        await stream.sleep(1000);
      }
    });
  });

  app.get("/warnings/:id/coverage.csv", async (c: C) => {
    const r = await c.get("call")(
      "GET",
      `/api/v1/warnings/${c.req.param("id")}/coverage.csv?by=${c.req.query("by") ?? "village"}`,
    );
    if (!r.ok) return c.text(problemMessage(c.get("page"), r.problem), statusOf(r.status));
    return c.body(r.body as string, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="coverage-${c.req.param("id")}.csv"`,
    });
  });
}
