import get from "./get.js";
import list from "./list.js";

export const areaOperations = [list, get];
