// The templates compiled into the bundle: used where there is no file system (the
// Worker) and by anything that was not handed a catalog loaded from disk.
import type { Grading } from "../config/grading.js";
import { buildCatalog, type TemplateCatalog } from "./catalog.js";
import { BUNDLED_TEMPLATES } from "./bundled.gen.js";
import { TemplateRenderer } from "./render.js";
import type { Services } from "../services.js";

const cache = new WeakMap<Grading, TemplateCatalog>();

export function bundledCatalog(g: Grading): TemplateCatalog {
  let c = cache.get(g);
  if (!c) cache.set(g, (c = buildCatalog(BUNDLED_TEMPLATES, g)));
  return c;
}

/** The renderer for a request or job, over the service's templates. */
export function rendererFor(
  s: Pick<Services, "db" | "grading" | "policy" | "config" | "now" | "templates">,
): TemplateRenderer {
  return new TemplateRenderer({
    db: s.db,
    grading: s.grading,
    policy: s.policy,
    catalog: s.templates ?? bundledCatalog(s.grading),
    signature: s.config.smsSignature,
    timeZone: s.config.tzDisplay,
    now: s.now,
  });
}
