import create from "./create.js";
import importCsv from "./import.js";
import list from "./list.js";

export const recipientOperations = [create, importCsv, list];
