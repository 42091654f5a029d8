import type { Context } from "hono";
import type { AppEnv } from "../http/env.js";

/** What every handler reads from the request context: services, the caller, the request id. */
export const ctx = (c: Context<AppEnv>) => ({
  s: c.get("services"),
  actor: c.get("actor"),
  requestId: c.get("requestId"),
});
