// The API's own response types as the console receives them (JSON: dates are strings).
// Pages are typed by these, so a renamed API field breaks the console at compile time.
import type { warningDto } from "../warnings/dto.js";
import type { deliveryDto } from "../routes/warnings/deliveries.js";
import type { deviceDto } from "../routes/devices/dto.js";
import type { recipientDto } from "../routes/recipients/dto.js";
import type { areaDto } from "../routes/areas/dto.js";
import type { Reach } from "../db/queries/reach.js";
import type { EscalationMessage } from "../db/queries/escalation-view.js";
import type { EscalationReason, EscalationStep } from "../domain/vocabulary.js";

export type { PreviewItem } from "../templates/preview.js";
export type { CoverageReport } from "../domain/coverage.js";

export type WarningDto = ReturnType<typeof warningDto>;
export type DeliveryDto = ReturnType<typeof deliveryDto>;
export type DeviceDto = ReturnType<typeof deviceDto>;
export type RecipientDto = ReturnType<typeof recipientDto>;
export type AreaDto = ReturnType<typeof areaDto>;
export type ReachDto = Reach & { author: { id: string; name: string | null } };
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface EscalationDto {
  villageCode: string;
  villageName: string;
  reason: EscalationReason;
  step: number;
  stepName: EscalationStep | null;
  startedAt: string;
  stepAt: string;
  acknowledgedAt: string | null;
  nextStepDueAt: string | null;
  messages: (EscalationMessage & { stepName: EscalationStep | null })[];
}

export interface AreaLabel {
  code: string;
  label: string;
  population: number;
}
