import { defineOperation } from "../operation.js";
import { getUser } from "../../db/queries/users.js";
import { userDto } from "./dto.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/me",
  summary: "The caller: user, role, scope and agency (with its types and SMS signature)",
  tag: "users",
  auth: "apiKey",
  success: [200, "the caller"],
  handler: async (c) => {
    const actor = c.get("actor");
    const u = await getUser(c.get("services").db, actor.id);
    return c.json({ ...userDto(u!), agency: actor.agency ?? null });
  },
});
