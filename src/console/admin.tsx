// The accounts pages (admin), acting through the users, agencies and audit API with the
// signed-in admin's session, so scope, role and audit rules are the API's own.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import type { CallApi } from "./api.js";
import type { Problem } from "../lib/errors.js";
import { problemMessage } from "./context.js";
import type { Session } from "./session.js";
import type { PageCtx } from "./layout.js";
import {
  AuditPage,
  UserPage,
  UsersPage,
  type AgencyView,
  type AuditView,
  type KeyView,
  type UserView,
} from "./pages/users.js";

type C = Context<AppEnv & { Variables: { session: Session; call: CallApi; page: PageCtx } }>;

const status = (s: number) => (s >= 400 && s < 500 ? s : 500) as 403 | 404 | 409 | 422;
const problemText = (c: C, p: Problem | null) => problemMessage(c.get("page"), p);

export function mountAdminPages(app: Hono<AppEnv>): void {
  const agencies = async (c: C) => {
    const r = await c.get("call")<{ items: AgencyView[] }>("GET", "/api/v1/agencies?limit=500");
    return r.ok ? r.body.items : [];
  };
  const usersPage = async (c: C, error: string | null, code: number) => {
    const r = await c.get("call")<{ items: UserView[] }>("GET", "/api/v1/users?limit=500");
    return c.html(
      <UsersPage
        ctx={c.get("page")}
        session={c.get("session")}
        users={r.ok ? r.body.items : []}
        agencies={await agencies(c)}
        error={error ?? (r.ok ? null : problemText(c, r.problem))}
      />,
      r.ok ? (code as 200) : status(r.status),
    );
  };
  const userPage = async (
    c: C,
    id: string,
    o: { newKey?: string; flash?: string; error?: string; code?: number } = {},
  ) => {
    const r = await c.get("call")<UserView & { keys: KeyView[] }>("GET", `/api/v1/users/${encodeURIComponent(id)}`);
    if (!r.ok) return c.html(<p>{problemText(c, r.problem)}</p>, status(r.status));
    return c.html(
      <UserPage
        ctx={c.get("page")}
        session={c.get("session")}
        user={r.body}
        agencies={await agencies(c)}
        newKey={o.newKey ?? null}
        flash={o.flash ?? null}
        error={o.error ?? null}
      />,
      (o.code ?? 200) as 200,
    );
  };
  const form = async (c: C) => {
    const f = await c.req.parseBody();
    return (k: string) => (typeof f[k] === "string" ? (f[k] as string).trim() : "");
  };

  app.get("/admin/users", (c: C) => usersPage(c, null, 200));
  app.post("/admin/users", async (c: C) => {
    const v = await form(c);
    const body = {
      username: v("username"),
      name: v("name"),
      role: v("role"),
      areaScope: v("areaScope"),
      ...(v("agency") ? { agency: v("agency") } : {}),
      ...(v("password") ? { password: v("password") } : {}),
    };
    const r = await c.get("call")<UserView>("POST", "/api/v1/users", body);
    if (!r.ok) return usersPage(c, problemText(c, r.problem), status(r.status));
    return c.redirect(`/admin/users/${r.body.id}`, 303);
  });
  app.get("/admin/users/:id", (c: C) => userPage(c, c.req.param("id")!));
  app.post("/admin/users/:id", async (c: C) => {
    const id = c.req.param("id")!;
    const v = await form(c);
    const body = {
      name: v("name"),
      role: v("role"),
      areaScope: v("areaScope"),
      agency: v("agency") || null,
      active: v("active") === "1",
      ...(v("password") ? { password: v("password") } : {}),
    };
    const r = await c.get("call")("PATCH", `/api/v1/users/${encodeURIComponent(id)}`, body);
    if (!r.ok) return userPage(c, id, { error: problemText(c, r.problem), code: status(r.status) });
    return userPage(c, id, { flash: c.get("page").t("created") });
  });
  app.post("/admin/users/:id/keys", async (c: C) => {
    const id = c.req.param("id")!;
    const v = await form(c);
    const r = await c.get("call")<{ key: string }>("POST", `/api/v1/users/${encodeURIComponent(id)}/keys`, {
      label: v("label") || "key",
    });
    // Rendered, not redirected: the secret must never sit in a URL or the history.
    if (!r.ok) return userPage(c, id, { error: problemText(c, r.problem), code: status(r.status) });
    return userPage(c, id, { newKey: r.body.key, code: 201 });
  });
  app.post("/admin/users/:id/keys/:keyId/revoke", async (c: C) => {
    const id = c.req.param("id")!;
    const r = await c.get("call")(
      "DELETE",
      `/api/v1/users/${encodeURIComponent(id)}/keys/${encodeURIComponent(c.req.param("keyId")!)}`,
    );
    if (!r.ok) return userPage(c, id, { error: problemText(c, r.problem), code: status(r.status) });
    return c.redirect(`/admin/users/${id}`, 303);
  });

  app.get("/admin/audit", async (c: C) => {
    const f: Record<string, string> = {};
    for (const k of ["user", "action", "from", "to"]) {
      const v = c.req.query(k);
      if (v) f[k] = v;
    }
    const q = new URLSearchParams({ limit: "200" });
    if (f.user) q.set("user", f.user);
    if (f.action) q.set("action", f.action);
    if (f.from) q.set("from", `${f.from}T00:00:00+08:00`);
    if (f.to) q.set("to", `${f.to}T23:59:59+08:00`);
    const r = await c.get("call")<{ items: AuditView[] }>("GET", `/api/v1/audit?${q}`);
    return c.html(
      <AuditPage
        ctx={c.get("page")}
        items={r.ok ? r.body.items : []}
        filters={f}
        error={r.ok ? null : problemText(c, r.problem)}
      />,
      r.ok ? 200 : status(r.status),
    );
  });
}
