import list from "./list.js";
import create from "./create.js";
import patch from "./patch.js";

export const agencyOperations = [list, create, patch];
