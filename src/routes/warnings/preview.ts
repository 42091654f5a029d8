import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requirePermission, requireScope } from "../../domain/actor.js";
import { CHANNELS, LANGUAGES } from "../../domain/vocabulary.js";
import { warningInput } from "../../domain/warnings/input.js";
import { storedFields } from "../../domain/warnings/fields.js";
import { overBudgetError, previewWarning } from "../../templates/preview.js";
import { ctx } from "../context.js";
import { loadWarning, validateWarning } from "../../warnings/load.js";
import { issuingOffice } from "../../domain/agency.js";

const query = z.strictObject({ channel: z.enum(CHANNELS).optional(), language: z.enum(LANGUAGES).optional() });

export const previewStored = defineOperation({
  method: "get",
  path: "/api/v1/warnings/:id/preview",
  summary: "The rendered text per channel and language (SMS with segment count and budget), as recipients will get it",
  tag: "warnings",
  auth: "apiKey",
  permission: "read",
  query,
  success: [
    200,
    "with `channel` and `language`: one item; otherwise `{ items }` for the warning's channels × languages. 422 when that SMS is over budget",
  ],
  handler: async (c, req) => {
    const { s, actor } = ctx(c);
    const q = req.query;
    const w = await loadWarning(s.db, actor, c.req.param("id")!);
    const channels = q.channel ? [q.channel] : (w.channels as (typeof CHANNELS)[number][]);
    const items = await previewWarning(s, w, channels, q.language ? [q.language] : LANGUAGES);
    if (q.channel && q.language) {
      const item = items[0]!;
      if (!item.withinBudget) throw overBudgetError(item);
      return c.json(item);
    }
    return c.json({ items });
  },
});

const unsavedQuery = z.strictObject({ supersedes: z.uuid().optional() });

export const previewUnsaved = defineOperation({
  method: "post",
  path: "/api/v1/warnings/preview",
  summary:
    "Preview a warning that is not saved yet (the compose page): same body as POST /api/v1/warnings, " +
    "nothing is stored; `?supersedes=<id>` previews it as the Update of that version",
  tag: "warnings",
  auth: "apiKey",
  body: warningInput,
  query: unsavedQuery,
  success: [200, "`{ items }`: one per channel × language, each with `withinBudget`"],
  permission: "warning.write",
  handler: async (c, req) => {
    const { s, actor } = ctx(c);
    const q = req.query;
    const input = req.body;
    requireScope(actor, input.areas.codes);
    // An Update says 更新 and derives its headline as /update will store it.
    const source = q.supersedes ? await loadWarning(s.db, actor, q.supersedes) : undefined;
    await validateWarning(s.db, s, input);
    // An Update speaks for its thread's agency; a new warning for the author's.
    const office = source
      ? {
          agencyCode: source.agencyCode,
          sender: source.sender,
          senderName: source.senderName,
          smsSignature: source.smsSignature,
        }
      : issuingOffice(actor.agency, s.config);
    const msgType = source ? ("Update" as const) : ("Alert" as const);
    const of = { msgType, ...(source ? { previous: source } : {}) };
    const fields = storedFields(input, s.grading, s.policy, office.senderName, of);
    const w = { ...fields, msgType, ...office, issuedAt: null };
    return c.json({ items: await previewWarning(s, w, fields.channels as (typeof CHANNELS)[number][]) });
  },
});
