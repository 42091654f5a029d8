// Console passwords: node's built-in scrypt (OpenSSL here, BoringSSL in workerd under
// nodejs_compat), so no native add-on and one code path on both runtimes. scrypt is
// memory-hard; N=2^15, r=8, p=3 is one of OWASP's equivalent minimum settings and needs
// 32 MiB, which fits a Worker's 128 MB (N=2^17 would not). The parameters are stored with
// each hash, so raising them later re-hashes at the next sign-in.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LEN = 32;
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, KEY_LEN, { N, r, p, maxmem: MAX_MEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS.N, PARAMS.r, PARAMS.p);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** Computed once: verifying against it makes "no such user" cost as much as a wrong password. */
let dummy: Promise<string> | null = null;

/** `stored` null (unknown user, or no password set) still spends a full scrypt. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const target = stored ?? (await (dummy ??= hashPassword("warncast-no-such-user")));
  const [scheme, n, r, p, salt, hash] = target.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const got = await derive(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return got.length === expected.length && timingSafeEqual(got, expected) && stored !== null;
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;
// The most common choices that pass the length rule (from public breach top lists).
const COMMON = new Set([
  "1234567890",
  "12345678910",
  "0123456789",
  "1q2w3e4r5t",
  "qwertyuiop",
  "password12",
  "password123",
  "password1234",
  "1qaz2wsx3edc",
  "qwerty1234",
  "iloveyou12",
  "abcd123456",
  "a123456789",
  "woaini1314",
  "aa123456789",
  "abc1234567",
  "administrator",
  "admin12345",
  "admin123456",
  "warncast123",
  "changeme123",
  "welcome123",
  "p@ssw0rd123",
  "passw0rd123",
]);

export interface PasswordProblem {
  code: string;
  message: string;
}

/** NIST SP 800-63B style: length and a blocklist, no composition rules. */
export function passwordProblem(password: string, username: string): PasswordProblem | null {
  const chars = [...password];
  if (chars.length < PASSWORD_MIN)
    return { code: "password_too_short", message: `at least ${PASSWORD_MIN} characters` };
  if (chars.length > PASSWORD_MAX) return { code: "password_too_long", message: `at most ${PASSWORD_MAX} characters` };
  const lower = password.toLowerCase();
  if (username && lower.includes(username.toLowerCase())) {
    return { code: "password_contains_username", message: "must not contain the username" };
  }
  if (COMMON.has(lower) || new Set(chars).size < 4) {
    return { code: "password_too_common", message: "too common or too repetitive; choose a longer phrase" };
  }
  return null;
}
