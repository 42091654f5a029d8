// Reading request bodies: content type (415), size (413, enforced by bodyLimit), syntax
// (400) and shape (422) each get their own precise problem.
import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { AppError, validationError } from "../lib/errors.js";
import type { AppEnv } from "./env.js";
import { unstorableField } from "../lib/storable.js";
import { zodIssues } from "./validation.js";

/** The body limit: by the declared content-length when there is one (the HTTP parser
 * reads no more than that), else by counting the stream (hono's bodyLimit). Deciding by
 * the header leaves the body unread, for bodyText to take from the socket. */
export const limitBody = (maxSize: number): MiddlewareHandler<AppEnv> => {
  const tooLarge = () => {
    throw new AppError("payload_too_large", `body exceeds ${maxSize} bytes`, { extra: { maxBytes: maxSize } });
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length !== undefined && /^\d{1,15}$/.test(length) && c.req.header("transfer-encoding") === undefined) {
      if (Number(length) > maxSize) tooLarge();
      c.set("bodyWithinLength", true);
      return next();
    }
    return counted(c, next);
  };
};

/** The body as text, read once. On Node, with the length already checked (limitBody), the
 * bytes come straight from the socket's IncomingMessage: hono's own read builds a web
 * Request, an AbortSignal and a ReadableStream per request, a third of the HTTP thread's
 * cost of a Twilio status callback. Decoded as Request.text() does (UTF-8, a BOM dropped,
 * bad bytes replaced), and left in hono's body cache so any later read of the body gets it. */
export function bodyText(c: Context<AppEnv>): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const cache = c.req.bodyCache as { text?: Promise<string> };
  if (!incoming || !c.get("bodyWithinLength") || Object.keys(cache).length > 0 || incoming.readableDidRead)
    return c.req.text();
  cache.text = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (b: Buffer) => chunks.push(b));
    incoming.once("end", () => resolve(new TextDecoder().decode(Buffer.concat(chunks))));
    incoming.once("error", reject);
  });
  return cache.text;
}

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
  const text = await bodyText(c);
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
  if (!c.req.header("content-type") && (await bodyText(c)) === "") {
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
