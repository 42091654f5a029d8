import { sql } from "drizzle-orm";
import { defineOperation } from "../operation.js";

export default defineOperation({
  method: "get",
  path: "/health",
  summary: "Liveness and database reachability",
  tag: "system",
  auth: "none",
  success: [200, "{ status: 'ok' }"],
  handler: async (c) => {
    const { db } = c.get("services");
    try {
      await db.execute(sql`select 1`);
      return c.json({ status: "ok", database: "ok" });
    } catch {
      return c.json({ status: "degraded", database: "unreachable" }, 503);
    }
  },
});
