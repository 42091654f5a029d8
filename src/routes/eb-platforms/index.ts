import type { Operation } from "../operation.js";
import create from "./create.js";
import list from "./list.js";
import patch from "./patch.js";

export const ebPlatformOperations: Operation[] = [create, list, patch];
