// 叫应 (DESIGN §8): who is asked at each step of a village's chain, and when the next step
// is due. Pure; the SQL that applies it lives in db/queries/escalations.ts.
import type { Policy } from "../config/grading.js";
import { ESCALATION_STEPS, type EscalationStep, type Level } from "./vocabulary.js";

export const LAST_STEP = ESCALATION_STEPS.length;

/** Step number (1-based) → name: 1 primary posts, 2 backup posts, 3 township, 4 county. */
export function stepName(step: number): EscalationStep | null {
  return ESCALATION_STEPS[step - 1] ?? null;
}

/** Minutes each level allows before the next step; null = that level is not escalated. */
export function ackDeadlines(policy: Policy): Record<Level, number | null> {
  const d = policy.ackDeadlineMinutes;
  return { red: d.red ?? null, orange: d.orange ?? null, yellow: d.yellow ?? null, blue: d.blue ?? null };
}

/** When the chain's next step falls due, or null when it will not (confirmed, last step
 * reached, level without a deadline, warning no longer in force). */
export function nextStepDue(
  c: { step: number; stepAt: Date; acknowledgedAt: Date | null },
  deadlineMinutes: number | null,
  inForce: boolean,
): Date | null {
  if (!inForce || c.acknowledgedAt || deadlineMinutes === null || c.step >= LAST_STEP) return null;
  return new Date(c.stepAt.getTime() + deadlineMinutes * 60_000);
}

/** Replies that mean "received" (叫应). Anything else (a question, STOP) acknowledges nothing. */
const ACK_WORDS = new Set([
  "1",
  "收到",
  "已收到",
  "确认",
  "收到了",
  "知道",
  "知道了",
  "明白",
  "好",
  "好的",
  "ok",
  "okay",
  "yes",
  "y",
  "received",
]);
export const isAcknowledgement = (body: string) =>
  ACK_WORDS.has(
    body
      .trim()
      .toLowerCase()
      .replace(/[\s。.！!，,、~～]+/g, ""),
  );
