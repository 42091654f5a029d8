// Builds command frames: one render per (warning, channel, language) per batch, then one
// small JSON frame per device.
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import type { Policy } from "../config/grading.js";
import type { MessageRenderer } from "../dispatch/render.js";
import { batchWarnings } from "../dispatch/claims.js";
import type { Language } from "../domain/vocabulary.js";
import type { DeviceCommandRow } from "./queries.js";
import type { CommandFrame } from "./protocol.js";

export async function buildCommands(
  db: Db,
  rows: DeviceCommandRow[],
  o: { renderer: MessageRenderer | null; policy: Policy; stop?: "ended" },
): Promise<{ row: DeviceCommandRow; frame: CommandFrame }[]> {
  if (rows.length === 0) return [];
  const warnings = await batchWarnings(db, [...new Set(rows.map((r) => r.warningId))]);
  const texts = new Map<string, Promise<{ text: string; language: Language }>>();
  const render = (w: Warning, channel: DeviceCommandRow["channel"], language: Language) => {
    const key = `${w.id}|${channel}|${language}`;
    let t = texts.get(key);
    if (!t) {
      // Without templates configured a device still gets readable text rather than nothing.
      t = Promise.resolve(o.renderer ? o.renderer.render(w, channel, language) : { text: `${w.headline}。${w.description}`, language });
      texts.set(key, t);
    }
    return t;
  };
  const out: { row: DeviceCommandRow; frame: CommandFrame }[] = [];
  for (const row of rows) {
    const w = warnings.get(row.warningId);
    if (!w) continue;
    const { text, language } = await render(w, row.channel, row.language);
    const rep = o.policy.repeatByLevel[w.level];
    const stop = o.stop !== undefined || w.msgType === "Cancel";
    out.push({
      row,
      frame: {
        type: "command",
        id: row.id,
        action: stop ? "stop" : row.channel === "loudspeaker" ? "play" : "show",
        ...(o.stop ? { reason: o.stop } : {}),
        warning: {
          id: w.id, thread: w.threadId, msgType: w.msgType, type: w.type, level: w.level, headline: w.headline,
          text, language, repeat: rep.repeat, interval: rep.intervalSeconds, expires: w.expires.toISOString(),
        },
      },
    });
  }
  return out;
}
