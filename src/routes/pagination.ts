import { z } from "zod";
import { AppError } from "../lib/errors.js";
import { unstorableField } from "../lib/storable.js";

export const limitParam = z.coerce.number().int().min(1).max(500).default(100);

export const encodeCursor = (v: unknown) => btoa(unescape(encodeURIComponent(JSON.stringify(v)))).replaceAll("=", "");

export function decodeCursor<S extends z.ZodType>(cursor: string | undefined, schema: S): z.output<S> | undefined {
  if (!cursor) return undefined;
  try {
    const raw: unknown = JSON.parse(decodeURIComponent(escape(atob(cursor))));
    if (unstorableField(raw)) throw new Error("unstorable");
    return schema.parse(raw);
  } catch {
    throw new AppError("bad_request", "cursor is not one this API returned", {
      errors: [{ path: "query.cursor", message: "invalid cursor" }],
    });
  }
}

/** `{ items, nextCursor }`: the next cursor exists only when the page was full. */
export function page<T, C>(items: T[], limit: number, cursorOf: (last: T) => C) {
  const last = items.at(-1);
  return { items, nextCursor: items.length === limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}
