import { z } from "zod";
import { defineOperation } from "../operation.js";
import { AppError } from "../../lib/errors.js";
import { getWarning } from "../../db/queries/warnings.js";
import { CAP_CONTENT_TYPE, capDocument } from "../cap/document.js";

const file = z
  .string()
  .regex(/^[0-9a-f-]{36}\.xml$/i)
  .transform((f) => f.slice(0, -4))
  .pipe(z.uuid());

// Aggregators cannot send API keys, so a version that went out to the public is public;
// drafts and versions awaiting approval answer exactly like a missing id.
export default defineOperation({
  method: "get",
  path: "/feeds/cap/:file",
  summary: "Public CAP 1.2 document of an issued warning version: /feeds/cap/{id}.xml",
  tag: "feeds",
  auth: "none",
  success: [200, "CAP 1.2 XML"],
  responseType: "application/cap+xml",
  handler: async (c) => {
    const s = c.get("services");
    const name = c.req.param("file")!;
    const id = file.safeParse(name);
    const w = id.success ? await getWarning(s.db, id.data) : undefined;
    if (!w || !w.issuedAt) throw new AppError("not_found", `no public CAP document ${name}`);
    return c.body(await capDocument(s.db, s.grading, w), 200, {
      "content-type": CAP_CONTENT_TYPE,
      "cache-control": "public, max-age=60",
    });
  },
});
