// Node-only: reads templates/ from disk at start-up, so staff edits take effect on a
// restart (the Worker uses the copy bundled into src/templates/bundled.gen.ts).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
