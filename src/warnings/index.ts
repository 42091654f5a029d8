// The warning lifecycle (DESIGN §4): one module per action. Routes, the CAP import and the
// scheduled-issue job all go through these; the states each leads to are in lifecycle.ts.
export { createWarning } from "./create.js";
export { editWarning } from "./edit.js";
export { submitWarning } from "./submit.js";
export { approveWarning } from "./approve.js";
export { rejectWarning } from "./reject.js";
export { updateWarning, supersede } from "./update.js";
export { cancelWarning, cancelVersion } from "./cancel.js";
export { issueWarning } from "./issue.js";
export { importCap } from "./import/apply.js";
export { loadWarning } from "./load.js";
export { warningDto } from "./dto.js";
export { inForce, inForceSql, TRANSITIONS } from "./lifecycle.js";
