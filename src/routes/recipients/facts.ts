import type { Db } from "../../db/client.js";
import { getAreas } from "../../db/queries/areas.js";
import { isWithin } from "../../domain/areas.js";
import type { Actor } from "../../domain/actor.js";
import type { AreaFacts } from "../../domain/recipients.js";

export async function areaFacts(db: Db, actor: Actor, codes: string[]): Promise<AreaFacts> {
  const rows = await getAreas(db, [...new Set(codes)]);
  return { kinds: new Map(rows.map((a) => [a.code, a.kind])), inScope: (c) => isWithin(actor.areaScope, c) };
}
