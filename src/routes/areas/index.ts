import get from "./get.js";
import list from "./list.js";
import search from "./search.js";

// search before get: /api/v1/areas/search must not be read as an area code.
export const areaOperations = [list, search, get];
