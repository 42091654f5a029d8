import type { Operation } from "../operation.js";

export const capOperations: Operation[] = [];
