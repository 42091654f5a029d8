// Console sign-in by username and password. Every answer to a failure is the same (one
// message, one status, a full scrypt even for a name that does not exist), so the form
// never tells whether an account exists. Failures are throttled per name and per address.
import type { Services } from "../services.js";
import { getUserByUsername, type User } from "../db/queries/users.js";
import { blockedUntil, clearFailures, recordFailure } from "../db/queries/sign-in-throttle.js";
import { endSessionByHash, insertSession } from "../db/queries/sessions.js";
import { writeAudit } from "../db/queries/audit.js";
import { throttleKey } from "../domain/sign-in-throttle.js";
import { randomToken, sha256Hex } from "../lib/crypto.js";
import { verifyPassword } from "../lib/password.js";
import { SESSION_TOKEN_PREFIX } from "../http/auth.js";

export type SignInResult =
  | { ok: true; user: User; token: string }
  | { ok: false; status: 401 }
  | { ok: false; status: 429; retryAfterSeconds: number };

export async function signInWithPassword(
  s: Pick<Services, "db" | "now">,
  o: { username: string; password: string; address: string; ttlSeconds: number; requestId: string },
): Promise<SignInResult> {
  const now = s.now();
  const username = o.username.trim().toLowerCase().slice(0, 64);
  const userKey = throttleKey("user", username);
  const addrKey = throttleKey("addr", o.address);
  const until = await blockedUntil(s.db, [userKey, addrKey], now);
  if (until) return { ok: false, status: 429, retryAfterSeconds: Math.ceil((until.getTime() - now.getTime()) / 1000) };

  const found = username ? await getUserByUsername(s.db, username) : undefined;
  const user = found?.active ? found : undefined;
  const ok = await verifyPassword(o.password.slice(0, 1024), user?.passwordHash ?? null);
  if (!ok || !user) {
    await recordFailure(s.db, "user", userKey, now);
    await recordFailure(s.db, "addr", addrKey, now);
    await writeAudit(s.db, {
      actor: "anonymous",
      actorKind: "system",
      action: "user.sign_in_failed",
      subjectType: "username",
      subjectId: username || "(empty)",
      after: { address: o.address },
      requestId: o.requestId,
    });
    return { ok: false, status: 401 };
  }
  await clearFailures(s.db, userKey);
  const token = randomToken(SESSION_TOKEN_PREFIX, 32);
  await s.db.transaction(async (tx) => {
    const id = await insertSession(tx, {
      userId: user.id,
      tokenHash: await sha256Hex(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + o.ttlSeconds * 1000),
    });
    await writeAudit(tx, {
      actor: user.id,
      actorKind: "user",
      action: "user.sign_in",
      subjectType: "session",
      subjectId: id,
      after: { address: o.address },
      requestId: o.requestId,
    });
  });
  return { ok: true, user, token };
}

export async function signOut(s: Pick<Services, "db" | "now">, token: string, requestId: string): Promise<void> {
  const userId = await endSessionByHash(s.db, await sha256Hex(token), s.now());
  if (userId)
    await writeAudit(s.db, {
      actor: userId,
      actorKind: "user",
      action: "user.sign_out",
      subjectType: "user",
      subjectId: userId,
      requestId,
    });
}
