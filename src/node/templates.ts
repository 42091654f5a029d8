// Node-only: reads templates/ from disk at start-up, so staff edits take effect on a
// restart (the Worker uses the copy bundled into src/templates/bundled.gen.ts).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../config/env.js";
import { defaultGrading } from "../config/grading.js";
import { buildCatalog, type TemplateCatalog } from "../templates/catalog.js";

export const TEMPLATES_DIR = fileURLToPath(new URL("../../templates/", import.meta.url));

export async function readTemplateDir(dir: string = TEMPLATES_DIR): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const lang of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    for (const f of await readdir(join(dir, lang.name), { withFileTypes: true })) {
      if (f.isFile()) out[`${lang.name}/${f.name}`] = await readFile(join(dir, lang.name, f.name), "utf8");
    }
  }
  return out;
}

/** The catalog the environment names (WARNCAST_TEMPLATES_DIR, else templates/), checked:
 * a broken file throws a TemplateError naming it. */
export async function loadTemplates(env: Pick<Env, "WARNCAST_TEMPLATES_DIR">): Promise<TemplateCatalog> {
  return buildCatalog(await readTemplateDir(env.WARNCAST_TEMPLATES_DIR ?? TEMPLATES_DIR), defaultGrading);
}
