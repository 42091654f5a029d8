import type { Services } from "../services.js";
import type { Logger } from "../lib/log.js";
import type { Actor } from "../domain/actor.js";

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    services: Services;
    actor: Actor;
  };
}
