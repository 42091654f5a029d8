// The Hono app, runtime-free: no Node-only imports, so src/worker.ts can serve it too.
import { Hono } from "hono";
import type { AppEnv } from "./http/env.js";
import type { Services } from "./services.js";
import { notFound, onError } from "./http/problem.js";
import { limitBody } from "./http/body.js";
import { mount, type Operation } from "./routes/operation.js";
import { systemOperations } from "./routes/system/index.js";
import { areaOperations } from "./routes/areas/index.js";
import { recipientOperations } from "./routes/recipients/index.js";
import { deviceOperations } from "./routes/devices/index.js";
import { warningOperations } from "./routes/warnings/index.js";
import { capOperations } from "./routes/cap/index.js";
import { coverageOperations } from "./routes/coverage/index.js";
import { feedOperations } from "./routes/feeds/index.js";
import { webhookOperations } from "./routes/webhooks/index.js";
import { ebPlatformOperations } from "./routes/eb-platforms/index.js";
import { ebOperations } from "./routes/eb/index.js";
import { agencyOperations } from "./routes/agencies/index.js";
import { userOperations } from "./routes/users/index.js";
import { auditOperations } from "./routes/audit/index.js";
import { buildOpenApi } from "./routes/system/openapi.js";
import { docsPage } from "./routes/system/docs.js";
import { mountConsole } from "./console/index.js";
import { randomId } from "./lib/crypto.js";

/** Without SESSION_SECRET, sessions last as long as this process (sign in again after a restart).
 * Made on first use: Workers forbid generating random values in global scope. */
let processSessionSecret: string | undefined;
const processSecret = () => (processSessionSecret ??= randomId(32));

export const API_VERSION = "1.0.0";

export function allOperations(extra: Operation[] = []): Operation[] {
  return [
    ...systemOperations,
    ...areaOperations,
    ...recipientOperations,
    ...deviceOperations,
    ...warningOperations,
    ...coverageOperations,
    ...capOperations,
    ...feedOperations,
    ...webhookOperations,
    ...ebPlatformOperations,
    ...ebOperations,
    ...agencyOperations,
    ...userOperations,
    ...auditOperations,
    ...extra,
  ];
}

/** A Hono app with the per-request context every route relies on: the request id, the
 * services, a logger naming the request, and one log line per request. */
function appWithRequests(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 64) || crypto.randomUUID();
    const log = services.log.child({ requestId });
    c.set("requestId", requestId);
    c.set("services", services);
    c.set("log", log);
    const t0 = performance.now();
    await next();
    c.header("x-request-id", requestId);
    // A provider's webhooks come one per message and state: a city-wide warning's receipts
    // are millions of lines that would bury the storm's errors (and trip journald's rate
    // limit). Answered ones are logged at debug; a refused or failed one as any request.
    const routine = c.res.status < 300 && c.req.path.startsWith("/webhooks/");
    log[routine ? "debug" : "info"]("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - t0),
    });
  });
  return app;
}

function withErrors(app: Hono<AppEnv>): Hono<AppEnv> {
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

const webhooksBodyLimit = (services: Services) => limitBody(services.config.maxJsonBytes);

export function createApp(services: Services, opts: { extraOperations?: Operation[] } = {}) {
  const app = appWithRequests(services);
  const ops = allOperations(opts.extraOperations);

  // Per-path body limits; anything else gets the JSON limit.
  const limits: Record<string, number> = {
    "/api/v1/recipients/import": services.config.maxCsvBytes,
    "/api/v1/cap": services.config.maxXmlBytes,
  };
  app.use("/api/*", (c, next) => limitBody(limits[c.req.path] ?? services.config.maxJsonBytes)(c, next));
  app.use("/webhooks/*", webhooksBodyLimit(services));
  // An EBD tar in multipart: a few KB of XML; the cap is checked again per tar member.
  app.use("/eb/*", limitBody(services.config.maxEbBytes));
  // Authentication is each operation's declared `auth`, applied by mount() (routes/operation.ts).

  app.get("/openapi.json", (c) => c.json(buildOpenApi(ops, API_VERSION)));
  app.get("/docs", (c) => c.html(docsPage(ops)));
  mount(app, ops);
  // The staff console at / (server-rendered pages over this same API).
  mountConsole(app, () => services.config.sessionSecret ?? processSecret());
  return withErrors(app);
}

/** The provider webhooks alone (/webhooks/*), as the webhook listener serves them on a port
 * of its own (src/node/webhooks-thread.ts): the same operations, checks and errors as on
 * the API's port, and nothing else. */
export function createWebhookApp(services: Services) {
  const app = appWithRequests(services);
  app.use("/webhooks/*", webhooksBodyLimit(services));
  mount(app, webhookOperations);
  return withErrors(app);
}
