import type { Db } from "../../db/client.js";
import { getAreas } from "../../db/queries/areas.js";
import { isWithin } from "../../domain/areas.js";
import type { Actor } from "../../domain/actor.js";
import type { AreaFacts } from "../../domain/recipients.js";

export async function areaFacts(db: Db, actor: Actor, codes: string[]): Promise<AreaFacts> {
  const f = learningAreaFacts(db, actor);
  await f.learn(codes);
  return f.facts;
}

/** Area facts that learn the codes of a file as it is read: each code is looked up once,
 * a chunk's new codes in one query. */
export function learningAreaFacts(db: Db, actor: Actor): { facts: AreaFacts; learn(codes: string[]): Promise<void> } {
  const kinds = new Map<string, string>();
  const asked = new Set<string>();
  return {
    facts: { kinds, inScope: (c) => isWithin(actor.areaScope, c) },
    async learn(codes) {
      const fresh = [...new Set(codes)].filter((c) => !asked.has(c));
      if (fresh.length === 0) return;
      for (const c of fresh) asked.add(c);
      for (const a of await getAreas(db, fresh)) kinds.set(a.code, a.kind);
    },
  };
}
