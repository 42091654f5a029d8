import type { Services } from "../services.js";
import type { Logger } from "../lib/log.js";
import type { Actor } from "../domain/actor.js";

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    services: Services;
    actor: Actor;
    /** Set by limitBody when the declared content-length was within the limit: the body
     * may be read from the socket as it comes (bodyText). */
    bodyWithinLength?: true;
  };
}
