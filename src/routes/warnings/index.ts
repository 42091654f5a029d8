import create from "./create.js";
import list from "./list.js";
import get from "./get.js";
import patch from "./patch.js";
import submit from "./submit.js";
import approve from "./approve.js";
import reject from "./reject.js";
import update from "./update.js";
import cancel from "./cancel.js";
import deliveries from "./deliveries.js";
import { coverageCsv, coverageJson } from "./coverage.js";
import silentVillages from "./silent-villages.js";
import escalations from "./escalations.js";
import reach from "./reach.js";
import failures from "./failures.js";
import { previewStored, previewUnsaved } from "./preview.js";

export const warningOperations = [
  create,
  list,
  get,
  patch,
  submit,
  approve,
  reject,
  update,
  cancel,
  deliveries,
  coverageJson,
  coverageCsv,
  silentVillages,
  escalations,
  reach,
  failures,
  previewStored,
  previewUnsaved,
];
