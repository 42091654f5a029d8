// One operation = one module: its path, its schemas (which also feed /openapi.json) and
// its handler. Resources list their operations; app.ts mounts a handful of resources.
import type { Handler, Hono } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { storableParams } from "../http/body.js";

export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  /** Hono path, e.g. `/api/v1/warnings/:id/approve`. */
  path: string;
  summary: string;
  tag: string;
  auth: "apiKey" | "twilioSignature" | "none";
  body?: z.ZodType;
  /** Non-JSON request body type (e.g. text/csv); JSON when `body` is set. */
  bodyType?: string;
  query?: z.ZodType;
  /** Success status and a short description of what comes back. */
  success: [number, string];
  /** Response body type when not JSON. */
  responseType?: string;
  handler: Handler<AppEnv>;
}

export const defineOperation = (op: Operation): Operation => op;

export function mount(app: Hono<AppEnv>, ops: Operation[]): void {
  for (const op of ops) app.on(op.method.toUpperCase(), op.path, storableParams, op.handler);
}
