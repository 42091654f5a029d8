import { z } from "zod";
import { defineOperation } from "../operation.js";
import { requireContentType } from "../../http/body.js";
import { fromCsvRecord, recipientInput, toRecipient, type StoredRecipient } from "../../domain/recipients.js";
import { AppError, validationError } from "../../lib/errors.js";
import { parseCsvRecords } from "../../lib/csv.js";
import { zodIssues } from "../../http/validation.js";
import { unstorableField } from "../../lib/storable.js";
import { importRecipients } from "../../db/queries/recipients.js";
import { planLateJoiners } from "../../dispatch/planner.js";
import { writeAudit } from "../../db/queries/audit.js";
import { areaFacts } from "./facts.js";

const query = z.strictObject({
  /** true: import the valid rows and report the rest; default: all or nothing. */
  partial: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});

export interface RowError {
  line: number;
  field: string;
  reason: string;
}

export default defineOperation({
  method: "post",
  path: "/api/v1/recipients/import",
  summary:
    "Bulk import from CSV (name,phone,email,area_code,audiences,language,role); every bad row is reported with its line",
  tag: "recipients",
  auth: "apiKey",
  permission: "people.write",
  bodyType: "text/csv",
  query,
  success: [200, "{ imported, duplicates, rejected, errors[] }"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const { partial } = req.query;
    requireContentType(c, ["text/csv", "text/plain"]);
    const { header, records } = parseCsvRecords(await c.req.text());
    const badHeader = unstorableField(header);
    if (badHeader) throw validationError([{ ...badHeader, path: "line 1" }]);
    if (!header.includes("name") || !(header.includes("area_code") || header.includes("areaCode"))) {
      throw new AppError("validation_failed", "the CSV header must name at least the columns name and area_code", {
        errors: [{ path: "line 1", message: `header is ${JSON.stringify(header.join(","))}` }],
      });
    }
    const errors: RowError[] = [];
    // Named by the file's own column (area_code), as the person fixing the file sees it.
    const storable = records.filter((rec) => {
      const unstorable = unstorableField(rec.values);
      if (unstorable) errors.push({ line: rec.line, field: unstorable.path, reason: unstorable.message });
      return !unstorable;
    });
    const facts = await areaFacts(
      db,
      actor,
      storable.map((r) => r.values.area_code ?? r.values.areaCode ?? ""),
    );
    const good: (StoredRecipient & { line: number })[] = [];
    const seen = new Map<string, number>();
    for (const rec of storable) {
      const parsed = recipientInput.safeParse(fromCsvRecord(rec.values));
      if (!parsed.success) {
        for (const i of zodIssues(parsed.error)) errors.push({ line: rec.line, field: i.path, reason: i.message });
        continue;
      }
      const r = toRecipient(parsed.data, facts);
      if (!r.ok) {
        for (const e of r.errors) errors.push({ line: rec.line, field: e.path, reason: e.message });
        continue;
      }
      const first = seen.get(r.row.dedupeKey);
      if (first !== undefined) {
        errors.push({ line: rec.line, field: "phone", reason: `same person as line ${first} (${r.row.dedupeKey})` });
        continue;
      }
      seen.set(r.row.dedupeKey, rec.line);
      good.push({ ...r.row, line: rec.line });
    }
    errors.sort((a, b) => a.line - b.line);
    if (errors.length > 0 && !partial) {
      throw new AppError(
        "validation_failed",
        `${errors.length} problem(s) in ${records.length} rows; nothing was imported`,
        {
          extra: { rows: records.length, rowErrors: errors },
          errors: errors.map((e) => ({ path: `line ${e.line}.${e.field}`, message: e.reason })),
        },
      );
    }
    const inserted = await db.transaction(async (tx) => {
      const rows = await importRecipients(
        tx,
        good.map(({ line: _line, ...r }) => r),
      );
      await planLateJoiners(tx, { recipientIds: rows.map((r) => r.id) }, c.get("services").now());
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "recipient.import",
        subjectType: "recipient",
        subjectId: "bulk",
        after: { rows: records.length, imported: rows.length, ids: rows.map((r) => r.id) },
        requestId: c.get("requestId"),
      });
      return rows;
    });
    const insertedKeys = new Set(inserted.map((r) => r.dedupeKey));
    const duplicates = good
      .filter((g) => !insertedKeys.has(g.dedupeKey))
      .map((g) => ({ line: g.line, reason: `already imported (${g.dedupeKey})` }));
    return c.json({
      rows: records.length,
      imported: inserted.length,
      duplicates: duplicates.length,
      rejected: errors.length,
      errors,
      alreadyPresent: duplicates,
    });
  },
});
