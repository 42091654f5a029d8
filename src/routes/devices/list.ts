import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requireScope } from "../../domain/actor.js";
import { DEVICE_KINDS } from "../../domain/vocabulary.js";
import { isAreaCode } from "../../domain/areas.js";
import { listDevices } from "../../db/queries/devices.js";
import { decodeCursor, limitParam, page } from "../pagination.js";
import { deviceDto } from "./dto.js";

const query = z.strictObject({
  area: z.string().refine(isAreaCode, "not an area code"),
  kind: z.enum(DEVICE_KINDS).optional(),
  // The console's offline filter: the silent devices of a city are a few among thousands.
  online: z.enum(["true", "false"]).optional(),
  cursor: z.string().optional(),
  limit: limitParam,
});

export default defineOperation({
  method: "get",
  path: "/api/v1/devices",
  summary: "Devices in an area with online state and last seen; `online=false` lists the silent ones",
  tag: "devices",
  auth: "apiKey",
  permission: "read",
  query,
  success: [200, "{ items, nextCursor }"],
  handler: async (c, req) => {
    const actor = c.get("actor");
    const q = req.query;
    requireScope(actor, [q.area]);
    const afterId = decodeCursor(q.cursor, z.uuid());
    const rows = await listDevices(c.get("services").db, {
      area: q.area,
      kind: q.kind,
      afterId,
      limit: q.limit,
      online: q.online === undefined ? undefined : q.online === "true",
    });
    return c.json(page(rows.map(deviceDto), q.limit, (d) => d.id));
  },
});
