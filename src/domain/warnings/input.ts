// The shape of a warning as issuing staff write it (create, edit, update). Shape errors
// come from zod; grading, area and time rules from checkWarning (rules.ts).
import { z } from "zod";
import { AUDIENCES, CERTAINTIES, CHANNELS, LEVELS, URGENCIES, WARNING_TYPES } from "../vocabulary.js";
import { isAreaCode } from "../areas.js";
import { isoInstant } from "../../lib/storable.js";

// CAP forbids spaces, commas, `<` and `&` in identifiers; text fields stay free text.
const text = (max: number) => z.string().trim().max(max);
const instant = isoInstant().transform((s) => new Date(s));

const latLon = z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)]);
const polygon = z
  .array(latLon)
  .min(4, "a polygon needs at least 4 points (closed ring)")
  .refine(
    (r) => r[0]![0] === r.at(-1)![0] && r[0]![1] === r.at(-1)![1],
    "a polygon ring must be closed (first point = last point)",
  );

export const warningInput = z.strictObject({
  type: z.enum(WARNING_TYPES),
  level: z.enum(LEVELS),
  headline: text(160).min(1).optional(),
  description: text(4000).min(1),
  instruction: text(2000).optional(),
  areas: z.strictObject({
    codes: z
      .array(z.string().refine(isAreaCode, "not a 12-digit area code or a grid code (<village>-NN)"))
      .min(1, "at least one area code")
      .max(5000),
    polygons: z.array(polygon).max(50).optional(),
  }),
  audiences: z.array(z.enum(AUDIENCES)).min(1).default(["public"]),
  channels: z.array(z.enum(CHANNELS)).optional(),
  onset: instant.optional(),
  expires: instant,
  sendAt: instant.optional(),
  urgency: z.enum(URGENCIES).optional(),
  certainty: z.enum(CERTAINTIES).optional(),
  note: text(1000).optional(),
});
export type WarningInput = z.output<typeof warningInput>;

/** PATCH of a draft: every field optional, same rules once merged. */
export const warningPatch = warningInput.partial();
export type WarningPatch = z.output<typeof warningPatch>;
