import { defineOperation } from "../operation.js";
import { feedWarnings } from "../../db/queries/cap.js";
import { buildAtom } from "../../cap/atom.js";
import { sentOf } from "../../cap/to-cap.js";
import type { Warning } from "../../db/queries/warnings.js";

const RECENT_MS = 24 * 3600_000;
const MAX_ENTRIES = 500;
const SUMMARY_CHARS = 280;

const ended = (w: Warning, now: Date) => w.status !== "issued" || w.expires <= now;

export default defineOperation({
  method: "get",
  path: "/feeds/cap.atom",
  summary:
    "Public Atom feed of warnings in force and of those ended in the last 24 h, each linking to its CAP document",
  tag: "feeds",
  auth: "none",
  success: [200, "Atom feed"],
  responseType: "application/atom+xml",
  handler: async (c) => {
    const s = c.get("services");
    const now = s.now();
    const base = s.config.publicUrl.replace(/\/+$/, "");
    const rows = await feedWarnings(s.db, { now, since: new Date(now.getTime() - RECENT_MS), limit: MAX_ENTRIES });
    const entries = rows.map((w) => {
      const state = w.status === "issued" && w.expires <= now ? "expired" : w.status;
      return {
        id: `urn:warncast:${w.sender}:${w.identifier}`,
        title:
          ended(w, now) && w.msgType !== "Cancel"
            ? `${w.headline}（${state === "updated" ? "已更新" : state === "cancelled" ? "已解除" : "已过期"}）`
            : w.headline,
        summary: w.description.length > SUMMARY_CHARS ? `${w.description.slice(0, SUMMARY_CHARS)}…` : w.description,
        updated: ended(w, now) ? (w.endedAt ?? (w.expires <= now ? w.expires : sentOf(w))) : sentOf(w),
        capUrl: `${base}/feeds/cap/${w.id}.xml`,
        categories: [state, w.msgType, w.type, w.level],
        author: w.senderName,
      };
    });
    const updated = entries.reduce((m, e) => (e.updated > m ? e.updated : m), new Date(0));
    const xml = buildAtom({
      id: `${base}/feeds/cap.atom`,
      title: `${s.config.senderName} 预警信息 (CAP)`,
      selfUrl: `${base}/feeds/cap.atom`,
      author: s.config.senderName,
      updated: entries.length ? updated : now,
      entries,
    });
    return c.body(xml, 200, {
      "content-type": "application/atom+xml; charset=utf-8",
      "cache-control": "public, max-age=60",
    });
  },
});
