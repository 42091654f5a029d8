import list from "./list.js";
import create from "./create.js";
import get from "./get.js";
import patch from "./patch.js";
import me from "./me.js";
import { createKey, revokeKeyOp } from "./keys.js";

export const userOperations = [me, list, create, get, patch, createKey, revokeKeyOp];
