// The staff console, served by the same app at `/`: server-rendered Hono JSX pages with
// two small scripts, every asset from this package (intranets without internet). It
// acts only through the JSON API with the signed-in user's key (api.ts).
import type { Context, Hono, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../http/env.js";
import { limitBody } from "../http/body.js";
import { clientAddress } from "../http/client-address.js";
import { signInWithPassword, signOut } from "./sign-in.js";
import { mountAdminPages } from "./admin.js";
import { translator, type Lang } from "./i18n.js";
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
import { mountWarnings } from "./routes/warnings.js";
import { mountCompose } from "./routes/compose.js";
import { mountApprovals } from "./routes/approvals.js";
import { mountBoard } from "./routes/board.js";
import { mountDirectory } from "./routes/directory.js";
import { mountPhone } from "./routes/phone.js";
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
  "/demo",
];

function langOf(c: Context): Lang {
  const q = c.req.query("lang");
  if (q === "en" || q === "zh") {
    setCookie(c, "wc_lang", q, { path: "/", sameSite: "Strict", maxAge: 365 * 86400 });
    return q;
  }
  return getCookie(c, "wc_lang") === "en" ? "en" : "zh";
}

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
  const limited = [
    "/login",
    "/logout",
    "/compose",
    "/compose/*",
    "/warnings/*",
    "/admin/*",
    "/devices",
    "/devices/*",
    "/demo/*",
  ];
  for (const p of limited) {
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
    "/demo/*",
  ];
  for (const p of sessionPaths) {
    app.use(p, requireSession);
  }

  app.get("/", (c) => c.redirect("/warnings", 302));
  mountAdminPages(app);
  // One module per page (src/console/routes): each reads the API's own response types.
  mountWarnings(app);
  mountCompose(app);
  mountApprovals(app);
  mountBoard(app);
  mountDirectory(app);
  mountPhone(app);

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
}

function safeNext(n: string | undefined): string {
  return n && n.startsWith("/") && !n.startsWith("//") ? n : "/warnings";
}
