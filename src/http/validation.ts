import type { z } from "zod";
import type { FieldError } from "../lib/errors.js";

export function zodIssues(err: z.ZodError, root?: string): FieldError[] {
  return err.issues.map((i) => ({
    path: [root, ...i.path.map(String)].filter(Boolean).join(".") || "(body)",
    message: i.message,
    code: i.code,
  }));
}
