import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, type Problem } from "../lib/errors.js";
import { errorFields } from "../lib/log.js";
import type { AppEnv } from "./env.js";
import { abortedForAnother } from "../db/errors.js";

export function problemResponse(c: Context, p: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify({ ...p, instance: c.req.path, requestId: c.get("requestId") }), p.status as 400, {
    ...headers,
    "content-type": "application/problem+json",
  });
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) return problemResponse(c, err.toProblem());
  if (err instanceof HTTPException && err.status < 500) {
    return problemResponse(c, new AppError("bad_request", err.message || "bad request").toProblem());
  }
  const log = c.get("log");
  if (abortedForAnother(err)) {
    // Its transaction was rolled back whole: say that and when to retry, not a bare 500.
    log?.warn("transaction aborted for another", errorFields(err));
    const p = new AppError(
      "unavailable",
      "the database rolled back this request's transaction to resolve a conflict with another request; send it again",
    ).toProblem();
    return problemResponse(c, p, { "retry-after": "1" });
  }
  log?.error("unhandled error", errorFields(err));
  return problemResponse(
    c,
    new AppError("internal", "internal error; the request id identifies it in the logs").toProblem(),
  );
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(c, new AppError("not_found", `no route ${c.req.method} ${c.req.path}`).toProblem());
