import type { Db } from "../client.js";
import { auditLog } from "../schema/index.js";

export interface AuditEntry {
  actor: string;
  actorKind: "user" | "device" | "system" | "webhook";
  action: string;
  subjectType: string;
  subjectId: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | undefined;
}

/** Called inside the same transaction as the change it records. */
export async function writeAudit(db: Db, e: AuditEntry | AuditEntry[]): Promise<void> {
  const rows = (Array.isArray(e) ? e : [e]).map((x) => ({
    ...x,
    before: x.before ?? null,
    after: x.after ?? null,
    requestId: x.requestId ?? null,
  }));
  if (rows.length > 0) await db.insert(auditLog).values(rows);
}
