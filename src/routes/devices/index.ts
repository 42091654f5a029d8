import create from "./create.js";
import list from "./list.js";
import revoke from "./revoke.js";

export const deviceOperations = [create, list, revoke];
