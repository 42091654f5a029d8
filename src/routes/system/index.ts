import health from "./health.js";

export const systemOperations = [health];
