// The console's session: a session token made at sign-in (a credential the API accepts
// like a key, so every console action goes through the API's auth, scope and validation,
// and which ends server-side at sign-out, a password change or a disabled account) sealed with AES-GCM in an
// HttpOnly, SameSite=Strict cookie, with the CSRF token every state-changing request must
// echo. Web Crypto only: the Worker serves the console too.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { PERMISSIONS, type Permission } from "../domain/actor.js";

export const SESSION_COOKIE = "wc_session";
export const LOGIN_CSRF_COOKIE = "wc_login_csrf";
export const MAX_AGE_S = 12 * 3600;

export interface Session {
  /** The session token (`wcs_…`) the console calls the API with. */
  key: string;
  csrf: string;
  name: string;
  role: string;
  scope: string;
  /** The user's agency code, shown beside the name. */
  agency?: string | null;
  /** Expiry, ms since the epoch. */
  exp: number;
}

const b64u = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
const unb64u = (s: string) =>
  Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));

type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<AesKey>>();
function aesKey(secret: string): Promise<AesKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(`warncast-session:${secret}`))
      .then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    keys.set(secret, k);
  }
  return k;
}

export async function seal(secret: string, s: Session): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      await aesKey(secret),
      new TextEncoder().encode(JSON.stringify(s)),
    ),
  );
  return `${b64u(iv)}.${b64u(ct)}`;
}

export async function unseal(secret: string, token: string | undefined, now: number): Promise<Session | null> {
  if (!token) return null;
  const [iv, ct] = token.split(".");
  if (!iv || !ct) return null;
  try {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64u(iv) }, await aesKey(secret), unb64u(ct));
    const s = JSON.parse(new TextDecoder().decode(pt)) as Session;
    return typeof s.key === "string" && typeof s.csrf === "string" && s.exp > now ? s : null;
  } catch {
    return null; // tampered, another secret, or garbage: no session
  }
}

export const randomToken = () => b64u(crypto.getRandomValues(new Uint8Array(24)));

const secure = (c: Context) => new URL(c.req.url).protocol === "https:";

export async function startSession(
  c: Context,
  secret: string,
  s: Omit<Session, "csrf" | "exp">,
  now: number,
): Promise<Session> {
  const session: Session = { ...s, csrf: randomToken(), exp: now + MAX_AGE_S * 1000 };
  setCookie(c, SESSION_COOKIE, await seal(secret, session), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    maxAge: MAX_AGE_S,
    secure: secure(c),
  });
  return session;
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

export function readSession(c: Context, secret: string, now: number): Promise<Session | null> {
  return unseal(secret, getCookie(c, SESSION_COOKIE), now);
}

/** The sign-in form has no session yet: its CSRF token is a double-submit cookie. */
export function loginCsrf(c: Context): string {
  const existing = getCookie(c, LOGIN_CSRF_COOKIE);
  if (existing && existing.length >= 20) return existing;
  const t = randomToken();
  setCookie(c, LOGIN_CSRF_COOKIE, t, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/login",
    maxAge: 3600,
    secure: secure(c),
  });
  return t;
}

/** Constant-time string equality. */
export function sameToken(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** Whether the page should offer an action: the API still decides (and says why not). */
export const may = (s: Session | null, perm: Permission): boolean =>
  !!s && (PERMISSIONS[perm] as readonly string[]).includes(s.role);
