import type { Operation } from "../operation.js";
import access from "./access.js";

export const ebOperations: Operation[] = [access];
