// Typed factories: each test creates the rows it needs.
import type { TestContext, TestUser } from "./context.js";
import { continuePlans } from "../../src/dispatch/progressive.js";

export const inHours = (ctx: TestContext, h: number) => new Date(ctx.clock.now.getTime() + h * 3600_000).toISOString();

export function warningBody(ctx: TestContext, over: Record<string, unknown> = {}) {
  return {
    type: "rainstorm",
    level: "orange",
    description: "预计未来6小时红山区将出现50毫米以上降雨。",
    instruction: "注意防范城乡积涝和山洪。",
    areas: { codes: ["150402000000"] },
    audiences: ["public"],
    expires: inHours(ctx, 12),
    ...over,
  };
}

export async function json<T = Record<string, any>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function createDraft(
  ctx: TestContext,
  over: Record<string, unknown> = {},
  by: TestUser = ctx.users.issuer,
) {
  const res = await ctx.request("POST", "/api/v1/warnings", { key: by.key, json: warningBody(ctx, over) });
  if (res.status !== 201) throw new Error(`createDraft: ${res.status} ${await res.text()}`);
  return json(res);
}

export async function createIssued(
  ctx: TestContext,
  over: Record<string, unknown> = {},
  by = ctx.users.issuer,
  approver = ctx.users.approver,
) {
  const w = await createDraft(ctx, over, by);
  const s = await ctx.request("POST", `/api/v1/warnings/${w.id}/submit`, { key: by.key });
  if (s.status !== 200) throw new Error(`submit: ${s.status} ${await s.text()}`);
  const a = await ctx.request("POST", `/api/v1/warnings/${w.id}/approve`, { key: approver.key });
  if (a.status !== 200) throw new Error(`approve: ${a.status} ${await a.text()}`);
  await finishPlans(ctx);
  return json(await ctx.request("GET", `/api/v1/warnings/${w.id}`, { key: approver.key }));
}

/** What a dispatcher runner's planner does after an issue: every pending warning's public
 * deliveries planned, county by county, to the end (tests that run no runner). */
export function finishPlans(ctx: TestContext) {
  return continuePlans(ctx.tdb.db, () => ctx.clock.now);
}
