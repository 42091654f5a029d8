// Reading request bodies: content type (415), size (413, enforced by bodyLimit), syntax
// (400) and shape (422) each get their own precise problem.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { AppError, validationError } from "../lib/errors.js";
import type { AppEnv } from "./env.js";
import { unstorableField } from "../lib/storable.js";
import { zodIssues } from "./validation.js";

export const limitBody = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("payload_too_large", `body exceeds ${maxSize} bytes`, { extra: { maxBytes: maxSize } });
    },
  });

export function requireContentType(c: Context, expected: string[]): void {
  const ct = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!expected.includes(ct)) {
    throw new AppError("unsupported_media_type", `expected ${expected.join(" or ")}, got ${ct || "no content type"}`, {
      extra: { expected },
    });
  }
}

export async function readJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  requireContentType(c, ["application/json"]);
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = text === "" ? undefined : JSON.parse(text);
  } catch (e) {
    throw new AppError("malformed_json", `body is not valid JSON: ${(e as Error).message}`);
  }
  if (raw === undefined) throw new AppError("malformed_json", "body is empty; a JSON object is required");
  const unstorable = unstorableField(raw);
  if (unstorable) throw validationError([unstorable]);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}

/** Optional JSON body (e.g. reject/cancel with an optional reason). A chunked body carries
 * no content-length, so only an empty one counts as absent: anything else sent without a
 * content type is a 415, never silently ignored. */
export async function readOptionalJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  if (!c.req.header("content-type") && (await c.req.text()) === "") {
    const parsed = schema.safeParse({});
    if (parsed.success) return parsed.data;
  }
  return readJson(c, schema);
}

/** Every operation's path and query parameters, before its handler: many reach SQL. */
export const storableParams: MiddlewareHandler<AppEnv> = async (c, next) => {
  const query = Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  const unstorable = unstorableField(c.req.param(), "path") ?? unstorableField(query, "query");
  if (unstorable) throw validationError([unstorable]);
  await next();
};

export function parseQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  // Query schemas are flat; a repeated name would otherwise be read as its first value.
  const repeated = Object.entries(c.req.queries()).filter(([, v]) => v.length > 1);
  if (repeated.length > 0) {
    const errors = repeated.map(([k, v]) => ({ path: `query.${k}`, message: `given ${v.length} times, once wanted` }));
    throw validationError(errors);
  }
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(zodIssues(parsed.error, "query"));
  return parsed.data;
}
