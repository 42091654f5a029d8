import { sql } from "drizzle-orm";
import { defineOperation } from "../operation.js";

export default defineOperation({
  method: "get",
  path: "/health",
  summary: "Liveness, database reachability and each channel's health (channels: probed at most every 30 s)",
  tag: "system",
  auth: "none",
  success: [200, "{ status: 'ok', database: 'ok', channels?: { sms: { ok, detail? }, … } }"],
  handler: async (c) => {
    const { db, channelHealth } = c.get("services");
    try {
      await db.execute(sql`select 1`);
    } catch {
      return c.json({ status: "degraded", database: "unreachable" }, 503);
    }
    // A channel's provider being down is reported, not a failed probe: the instance is
    // alive and retries its sends (DESIGN §5); restarting it would not help.
    const channels = await channelHealth?.();
    return c.json({ status: "ok", database: "ok", ...(channels ? { channels } : {}) });
  },
});
