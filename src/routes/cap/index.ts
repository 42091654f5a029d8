import type { Operation } from "../operation.js";
import exportCap from "./export.js";
import importCap from "./import.js";

export const capOperations: Operation[] = [exportCap, importCap];
