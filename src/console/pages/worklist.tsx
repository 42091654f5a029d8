// The 叫应 worklist: one row per responsible person at the step each village's chain has
// reached, overdue ones first, with a button that records a confirmation given by phone
// (through the API's audited delivery ack).
import { Csrf, type PageCtx } from "../layout.js";
import { may, type Session } from "../session.js";
import { word } from "../i18n.js";
import { beijing, beijingClock } from "../format.js";
import type { EscalationDto } from "../types.js";

export interface WorkItem {
  villageCode: string;
  villageName: string;
  reason: string;
  step: number;
  stepName: string | null;
  deliveryId: number | null;
  person: string | null;
  phone: string | null;
  role: string | null;
  status: string | null;
  startedAt: string;
  deadline: string | null;
  acknowledgedAt: string | null;
  overdue: boolean;
}

/** Rows of the chains' current steps; `now` decides what is overdue. */
export function workItems(chains: EscalationDto[], now: Date): WorkItem[] {
  const rows: WorkItem[] = [];
  for (const c of chains) {
    const overdue = !c.acknowledgedAt && c.nextStepDueAt !== null && new Date(c.nextStepDueAt) <= now;
    const base = {
      villageCode: c.villageCode,
      villageName: c.villageName,
      reason: c.reason,
      step: c.step,
      stepName: c.stepName,
      startedAt: c.stepAt,
      deadline: c.nextStepDueAt,
      acknowledgedAt: c.acknowledgedAt,
      overdue,
    };
    const current = c.messages.filter((m) => m.step === c.step && m.channel === "sms");
    const people = current.length ? current : c.messages.filter((m) => m.step === c.step);
    if (people.length === 0)
      rows.push({ ...base, deliveryId: null, person: null, phone: null, role: null, status: null });
    for (const m of people) {
      rows.push({
        ...base,
        deliveryId: m.deliveryId,
        person: m.name,
        phone: m.address,
        role: m.role,
        status: m.status,
      });
    }
  }
  const rank = (r: WorkItem) => (r.acknowledgedAt ? 2 : r.overdue ? 0 : 1);
  return rows.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.deadline ?? "").localeCompare(b.deadline ?? "") ||
      a.villageCode.localeCompare(b.villageCode),
  );
}

export function Worklist(p: { ctx: PageCtx; session: Session; warningId: string; items: WorkItem[] }) {
  const { t } = p.ctx;
  if (p.items.length === 0) return null;
  const canAck = may(p.session, "delivery.ack");
  return (
    <div class="card" id="worklist">
      <h2>
        {t("worklist")} <span class="badge">{p.items.filter((r) => !r.acknowledgedAt).length}</span>
      </h2>
      <table>
        <thead>
          <tr>
            <th>{t("village")}</th>
            <th>{t("step")}</th>
            <th>{t("post")}</th>
            <th>{t("person")}</th>
            <th>{t("phone")}</th>
            <th>{t("reason")}</th>
            <th>{t("status")}</th>
            <th>{t("startedAt")}</th>
            <th>{t("deadline")}</th>
            <th>{t("actions")}</th>
          </tr>
        </thead>
        <tbody>
          {p.items.slice(0, 300).map((r) => (
            <tr class={r.acknowledgedAt ? "done" : r.overdue ? "overdue" : ""} data-village={r.villageCode}>
              <td>
                {r.villageName} <small class="code">{r.villageCode}</small>
              </td>
              <td>{r.stepName ? word(t, "step", r.stepName) : "—"}</td>
              <td class="post">{r.role ? word(t, "role", r.role) : "—"}</td>
              <td class="person">{r.person ?? "—"}</td>
              <td class="phone">{r.phone ?? "—"}</td>
              <td>{word(t, "reason", r.reason)}</td>
              <td class="state">
                {r.acknowledgedAt
                  ? `${t("acknowledged")} ${beijingClock(r.acknowledgedAt)}`
                  : r.overdue
                    ? t("overdue")
                    : r.status
                      ? word(t, "ds", r.status)
                      : t("waiting")}
              </td>
              <td class="time">{beijing(r.startedAt)}</td>
              <td class="deadline">{r.deadline ? beijingClock(r.deadline) : "—"}</td>
              <td>
                {canAck && !r.acknowledgedAt && r.deliveryId !== null && (
                  <form method="post" action={`/warnings/${p.warningId}/ack/${r.deliveryId}`} class="inline">
                    <Csrf session={p.session} />
                    <button type="submit" class="secondary ack-phone">
                      {t("confirmByPhone")}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
