// Devices (list, register with the token shown once, revoke) and people (paged, searched,
// CSV import), all through the API with the signed-in user's session.
import type { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import { areaNames, fieldMessage, problemMessage, statusOf, type C } from "../context.js";
import { DevicesPage, PeoplePage, type ImportReport } from "../pages/directory.js";
import type { MessageKey } from "../i18n.js";
import type { AreaDto, DeviceDto, Page, RecipientDto } from "../types.js";

const PAGE = 100;

/** A CSV column in the page's language (phone → 电话); an unknown one as it is. */
const COLUMNS: Record<string, MessageKey> = {
  name: "name",
  phone: "phone",
  email: "email",
  areaCode: "area",
  area_code: "area",
  audiences: "audiences",
  language: "language",
  role: "post",
};
const fieldName = (c: C, field: string) => {
  const column = field.split(".")[0]!; // audiences.1: the second audience of the cell
  return COLUMNS[column] ? c.get("page").t(COLUMNS[column]!) : field;
};

async function devicesView(c: C, created: { name: string; token: string } | null = null) {
  const area = c.req.query("area") || c.get("session").scope;
  const st = c.req.query("state");
  const state = st === "online" || st === "offline" ? st : "";
  const cursor = c.req.query("cursor");
  const call = c.get("call");
  const [r, self, silent] = await Promise.all([
    call<Page<DeviceDto>>(
      "GET",
      `/api/v1/devices?${new URLSearchParams({
        area,
        limit: String(PAGE),
        ...(cursor ? { cursor } : {}),
        ...(state ? { online: String(state === "online") } : {}),
      })}`,
    ),
    call<AreaDto>("GET", `/api/v1/areas/${encodeURIComponent(area)}`),
    // Counted across the whole area, not the page shown: offline is the number that matters.
    call<Page<DeviceDto>>("GET", `/api/v1/devices?${new URLSearchParams({ area, limit: "500", online: "false" })}`),
  ]);
  const items = r.ok ? r.body.items : [];
  const offline = silent.ok ? silent.body.items.filter((d) => !d.revoked).length : null;
  const v = {
    area,
    areaName: self.ok ? self.body.name : area,
    offline,
    offlineMore: silent.ok && silent.body.nextCursor !== null,
    state: state as "" | "online" | "offline",
    items,
    names: await areaNames(
      c,
      items.map((d) => d.areaCode),
    ),
    nextCursor: r.ok ? r.body.nextCursor : null,
    first: !cursor,
    created,
  };
  return { v, error: r.ok ? null : problemMessage(c.get("page"), r.problem) };
}

async function peopleView(c: C) {
  const area = c.req.query("area") || c.get("session").scope;
  const q = (c.req.query("q") ?? "").trim().slice(0, 40);
  const cursor = c.req.query("cursor");
  const call = c.get("call");
  const params = new URLSearchParams({ area, limit: String(PAGE), ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) });
  const [r, self] = await Promise.all([
    call<Page<RecipientDto>>("GET", `/api/v1/recipients?${params}`),
    call<AreaDto>("GET", `/api/v1/areas/${encodeURIComponent(area)}`),
  ]);
  const items = r.ok ? r.body.items : [];
  const v = {
    area,
    areaName: self.ok ? self.body.name : area,
    q,
    items,
    names: await areaNames(
      c,
      items.map((p) => p.areaCode),
    ),
    nextCursor: r.ok ? r.body.nextCursor : null,
    first: !cursor,
  };
  return { v, error: r.ok ? null : problemMessage(c.get("page"), r.problem) };
}

export function mountDirectory(app: Hono<AppEnv>): void {
  app.get("/devices", async (c: C) => {
    const { v, error } = await devicesView(c);
    return c.html(
      <DevicesPage
        ctx={c.get("page")}
        session={c.get("session")}
        v={v}
        error={error}
        flash={c.req.query("flash") ?? null}
      />,
    );
  });
  app.post("/devices", async (c: C) => {
    const form = await c.req.parseBody();
    const reach = String(form.reach ?? "").trim();
    const body = {
      kind: String(form.kind ?? ""),
      areaCode: String(form.areaCode ?? "").trim(),
      name: String(form.name ?? "").trim(),
      ...(reach ? { reach: Number(reach) } : {}),
    };
    const r = await c.get("call")<DeviceDto & { token: string }>("POST", "/api/v1/devices", body);
    if (!r.ok) {
      const { v } = await devicesView(c);
      const msg = problemMessage(c.get("page"), r.problem);
      return c.html(
        <DevicesPage ctx={c.get("page")} session={c.get("session")} v={v} error={msg} />,
        statusOf(r.status),
      );
    }
    // Shown in this response only: the token is not stored in a form the API can give back.
    const { v } = await devicesView(c, { name: r.body.name, token: r.body.token });
    return c.html(<DevicesPage ctx={c.get("page")} session={c.get("session")} v={v} />, 201);
  });
  app.post("/devices/:id/revoke", async (c: C) => {
    const r = await c.get("call")("POST", `/api/v1/devices/${encodeURIComponent(c.req.param("id")!)}/revoke`);
    const t = c.get("page").t;
    const q = r.ok
      ? `flash=${encodeURIComponent(t("revoked"))}`
      : `error=${encodeURIComponent(problemMessage(c.get("page"), r.problem))}`;
    return c.redirect(`/devices?${q}`, 303);
  });

  app.get("/people", async (c: C) => {
    const { v, error } = await peopleView(c);
    return c.html(<PeoplePage ctx={c.get("page")} session={c.get("session")} v={v} error={error} />);
  });
  app.post("/people/import", async (c: C) => {
    const form = await c.req.parseBody();
    const file = form.csv;
    const text = typeof file === "string" ? file : file ? await file.text() : "";
    type RowError = { line: number; field?: string; reason: string; code?: string };
    const r = await c.get("call")<{ imported: number; errors?: RowError[]; ignoredColumns?: string[] }>(
      "POST",
      "/api/v1/recipients/import",
      text,
      "text/csv",
    );
    const rowErrors: RowError[] = r.ok
      ? (r.body.errors ?? [])
      : ((r.problem?.rowErrors as RowError[] | undefined) ??
        (r.problem?.errors ?? []).map((e) => ({
          line: Number(/line (\d+)/.exec(e.path)?.[1] ?? 0),
          reason: fieldMessage(c.get("page"), e),
        })));
    const report: ImportReport = {
      imported: r.ok ? r.body.imported : 0,
      ignoredColumns: (r.ok ? r.body.ignoredColumns : (r.problem?.ignoredColumns as string[] | undefined)) ?? [],
      rejected: rowErrors.map((e) => {
        const reason = e.code
          ? fieldMessage(c.get("page"), { path: e.field ?? "", code: e.code, message: e.reason })
          : e.reason;
        return { line: e.line, reason: e.field ? `${fieldName(c, e.field)}：${reason}` : reason };
      }),
    };
    const { v } = await peopleView(c);
    return c.html(
      <PeoplePage
        ctx={c.get("page")}
        session={c.get("session")}
        v={v}
        report={report}
        error={
          r.ok ? null : r.status === 422 ? c.get("page").t("importNothing") : problemMessage(c.get("page"), r.problem)
        }
      />,
      r.ok ? 200 : statusOf(r.status),
    );
  });
}
