import { defineOperation } from "../operation.js";
import { listKeys } from "../../db/queries/api-keys.js";
import { keyDto, userDto } from "./dto.js";
import { loadUser } from "./checks.js";

export default defineOperation({
  method: "get",
  path: "/api/v1/users/:id",
  summary: "One user with its API keys (prefix, label, created, last used; never the secret)",
  tag: "users",
  auth: "apiKey",
  success: [200, "the user with `keys`"],
  handler: async (c) => {
    const { db } = c.get("services");
    const u = await loadUser(db, c.get("actor"), c.req.param("id")!, { self: true });
    return c.json({ ...userDto(u), keys: (await listKeys(db, u.id)).map(keyDto) });
  },
});
