import list from "./list.js";

export const auditOperations = [list];
