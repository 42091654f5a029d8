import type { MiddlewareHandler } from "hono";
import { AppError } from "../lib/errors.js";
import { sha256Hex } from "../lib/crypto.js";
import { findActiveUserByKeyHash } from "../db/queries/users.js";
import type { AppEnv } from "./env.js";

/** Every /api call carries `Authorization: Bearer <api key>`; keys are stored hashed. */
export const requireActor: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new AppError("unauthorized", "missing Authorization: Bearer <api key>");
  const user = await findActiveUserByKeyHash(c.get("services").db, await sha256Hex(m[1]!));
  if (!user) throw new AppError("unauthorized", "invalid or revoked API key");
  c.set("actor", { id: user.id, name: user.name, role: user.role, areaScope: user.areaScope });
  c.set("log", c.get("log").child({ actor: user.id }));
  await next();
};
