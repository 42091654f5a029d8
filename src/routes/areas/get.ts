import { defineOperation } from "../operation.js";
import { requirePermission } from "../../domain/actor.js";
import { isAreaCode } from "../../domain/areas.js";
import { AppError } from "../../lib/errors.js";
import { countBelow, getArea } from "../../db/queries/areas.js";
import { areaDto } from "./dto.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/areas/:code",
  summary: "One division or grid, with counts of the units below it",
  tag: "areas",
  auth: "apiKey",
  success: [200, "the area"],
  handler: async (c) => {
    const { db } = c.get("services");
    requirePermission(c.get("actor"), "read");
    const code = c.req.param("code")!;
    if (!isAreaCode(code)) throw new AppError("not_found", `no area ${code}: not a 12-digit area code or grid code`);
    const a = await getArea(db, code);
    if (!a) throw new AppError("not_found", `no area ${code}`);
    return c.json({ ...areaDto(a), below: await countBelow(db, code) });
  },
});
