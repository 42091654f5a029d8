import create from "./create.js";
import list from "./list.js";

export const deviceOperations = [create, list];
