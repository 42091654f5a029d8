import type { MiddlewareHandler } from "hono";
import { AppError } from "../lib/errors.js";
import { constantTimeEqual, sha256Hex } from "../lib/crypto.js";
import { findKeyCredential, findSessionCredential, touchDue, touchKey } from "../db/queries/api-keys.js";
import { agencyRef } from "../db/queries/agencies.js";
import type { AppEnv } from "./env.js";

/** A console session's token (sealed in its cookie) rather than an API key. */
export const SESSION_TOKEN_PREFIX = "wcs_";

/**
 * Every /api call carries `Authorization: Bearer <api key>` (or, from the console, its
 * session token). Secrets are stored as SHA-256 and found by that hash: an attacker cannot
 * steer the bytes of a hash, so the index lookup leaks nothing about stored keys; the match
 * is still confirmed with a constant-time comparison.
 */
export const requireActor: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new AppError("unauthorized", "missing Authorization: Bearer <api key>");
  const { db, now } = c.get("services");
  const token = m[1]!;
  const hash = await sha256Hex(token);
  const cred = token.startsWith(SESSION_TOKEN_PREFIX)
    ? await findSessionCredential(db, hash, now())
    : await findKeyCredential(db, hash);
  if (!cred || !constantTimeEqual(cred.hash, hash)) throw new AppError("unauthorized", "invalid or revoked API key");
  // The credential's read says when the key was last stamped: a request within the minute
  // costs no write (a round trip saved on nearly every API call, under load several ms).
  if (cred.keyId && touchDue(cred.lastUsedAt, now())) await touchKey(db, cred.keyId, now());
  const { user } = cred;
  const agency = cred.agency ? agencyRef(cred.agency) : null;
  c.set("actor", { id: user.id, name: user.name, role: user.role, areaScope: user.areaScope, agency });
  c.set("log", c.get("log").child({ actor: user.id }));
  await next();
};
