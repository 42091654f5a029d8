import { z } from "zod";
import { defineOperation } from "../operation.js";
import { bodyText, requireContentType } from "../../http/body.js";
import { recipientInput, toRecipient } from "../../domain/recipients.js";
import { fromCsvRecord, RECIPIENT_COLUMNS, recipientColumn } from "../../domain/recipient-csv.js";
import { AppError, validationError } from "../../lib/errors.js";
import { csvRecords } from "../../lib/csv.js";
import { chunked } from "../../lib/chunked.js";
import { zodIssues } from "../../http/validation.js";
import { unstorableField } from "../../lib/storable.js";
import {
  createRecipientStage,
  dropRepeatedInFile,
  insertStagedRecipients,
  recipientIdsIn,
  stageRecipients,
  stagedRow,
} from "../../db/queries/recipients.js";
import { joinersMayBePlanned, planLateJoiners } from "../../dispatch/planner.js";
import { writeAudit } from "../../db/queries/audit.js";
import { learningAreaFacts } from "./facts.js";
import { nextTurn } from "../../lib/turns.js";

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
  /** The check's code (the API's field-error codes), when it has one: the console words
   * the reason in its own language by it. */
  code?: string | undefined;
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
  success: [200, "{ imported, duplicates, rejected, errors[], alreadyPresent[], ignoredColumns[] }"],
  handler: async (c, req) => {
    const { db } = c.get("services");
    const actor = c.get("actor");
    const { partial } = req.query;
    requireContentType(c, ["text/csv", "text/plain"]);
    const { header, records } = csvRecords(await bodyText(c), recipientColumn);
    const badHeader = unstorableField(header);
    if (badHeader) throw validationError([{ ...badHeader, path: "line 1" }]);
    if (!header.includes("name") || !header.includes("area_code")) {
      throw new AppError("validation_failed", "the CSV header must name at least the columns name and area_code", {
        errors: [{ path: "line 1", message: `header is ${JSON.stringify(header.join(","))}`, code: "missing_columns" }],
      });
    }
    const ours = new Set<string>(RECIPIENT_COLUMNS);
    // Two columns for one field (`phone` and `mobile`): which to read is a guess, and an
    // empty cell in one would hide the other's number.
    const twice = [...new Set(header.filter((h, i) => ours.has(h) && header.indexOf(h) !== i))].join(", ");
    if (twice) {
      throw new AppError("validation_failed", `the CSV header gives ${twice} more than once`, {
        errors: [{ path: "line 1", message: `columns read as the same field: ${twice}`, code: "repeated_columns" }],
      });
    }
    // Read by nobody: said in the answer, so a column named in a way we do not know (its
    // phones, say) is not dropped without a word.
    const ignoredColumns = header.filter((h) => !ours.has(h));
    const errors: RowError[] = [];
    let rows = 0;
    const areas = learningAreaFacts(db, actor);
    // Validated a chunk at a time and COPYed into the stage as it goes: memory holds the
    // file's text and one chunk, not a million people (a 1M-row file peaked at 2.1 GB).
    const staged = async function* () {
      for (const chunk of chunked(records, CHUNK)) {
        rows += chunk.length;
        // Named by the file's own column (area_code), as the person fixing the file sees it.
        const storable = chunk.filter((rec) => {
          const unstorable = unstorableField(rec.values);
          if (unstorable) errors.push({ line: rec.line, field: unstorable.path, reason: unstorable.message });
          return !unstorable;
        });
        await areas.learn(storable.map((r) => r.values.area_code ?? ""));
        const out: (string | null)[][] = [];
        for (const rec of storable) {
          const parsed = recipientInput.safeParse(fromCsvRecord(rec.values));
          if (!parsed.success) {
            for (const i of zodIssues(parsed.error))
              errors.push({ line: rec.line, field: i.path, reason: i.message, code: i.code });
            continue;
          }
          const r = toRecipient(parsed.data, areas.facts);
          if (!r.ok) {
            for (const e of r.errors) errors.push({ line: rec.line, field: e.path, reason: e.message, code: e.code });
            continue;
          }
          out.push(stagedRow(rec.line, r.row));
        }
        yield out;
        // Every step here can resolve at once (COPY's buffer takes the chunk), and promise
        // callbacks run before any I/O: without a turn of the event loop a million-row file
        // held the HTTP thread ~9 s, every other request and device ack waiting.
        await nextTurn();
      }
    };
    const result = await db.transaction(async (tx) => {
      await createRecipientStage(tx);
      await stageRecipients(tx, staged());
      for (const d of await dropRepeatedInFile(tx))
        errors.push({ line: d.line, field: "phone", reason: `same person as line ${d.first} (${d.dedupeKey})` });
      errors.sort((a, b) => a.line - b.line);
      if (errors.length > 0 && !partial) {
        // Thrown inside the transaction: the stage goes with it and nothing is written.
        throw new AppError("validation_failed", `${errors.length} problem(s) in ${rows} rows; nothing was imported`, {
          extra: { rows, rowErrors: errors, ignoredColumns },
          errors: errors.map((e) => ({ path: `line ${e.line}.${e.field}`, message: e.reason })),
        });
      }
      const { imported, idRanges, alreadyPresent } = await insertStagedRecipients(tx);
      const now = c.get("services").now();
      // The new people's ids are read back only when a warning in force may need them.
      if (imported > 0 && (await joinersMayBePlanned(tx, now)))
        await planLateJoiners(tx, { recipientIds: await recipientIdsIn(tx, idRanges) }, now);
      await writeAudit(tx, {
        actor: actor.id,
        actorKind: "user",
        action: "recipient.import",
        subjectType: "recipient",
        subjectId: "bulk",
        // Ranges, not a million ids: one import's ids are consecutive but for others' inserts.
        after: { rows, imported, idRanges },
        requestId: c.get("requestId"),
      });
      return { imported, alreadyPresent };
    });
    const duplicates = result.alreadyPresent.map((g) => ({
      line: g.line,
      reason: `already imported (${g.dedupeKey})`,
    }));
    return c.json({
      rows,
      imported: result.imported,
      duplicates: duplicates.length,
      rejected: errors.length,
      errors,
      alreadyPresent: duplicates,
      ignoredColumns,
    });
  },
});

/** Rows validated and staged between two turns of the event loop (~20 ms of the thread). */
const CHUNK = 2_000;
