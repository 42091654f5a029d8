// One operation = one module: its path, its schemas (which also feed /openapi.json) and
// its handler. Resources list their operations; app.ts mounts a handful of resources.
// The declaration is the contract: mount() authenticates as `auth` says, checks the
// declared `permission` before any body is read, and parses `body` and `query` with their
// schemas, so the handler receives typed, validated input and never parses it again.
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { parseQuery, readJson, readOptionalJson, storableParams } from "../http/body.js";
import { requireActor } from "../http/auth.js";
import { requirePermission, type Permission } from "../domain/actor.js";

export type Auth = "apiKey" | "twilioSignature" | "ebPackage" | "none";

export interface OperationOf<B, Q> {
  method: "get" | "post" | "patch" | "delete";
  /** Hono path, e.g. `/api/v1/warnings/:id/approve`. */
  path: string;
  summary: string;
  tag: string;
  /** apiKey: a Bearer key or console session (mount enforces it); twilioSignature and
   * ebPackage: the handler verifies the signed form or package it must read whole. */
  auth: Auth;
  /** Checked by mount after authentication and before the body is read: a caller who may
   * not act never has its body parsed. */
  permission?: Permission;
  /** A JSON body, parsed and validated by mount. */
  body?: z.ZodType<B>;
  /** An empty body counts as `{}` (an optional reason). */
  bodyOptional?: boolean;
  /** Non-JSON request body type (e.g. text/csv), read by the handler. */
  bodyType?: string;
  query?: z.ZodType<Q>;
  /** The JSON response's schema, for /openapi.json and the console's types. */
  response?: z.ZodType;
  /** Success status and a short description of what comes back. */
  success: [number, string];
  /** Response body type when not JSON. */
  responseType?: string;
  handler: (c: Context<AppEnv>, input: { body: B; query: Q }) => Response | Promise<Response>;
}

export const defineOperation = <B = undefined, Q = undefined>(op: OperationOf<B, Q>): OperationOf<B, Q> => op;

/** Any operation, whatever its input types (for lists of them). */
// biome-ignore lint/suspicious/noExplicitAny: a list holds operations of every input type
export type Operation = OperationOf<any, any>;

const permitted =
  (perm: Permission): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    requirePermission(c.get("actor"), perm);
    await next();
  };

export function mount(app: Hono<AppEnv>, ops: Operation[]): void {
  for (const op of ops) {
    const chain: MiddlewareHandler<AppEnv>[] = [storableParams];
    if (op.auth === "apiKey") chain.push(requireActor);
    if (op.permission) chain.push(permitted(op.permission));
    const run: MiddlewareHandler<AppEnv> = async (c) => {
      const body =
        op.body && !op.bodyType
          ? await (op.bodyOptional ? readOptionalJson(c, op.body) : readJson(c, op.body))
          : undefined;
      const query = op.query ? parseQuery(c, op.query) : undefined;
      return op.handler(c, { body, query });
    };
    // Hono's overloads type a fixed number of handlers; this chain's length varies.
    const on = app.on.bind(app) as (method: string, path: string, ...handlers: MiddlewareHandler<AppEnv>[]) => void;
    on(op.method.toUpperCase(), op.path, ...chain, run);
  }
}
