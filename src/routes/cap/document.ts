// The CAP document of one warning version, shared by the API export and the public feed.
import type { Db } from "../../db/client.js";
import type { Warning } from "../../db/queries/warnings.js";
import { getAreas } from "../../db/queries/areas.js";
import { earlierIssued } from "../../db/queries/cap.js";
import type { Grading } from "../../config/grading.js";
import { buildCapXml } from "../../cap/build.js";
import { toCapAlert } from "../../cap/to-cap.js";

export const CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8";

export async function capDocument(db: Db, grading: Grading, w: Warning): Promise<string> {
  const areas = await getAreas(db, w.areaCodes);
  const earlier = w.msgType === "Alert" ? [] : await earlierIssued(db, w);
  return buildCapXml(toCapAlert(w, { grading, areaNames: new Map(areas.map((a) => [a.code, a.name])), earlier }));
}
