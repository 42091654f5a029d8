import { defineOperation } from "../operation.js";
import { requireContentType } from "../../http/body.js";
import { can, requirePermission } from "../../domain/actor.js";
import { decodeXml } from "../../cap/harden.js";
import { parseMessage } from "../../cap/parse.js";
import { importCap, warningDto } from "../../warnings/index.js";
import { ctx } from "../context.js";

const XML_TYPES = ["application/cap+xml", "application/xml", "text/xml"];

export default defineOperation({
  method: "post",
  path: "/api/v1/cap",
  summary:
    "Import a CAP 1.2 or national-format message: an Alert becomes a draft; an Update or Cancel of a warning we hold acts on it",
  tag: "cap",
  auth: "apiKey",
  bodyType: "application/cap+xml",
  success: [201, "{ warning, report }: the draft (or the new Update/Cancel version) and what did not map"],
  handler: async (c) => {
    const { s, actor, requestId } = ctx(c);
    // Refuse before parsing: a viewer's body is never read. Approvers may import Cancels only.
    if (!can(actor, "warning.cancel")) requirePermission(actor, "warning.write");
    requireContentType(c, XML_TYPES);
    const charset = /charset\s*=\s*"?([\w.-]+)/i.exec(c.req.header("content-type") ?? "")?.[1];
    const raw = decodeXml(new Uint8Array(await c.req.arrayBuffer()), charset, s.config.maxXmlBytes);
    const msg = parseMessage(raw);
    const result = await importCap(s.db, s, actor, { msg, raw, requestId });
    return c.json({ warning: warningDto(result.warning), report: result.report }, 201);
  },
});
