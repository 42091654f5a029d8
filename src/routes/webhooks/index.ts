import type { Operation } from "../operation.js";
import twilioStatus from "./twilio-status.js";
import twilioInbound from "./twilio-inbound.js";

export const webhookOperations: Operation[] = [twilioStatus, twilioInbound];
