// What every console route handler shares: its typed context and small helpers.
import type { Context } from "hono";
import { getAreas } from "../db/queries/areas.js";
import { isAreaCode } from "../domain/areas.js";
import type { AppEnv } from "../http/env.js";
import type { CallApi } from "./api.js";
import type { Problem } from "../lib/errors.js";
import type { PageCtx } from "./layout.js";
import type { Session } from "./session.js";
import type { AreaLabel } from "./types.js";

export type C = Context<AppEnv & { Variables: { session: Session; call: CallApi; page: PageCtx } }>;

export const statusOf = (s: number) => (s >= 400 && s < 500 ? s : 500) as 403 | 409 | 422;

export async function areaLabels(c: C, codes: string[]): Promise<AreaLabel[]> {
  // Codes straight from the form: only real ones are looked up (the API names the others).
  const by = new Map((await getAreas(c.get("services").db, codes.filter(isAreaCode))).map((a) => [a.code, a]));
  return codes.map((code) => ({ code, label: by.get(code)?.name ?? code, population: by.get(code)?.population ?? 0 }));
}

/** Area names for codes shown in a table (people, devices): one query per page. */
export async function areaNames(c: C, codes: string[]): Promise<Map<string, string>> {
  const rows = await getAreas(c.get("services").db, [...new Set(codes)].filter(isAreaCode));
  return new Map(rows.map((a) => [a.code, a.name]));
}

/** A zod-style field error in the page's language: the API speaks English to machines. */
export function fieldMessage(ctx: PageCtx, e: { path: string; code?: string | undefined; message: string }): string {
  if (ctx.lang === "en") return e.message;
  return ctx.t(`v_${e.code ?? ""}` as Parameters<PageCtx["t"]>[0]) ?? e.message;
}

/** An API refusal in the page's language. English pages show its detail. Chinese pages say
 * what went wrong by the problem's code, each field's reason by its code, and the one
 * detail staff act on (the newer version a refused action should be taken on): the API's
 * detail is English, for machines and logs. */
export function problemMessage(ctx: PageCtx, p: Problem | null | undefined): string {
  if (!p) return ctx.t("notAllowed");
  if (ctx.lang === "en") return p.detail || ctx.t("notAllowed");
  const head = ctx.t(`p_${p.code}` as Parameters<PageCtx["t"]>[0]) ?? ctx.t("notAllowed");
  const newer = typeof p.newerVersion === "string" ? `（${ctx.t("newerVersionIs")} ${p.newerVersion}）` : "";
  const reasons = [...new Set((p.errors ?? []).filter((e) => e.code).map((e) => fieldMessage(ctx, e)))];
  return `${head}${newer}${reasons.length > 0 ? `：${reasons.join("；")}` : ""}`;
}
