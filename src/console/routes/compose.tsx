// Compose a warning (or an update of ?from=<id>), its live preview, and the area picker.
import type { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import { areaLabels, fieldMessage, problemMessage, statusOf, type C } from "../context.js";
import type { Problem } from "../../lib/errors.js";
import { word } from "../i18n.js";
import type { PageCtx } from "../layout.js";
import { ComposePage, type ComposeValues, type FieldErrors } from "../pages/compose.js";
import { isDerivedHeadline } from "../../domain/warnings/fields.js";
import type { WarningDto } from "../types.js";

const toLocalInput = (iso: string | null | undefined) => {
  if (!iso) return "";
  // datetime-local in Asia/Shanghai (UTC+8, no DST).
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
};
const fromLocalInput = (raw: string | undefined) => {
  const v = raw?.trim().replace(" ", "T");
  return v ? `${v.length === 16 ? `${v}:00` : v}+08:00` : undefined;
};

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
  if (p && !p.errors?.length && p.detail) out[""] = [problemMessage(ctx, p as Problem)];
  return out;
}

export function mountCompose(app: Hono<AppEnv>): void {
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
      const w = await c.get("call")<WarningDto>("GET", `/api/v1/warnings/${from}`);
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
      ? await call<WarningDto>("POST", `/api/v1/warnings/${from}/update`, body)
      : await call<WarningDto>("POST", "/api/v1/warnings", body);
    // Field errors go next to their fields (and a general one above the form), not twice.
    const fixFirst = (errs: FieldErrors) =>
      Object.keys(errs).some((k) => k !== "") ? c.get("page").t("fixFields") : null;
    if (!created.ok) {
      const errs = fieldErrors(c.get("page"), created.problem);
      return again(errs, fixFirst(errs), statusOf(created.status));
    }
    let w = created.body;
    if (!from && one("action") === "submit") {
      const sub = await call<WarningDto>("POST", `/api/v1/warnings/${w.id}/submit`);
      if (!sub.ok) {
        const errs = fieldErrors(c.get("page"), sub.problem);
        return again(errs, fixFirst(errs), statusOf(sub.status));
      }
      w = sub.body;
    }
    const t = c.get("page").t;
    return c.redirect(
      `/warnings/${w.id}?flash=${encodeURIComponent(`${t("created")}：${word(t, "st", w.status)}`)}`,
      303,
    );
  });

  app.post("/compose/preview", async (c: C) => {
    const from = c.req.query("from");
    const path = `/api/v1/warnings/preview${from ? `?supersedes=${encodeURIComponent(from)}` : ""}`;
    const r = await c.get("call")("POST", path, await c.req.text());
    // The API's field messages are English (for machines); the preview shows the page's language.
    const errors = r.problem?.errors;
    const body = errors
      ? { ...r.problem, errors: errors.map((e) => ({ ...e, message: fieldMessage(c.get("page"), e) })) }
      : r.body;
    return c.json(body, r.status as 200);
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
}
