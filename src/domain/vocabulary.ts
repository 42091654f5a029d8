// The closed vocabularies of DESIGN §1. Each `as const` list feeds the pgEnum, the zod
// schema and the TypeScript type, so a new value is added in exactly one place.

export const LEVELS = ["red", "orange", "yellow", "blue"] as const;
export type Level = (typeof LEVELS)[number];
/** Dispatch priority and severity order: red first. */
export const LEVEL_RANK: Record<Level, number> = { red: 1, orange: 2, yellow: 3, blue: 4 };

export const WARNING_TYPES = [
  "rainstorm",
  "blizzard",
  "cold_wave",
  "gale",
  "sandstorm",
  "heat",
  "drought",
  "lightning",
  "hail",
  "frost",
  "fog",
  "haze",
  "road_icing",
  "flood",
  "geohazard",
  "forest_fire",
  "grassland_fire",
  "earthquake",
  "hazmat",
  "other",
] as const;
export type WarningType = (typeof WARNING_TYPES)[number];

export const AUDIENCES = [
  "public",
  "info_officer",
  "grid_worker",
  "village_cadre",
  "township_official",
  "county_official",
  "school",
  "hospital",
  "enterprise",
  "hazard_point",
] as const;
export type Audience = (typeof AUDIENCES)[number];
/** Posts that must acknowledge (叫应) and are staffed A/B. */
export const RESPONSIBLE_AUDIENCES = ["info_officer", "grid_worker", "village_cadre"] as const;
/** Everyone who must act on a warning: their messages (and every 叫应 message) take the
 * first dispatch lane, so a red 叫应 deadline does not pass behind a city's public backlog. */
export const FIRST_LANE_AUDIENCES = [...RESPONSIBLE_AUDIENCES, "township_official", "county_official"] as const;
/** `deliveries.priority`: the claim order's first key, before the level. */
export const DISPATCH_PRIORITY = { responsible: 0, public: 1 } as const;

/** `eb`: a county emergency-broadcast platform (应急广播平台, DESIGN §12), one delivery per
 * warning × platform. */
export const CHANNELS = ["sms", "loudspeaker", "display", "email", "eb"] as const;
export type ChannelKind = (typeof CHANNELS)[number];

/** Whom each channel reaches (DESIGN §6): a person at an address of theirs (the recipient
 * field named here), or a device of that kind, reached once it reports the named state. The
 * planner, the device enum, the hub's commands and the coverage figures all read this. */
export const CHANNEL_TARGETS = {
  sms: { targets: "person", address: "phone" },
  loudspeaker: { targets: "device", action: "play", reached: "played" },
  display: { targets: "device", action: "show", reached: "shown" },
  email: { targets: "person", address: "email" },
  // A county platform: one delivery per warning × platform, counted in every targeted
  // village it reaches once it reports the broadcast played (BrdStateCode 3).
  eb: { targets: "platform", reached: "played" },
} as const satisfies Record<ChannelKind, ChannelTarget>;
export type ChannelTarget =
  | { targets: "person"; address: "phone" | "email" }
  | { targets: "device"; action: "play" | "show"; reached: "played" | "shown" }
  | { targets: "platform"; reached: "played" };

type Targets = typeof CHANNEL_TARGETS;
export type PersonChannelKind = { [K in ChannelKind]: Targets[K]["targets"] extends "person" ? K : never }[ChannelKind];
export type DeviceChannelKind = { [K in ChannelKind]: Targets[K]["targets"] extends "device" ? K : never }[ChannelKind];
// Filtered in CHANNELS order, so the device_kind enum keeps its values and their order.
const targeting = <K extends ChannelKind>(t: ChannelTarget["targets"]) =>
  CHANNELS.filter((c) => CHANNEL_TARGETS[c].targets === t) as unknown as readonly [K, ...K[]];
export const PERSON_CHANNELS = targeting<PersonChannelKind>("person");
export const DEVICE_CHANNELS = targeting<DeviceChannelKind>("device");
export type PlatformChannelKind = {
  [K in ChannelKind]: Targets[K]["targets"] extends "platform" ? K : never;
}[ChannelKind];
export const PLATFORM_CHANNELS = targeting<PlatformChannelKind>("platform");

export const AREA_KINDS = ["province", "city", "county", "township", "village", "grid"] as const;
export type AreaKind = (typeof AREA_KINDS)[number];

export const LANGUAGES = ["zh", "mn", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** What we last heard of a county broadcast platform: `down` after k missed heartbeats or a
 * refused warning; `unknown` until it first answers. */
export const EB_PLATFORM_STATES = ["unknown", "up", "down"] as const;
export type EbPlatformState = (typeof EB_PLATFORM_STATES)[number];

export const POST_ROLES = ["primary", "backup"] as const;
export type PostRole = (typeof POST_ROLES)[number];

export const USER_ROLES = ["issuer", "approver", "admin", "viewer"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A device's kind is the channel that reaches it. */
export const DEVICE_KINDS = DEVICE_CHANNELS;
export type DeviceKind = DeviceChannelKind;

export const WARNING_STATUSES = ["draft", "pending", "approved", "issued", "updated", "cancelled", "expired"] as const;
export type WarningStatus = (typeof WARNING_STATUSES)[number];

/** Whether every delivery of an issued version exists yet: a Cancel's all-clear is planned
 * after its request returns, county by county (`pending` until the last county commits). */
/** `stopped`: the version left force (superseded, cancelled, expired) before its plan finished. */
export const PLAN_STATES = ["pending", "planned", "stopped"] as const;
export type PlanState = (typeof PLAN_STATES)[number];

export const MSG_TYPES = ["Alert", "Update", "Cancel"] as const;
export type MsgType = (typeof MSG_TYPES)[number];

export const URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"] as const;
export const CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"] as const;

export const DELIVERY_STATUSES = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "acknowledged",
  "failed",
  "expired",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_PURPOSES = ["warning", "escalation"] as const;
export type DeliveryPurpose = (typeof DELIVERY_PURPOSES)[number];

/** Why a village's 叫应 chain runs: nobody confirmed in time, or its loudspeakers cannot
 * play (someone must broadcast by hand). */
export const ESCALATION_REASONS = ["no_ack", "device_offline"] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];
/** Chain steps: 1 primary posts, 2 backup posts, 3 township officials, 4 county officials. */
export const ESCALATION_STEPS = ["primary", "backup", "township", "county"] as const;
export type EscalationStep = (typeof ESCALATION_STEPS)[number];
