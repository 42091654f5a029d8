import { defineOperation } from "../operation.js";
import { silentVillages } from "../../db/queries/device-status.js";
import { ctx } from "../context.js";
import { loadWarning } from "../../warnings/load.js";
import { inForce } from "../../warnings/lifecycle.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/silent-villages",
  summary:
    "Targeted villages with no loudspeaker online (someone must broadcast by hand); `active` says whether the warning is in force",
  tag: "coverage",
  auth: "apiKey",
  permission: "read",
  success: [200, "{ items: [{ villageCode, name, loudspeakers, lastSeen }], nextCursor: null, active }"],
  handler: async (c) => {
    const { s, actor } = ctx(c);
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    const items = await silentVillages(s.db, w.id);
    const active = inForce(w, s.now());
    return c.json({
      items: items.map((v) => ({ ...v, lastSeen: v.lastSeen?.toISOString() ?? null })),
      nextCursor: null,
      active,
    });
  },
});
