// The warnings list with the last day's coverage summary.
import type { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import { areaNames, type C } from "../context.js";
import { WarningsPage, type Summary } from "../pages/warnings.js";
import type { Page, WarningDto } from "../types.js";

export function mountWarnings(app: Hono<AppEnv>): void {
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
      call<Page<WarningDto>>("GET", `/api/v1/warnings?${q}`),
      call<Summary>("GET", "/api/v1/coverage/summary"),
    ]);
    const ctx = c.get("page");
    const items: WarningDto[] = list.ok ? list.body.items : [];
    const names = await areaNames(
      c,
      items.flatMap((w) => w.areas.codes),
    );
    return c.html(
      <WarningsPage
        ctx={ctx}
        names={names}
        grading={c.get("services").grading}
        items={items}
        filters={f}
        summary={summary.ok ? summary.body : null}
        flash={c.req.query("flash") ?? null}
      />,
    );
  });
}
