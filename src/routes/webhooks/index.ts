import type { Operation } from "../operation.js";

export const webhookOperations: Operation[] = [];
