import type { Operation } from "../operation.js";
import atom from "./atom.js";
import document from "./document.js";

export const feedOperations: Operation[] = [atom, document];
