import { pgEnum } from "drizzle-orm/pg-core";
import * as v from "../../domain/vocabulary.js";

export const levelEnum = pgEnum("warning_level", v.LEVELS);
export const areaKindEnum = pgEnum("area_kind", v.AREA_KINDS);
export const languageEnum = pgEnum("language", v.LANGUAGES);
export const postRoleEnum = pgEnum("post_role", v.POST_ROLES);
export const userRoleEnum = pgEnum("user_role", v.USER_ROLES);
export const deviceKindEnum = pgEnum("device_kind", v.DEVICE_KINDS);
export const warningStatusEnum = pgEnum("warning_status", v.WARNING_STATUSES);
export const msgTypeEnum = pgEnum("msg_type", v.MSG_TYPES);
export const planStateEnum = pgEnum("plan_state", v.PLAN_STATES);
export const channelEnum = pgEnum("channel", v.CHANNELS);
export const deliveryStatusEnum = pgEnum("delivery_status", v.DELIVERY_STATUSES);
export const deliveryPurposeEnum = pgEnum("delivery_purpose", v.DELIVERY_PURPOSES);
export const escalationReasonEnum = pgEnum("escalation_reason", v.ESCALATION_REASONS);
export const ebPlatformStateEnum = pgEnum("eb_platform_state", v.EB_PLATFORM_STATES);
