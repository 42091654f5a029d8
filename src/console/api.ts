// The console acts through the JSON API with the signed-in user's key, so role, area
// scope, validation and audit are exactly the API's; the console never writes the
// database itself.
import type { Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import type { Problem } from "../lib/errors.js";

export interface ApiResult<T> {
  status: number;
  ok: boolean;
  body: T;
  problem: Problem | null;
}

export type CallApi = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
) => Promise<ApiResult<T>>;

/** `onUnauthorized`: the API no longer accepts the key (disabled or rotated). */
export function apiCaller(app: Hono<AppEnv>, key: string, requestId: string, onUnauthorized?: () => void): CallApi {
  return async <T>(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResult<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, "x-request-id": requestId };
    let payload: string | undefined;
    if (body !== undefined) {
      headers["content-type"] = contentType ?? "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const res = await app.request(path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    const type = res.headers.get("content-type") ?? "";
    const parsed = type.includes("json") ? await res.json() : await res.text();
    if (res.status === 401) onUnauthorized?.();
    // Typed as the caller names the API's response; the API's own schemas produced it.
    return { status: res.status, ok: res.ok, body: parsed as T, problem: res.ok ? null : (parsed as Problem) };
  };
}
