import type { Operation } from "../operation.js";

export const feedOperations: Operation[] = [];
