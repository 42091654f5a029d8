// The staff console, served by the same app at `/`: server-rendered Hono JSX pages with
// two small scripts, every asset from this package (intranets without internet). It
// acts only through the JSON API with the signed-in user's key (api.ts).
import type { Context, Hono, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../http/env.js";
import { limitBody } from "../http/body.js";
import { clientAddress } from "../http/client-address.js";
import { signInWithPassword, signOut } from "./sign-in.js";
import { areaLabels, fieldMessage, statusOf, type C } from "./context.js";
import { mountAdminPages } from "./admin.js";
import { translator, word, type Lang } from "./i18n.js";
import { apiCaller } from "./api.js";
import {
  endSession,
  loginCsrf,
  LOGIN_CSRF_COOKIE,
  MAX_AGE_S,
  readSession,
  sameToken,
  startSession,
  type Session,
} from "./session.js";
import type { PageCtx } from "./layout.js";
import { LoginPage } from "./pages/login.js";
import { WarningsPage } from "./pages/warnings.js";
import { ComposePage, type ComposeValues, type FieldErrors } from "./pages/compose.js";
import { ApprovalsPage, type PendingItem } from "./pages/approvals.js";
import type { CoverageReport, DeliveryDto, Page, PreviewItem, ReachDto, WarningDto } from "./types.js";
import { BoardPage, type SilentVillage } from "./pages/board.js";
import { FailedPage } from "./pages/failed.js";
import { workItems } from "./pages/worklist.js";
import type { FailureGroup, RetryBacklog } from "../db/queries/failures.js";
import { mountDirectory } from "./routes/directory.js";
import { allEscalations, loadBoard } from "./board-data.js";
import { isDerivedHeadline } from "../domain/warnings/fields.js";
import { CONSOLE_CSS } from "./assets/console.css.js";
import { COMPOSE_JS } from "./assets/compose.js.js";
import { BOARD_JS } from "./assets/board.js.js";

const ASSETS: Record<string, [string, string]> = {
  "console.css": ["text/css; charset=utf-8", CONSOLE_CSS],
  "compose.js": ["text/javascript; charset=utf-8", COMPOSE_JS],
  "board.js": ["text/javascript; charset=utf-8", BOARD_JS],
};

/** No inline script or style, no other origin: injected markup could not run. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const FINAL_STATUSES = new Set(["cancelled", "expired", "updated", "rejected"]);

const CONSOLE_PATHS = [
  "/",
  "/login",
  "/logout",
  "/warnings",
  "/compose",
  "/approvals",
  "/devices",
  "/people",
  "/console-api",
  "/assets",
  "/admin",
];

function langOf(c: Context): Lang {
  const q = c.req.query("lang");
  if (q === "en" || q === "zh") {
    setCookie(c, "wc_lang", q, { path: "/", sameSite: "Strict", maxAge: 365 * 86400 });
    return q;
  }
  return getCookie(c, "wc_lang") === "en" ? "en" : "zh";
}

const toLocalInput = (iso: string | null | undefined) => {
  if (!iso) return "";
  // datetime-local in Asia/Shanghai (UTC+8, no DST).
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string | undefined) => (v ? `${v.length === 16 ? `${v}:00` : v}+08:00` : undefined);

export function mountConsole(app: Hono<AppEnv>, secret: () => string): void {
  const secure: MiddlewareHandler<AppEnv> = async (c, next) => {
    await next();
    c.header("content-security-policy", CONSOLE_CSP);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
    c.header("x-frame-options", "DENY");
  };
  for (const p of CONSOLE_PATHS) {
    app.use(p, secure);
    if (p !== "/") app.use(`${p}/*`, secure);
  }
  app.use("/people/import", limitBody(10 * 1024 * 1024));
  for (const p of [
    "/login",
    "/logout",
    "/compose",
    "/compose/*",
    "/warnings/*",
    "/admin/*",
    "/devices",
    "/devices/*",
  ]) {
    app.use(p, limitBody(1024 * 1024));
  }

  app.get("/assets/:file", (c) => {
    const a = ASSETS[c.req.param("file")];
    if (!a) return c.text("not found", 404);
    return c.body(a[1], 200, { "content-type": a[0], "cache-control": "public, max-age=300" });
  });

  const pageCtx = (c: Context, session: Session | null): PageCtx => {
    const lang = langOf(c);
    const url = new URL(c.req.url);
    const q = new URLSearchParams(url.search);
    for (const k of ["lang", "flash", "error"]) q.delete(k);
    q.set("lang", lang === "en" ? "zh" : "en");
    // A POST's page (a refused form) switches language on the page's GET address.
    return {
      t: translator(lang),
      lang,
      session,
      path: url.pathname,
      otherLang: `${c.req.method === "GET" || url.pathname === "/compose" ? url.pathname : "/warnings"}?${q}`,
    };
  };

  // Every console page below needs a session; every POST needs its CSRF token.
  const requireSession: MiddlewareHandler<any> = async (c, next) => {
    const s = await readSession(c, secret(), Date.now());
    if (!s) {
      if (c.req.method === "GET" && !c.req.path.startsWith("/console-api")) {
        const url = new URL(c.req.url);
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
      }
      return c.json({ code: "unauthorized", detail: "sign in first" }, 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      let token = c.req.header("x-csrf-token");
      if (!token && (c.req.header("content-type") ?? "").match(/form/))
        token = String((await c.req.parseBody())["_csrf"] ?? "");
      if (!sameToken(token, s.csrf)) {
        const ctx = pageCtx(c, s);
        return c.text(ctx.t("csrf"), 403);
      }
    }
    c.set("session", s);
    let keyRefused = false;
    c.set(
      "call",
      apiCaller(app, s.key, c.get("requestId"), () => {
        keyRefused = true;
      }),
    );
    c.set("page", pageCtx(c, s));
    await next();
    // The key was disabled or rotated since sign-in: the session ends here, not at expiry.
    if (keyRefused) {
      endSession(c);
      c.res =
        c.req.method === "GET" && !c.req.path.startsWith("/console-api") && !c.req.path.endsWith("/live")
          ? c.redirect("/login", 302)
          : c.json({ code: "unauthorized", detail: "sign in again" }, 401);
    }
  };
  const sessionPaths = [
    "/warnings",
    "/warnings/*",
    "/compose",
    "/compose/*",
    "/approvals",
    "/devices",
    "/devices/*",
    "/people",
    "/people/*",
    "/console-api/*",
    "/logout",
    "/admin/*",
  ];
  for (const p of sessionPaths) {
    app.use(p, requireSession);
  }

  app.get("/", (c) => c.redirect("/warnings", 302));
  mountAdminPages(app);

  // ---- sign in / out
  app.get("/login", async (c) => {
    const ctx = pageCtx(c, null);
    return c.html(<LoginPage ctx={ctx} csrf={loginCsrf(c)} next={safeNext(c.req.query("next"))} />);
  });
  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const ctx = pageCtx(c, null);
    if (!sameToken(String(form._csrf ?? ""), getCookie(c, LOGIN_CSRF_COOKIE))) return c.text(ctx.t("csrf"), 403);
    const s = c.get("services");
    const username = String(form.username ?? "");
    const r = await signInWithPassword(s, {
      username,
      password: String(form.password ?? ""),
      address: clientAddress(c, s.config.clientAddressHeader),
      ttlSeconds: MAX_AGE_S,
      requestId: c.get("requestId"),
    });
    if (!r.ok) {
      let error = ctx.t("badPassword");
      if (r.status === 429) {
        error = ctx.t("tooManyTries").replace("{s}", String(r.retryAfterSeconds));
        c.header("retry-after", String(r.retryAfterSeconds));
      }
      const next = safeNext(String(form.next ?? ""));
      const page = <LoginPage ctx={ctx} csrf={loginCsrf(c)} next={next} username={username} error={error} />;
      return c.html(page, r.status);
    }
    const u = r.user;
    const session = { key: r.token, name: u.name, role: u.role, scope: u.areaScope, agency: u.agencyCode };
    await startSession(c, secret(), session, Date.now());
    return c.redirect(safeNext(String(form.next ?? "")), 303);
  });
  app.post("/logout", async (c) => {
    const s = await readSession(c, secret(), Date.now());
    if (s) await signOut(c.get("services"), s.key, c.get("requestId"));
    endSession(c);
    return c.redirect("/login", 303);
  });

  // ---- warnings list + daily summary
  app.get("/warnings", async (c: C) => {
    const call = c.get("call");
    const f: Record<string, string> = {};
    for (const k of ["status", "type", "level", "area", "from", "to"]) {
      const v = c.req.query(k);
      if (v) f[k] = v;
    }
    const q = new URLSearchParams();
    for (const k of ["status", "type", "level", "area"]) if (f[k]) q.set(k, f[k]!);
    if (f.from) q.set("from", `${f.from}T00:00:00+08:00`);
    if (f.to) q.set("to", `${f.to}T23:59:59+08:00`);
    q.set("limit", "100");
    const [list, summary] = await Promise.all([
      call("GET", `/api/v1/warnings?${q}`),
      call("GET", "/api/v1/coverage/summary"),
    ]);
    const ctx = c.get("page");
    return c.html(
      <WarningsPage
        ctx={ctx}
        grading={c.get("services").grading}
        items={list.ok ? list.body.items : []}
        filters={f}
        summary={summary.ok ? summary.body : null}
        flash={c.req.query("flash") ?? null}
      />,
    );
  });

  // ---- compose (new, or an update of ?from=<id>)
  app.get("/compose", async (c: C) => {
    const s = c.get("services");
    const from = c.req.query("from");
    let values: ComposeValues = {
      type: "rainstorm",
      level: "blue",
      headline: "",
      description: "",
      instruction: "",
      areas: [],
      audiences: ["public"],
      channels: s.policy.channelsByLevel.blue,
      onset: "",
      expires: toLocalInput(new Date(Date.now() + 12 * 3600_000).toISOString()),
      sendAt: "",
      from: "",
      channelsTouched: false,
    };
    if (from) {
      const w = await c.get("call")("GET", `/api/v1/warnings/${from}`);
      if (w.ok) {
        values = {
          // A derived headline is left blank so the Update derives its own (更新, new level).
          type: w.body.type,
          level: w.body.level,
          description: w.body.description,
          instruction: w.body.instruction,
          headline: isDerivedHeadline(s.grading, w.body.senderName, w.body.headline, w.body) ? "" : w.body.headline,
          areas: await areaLabels(c, w.body.areas.codes),
          audiences: w.body.audiences,
          channels: w.body.channels,
          onset: toLocalInput(w.body.onset),
          expires: toLocalInput(w.body.expires),
          sendAt: "",
          from,
          channelsTouched: true,
        };
      }
    }
    return c.html(
      <ComposePage
        ctx={c.get("page")}
        session={c.get("session")}
        grading={s.grading}
        policy={s.policy}
        values={values}
        errors={{}}
      />,
    );
  });

  app.post("/compose", async (c: C) => {
    const s = c.get("services");
    const call = c.get("call");
    const form = await c.req.parseBody({ all: true });
    const list = (k: string) => {
      const v = form[k];
      return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter(Boolean);
    };
    const one = (k: string) => {
      const v = form[k];
      return Array.isArray(v) ? String(v[0] ?? "") : String(v ?? "");
    };
    const body = {
      type: one("type"),
      level: one("level"),
      description: one("description"),
      ...(one("headline") ? { headline: one("headline") } : {}),
      ...(one("instruction") ? { instruction: one("instruction") } : {}),
      areas: { codes: list("areas") },
      audiences: list("audiences"),
      channels: list("channels"),
      expires: fromLocalInput(one("expires")),
      ...(one("onset") ? { onset: fromLocalInput(one("onset")) } : {}),
      ...(one("sendAt") ? { sendAt: fromLocalInput(one("sendAt")) } : {}),
    };
    const from = one("from");
    const values: ComposeValues = {
      type: body.type,
      level: body.level,
      headline: one("headline"),
      description: body.description,
      instruction: one("instruction"),
      areas: await areaLabels(c, body.areas.codes),
      audiences: body.audiences,
      channels: body.channels,
      onset: one("onset"),
      expires: one("expires"),
      sendAt: one("sendAt"),
      from,
      channelsTouched: one("channelsTouched") === "1",
    };
    const again = (errors: FieldErrors, error: string | null, status: 403 | 409 | 422) =>
      c.html(
        <ComposePage
          ctx={c.get("page")}
          session={c.get("session")}
          grading={s.grading}
          policy={s.policy}
          values={values}
          errors={errors}
          error={error}
        />,
        status,
      );
    const created = from
      ? await call("POST", `/api/v1/warnings/${from}/update`, body)
      : await call("POST", "/api/v1/warnings", body);
    // Field errors go next to their fields (and a general one above the form), not twice.
    const fixFirst = (errs: FieldErrors) =>
      Object.keys(errs).some((k) => k !== "") ? c.get("page").t("fixFields") : null;
    if (!created.ok) {
      const errs = fieldErrors(c.get("page"), created.problem);
      return again(errs, fixFirst(errs), statusOf(created.status));
    }
    let w = created.body;
    if (!from && one("action") === "submit") {
      const sub = await call("POST", `/api/v1/warnings/${w.id}/submit`);
      if (!sub.ok) {
        const errs = fieldErrors(c.get("page"), sub.problem);
        return again(errs, fixFirst(errs), statusOf(sub.status));
      }
      w = sub.body;
    }
    return c.redirect(
      `/warnings/${w.id}?flash=${encodeURIComponent(`${c.get("page").t("created")}：${word(c.get("page").t, "st", w.status)}`)}`,
      303,
    );
  });

  app.post("/compose/preview", async (c: C) => {
    const from = c.req.query("from");
    const path = `/api/v1/warnings/preview${from ? `?supersedes=${encodeURIComponent(from)}` : ""}`;
    const r = await c.get("call")("POST", path, await c.req.text());
    return c.json(r.body, r.status as 200);
  });

  // The area picker, through the API: ?q= searches by name or code, ?parent= browses the
  // hierarchy one level down (from the user's own scope when neither is given).
  app.get("/console-api/areas", async (c: C) => {
    const t = c.get("page").t;
    const call = c.get("call");
    const q = (c.req.query("q") ?? "").trim().slice(0, 40);
    type ApiArea = {
      code: string;
      name: string;
      kind: string;
      population: number | null;
      parentName?: string | null;
      grandparentName?: string | null;
    };
    const item = (a: ApiArea, label: string) => ({
      code: a.code,
      kind: a.kind,
      kindLabel: t(a.kind as "county") ?? a.kind,
      population: a.population ?? 0,
      label,
      browsable: a.kind !== "grid",
    });
    if (q) {
      const r = await call<{ items: ApiArea[] }>("GET", `/api/v1/areas/search?q=${encodeURIComponent(q)}&limit=30`);
      if (!r.ok) return c.json(r.problem, r.status as 400);
      return c.json({
        items: r.body.items.map((a) =>
          item(
            a,
            [
              a.kind === "village" || a.kind === "grid" ? a.grandparentName : null,
              a.kind !== "county" ? a.parentName : null,
              a.name,
            ]
              .filter(Boolean)
              .join(" "),
          ),
        ),
      });
    }
    const parent = c.req.query("parent") || c.get("session").scope;
    const [self, children] = await Promise.all([
      call<ApiArea>("GET", `/api/v1/areas/${encodeURIComponent(parent)}`),
      call<{ items: ApiArea[] }>("GET", `/api/v1/areas?parent=${encodeURIComponent(parent)}&limit=500`),
    ]);
    if (!self.ok) return c.json(self.problem, self.status as 404);
    return c.json({
      parent: {
        ...item(self.body, self.body.name),
        parentCode: (self.body as { parentCode?: string | null }).parentCode ?? null,
      },
      items: children.ok ? children.body.items.map((a) => item(a, a.name)) : [],
    });
  });

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
      const r = await c.get("call")("POST", `/api/v1/warnings/${id}/${action}`, body);
      if (!r.ok) {
        const msg = r.problem?.rule === "self_approval" ? t("selfApproval") : (r.problem?.detail ?? t("notAllowed"));
        // The id is as posted (the API refused it): encoded, or a NUL in it breaks the header.
        return c.redirect(`${back ?? `/warnings/${encodeURIComponent(id)}`}?error=${encodeURIComponent(msg)}`, 303);
      }
      const target = action === "cancel" || action === "approve" ? r.body.id : id;
      return c.redirect(
        back
          ? `/approvals?flash=${encodeURIComponent(`${t(action === "approve" ? "approve" : action === "reject" ? "reject" : "submit")}：${word(t, "st", r.body.status)}`)}`
          : `/warnings/${target}`,
        303,
      );
    });
  }

  // ---- the live board
  app.get("/warnings/:id", async (c: C) => {
    const id = c.req.param("id")!;
    const call = c.get("call");
    const w = await call<WarningDto>("GET", `/api/v1/warnings/${id}`);
    if (!w.ok) return c.html(<p>{w.problem?.detail}</p>, statusOf(w.status));
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
      ? `flash=${encodeURIComponent(t("confirmByPhone"))}`
      : `error=${encodeURIComponent(r.problem?.detail ?? t("notAllowed"))}`;
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
    if (!r.ok) return c.text(r.problem?.detail ?? "error", statusOf(r.status));
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
    if (!r.ok) return c.text(r.problem?.detail ?? "error", statusOf(r.status));
    return c.body(r.body as string, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="coverage-${c.req.param("id")}.csv"`,
    });
  });

  mountDirectory(app);
}

function safeNext(n: string | undefined): string {
  return n && n.startsWith("/") && !n.startsWith("//") ? n : "/warnings";
}

/** API problem details → messages per form field (areas.codes.0 → areas). */
function fieldErrors(
  ctx: PageCtx,
  p: { errors?: { path: string; code?: string; message: string }[]; detail?: string } | null,
): FieldErrors {
  const out: FieldErrors = {};
  for (const e of p?.errors ?? []) {
    const field = e.path.split(".")[0] ?? "";
    (out[field] ??= []).push(fieldMessage(ctx, e));
  }
  if (p && !p.errors?.length && p.detail) out[""] = [p.detail];
  return out;
}
