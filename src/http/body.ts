// Reading request bodies: content type (415), size (413, enforced by bodyLimit), syntax
// (400) and shape (422) each get their own precise problem.
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { AppError, validationError } from "../lib/errors.js";
import type { AppEnv } from "./env.js";
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
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}

/** Optional JSON body (e.g. reject/cancel with an optional reason). */
export async function readOptionalJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const len = c.req.header("content-length");
  if (!c.req.header("content-type") && (len === undefined || len === "0")) {
    const parsed = schema.safeParse({});
    if (parsed.success) return parsed.data;
  }
  return readJson(c, schema);
}

export function parseQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(zodIssues(parsed.error, "query"));
  return parsed.data;
}
