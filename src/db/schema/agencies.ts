import { pgTable, text } from "drizzle-orm/pg-core";
import { timestamps } from "./columns.js";
import type { WarningType } from "../../domain/vocabulary.js";

/** 发布单位: the office a warning is issued in the name of (DESIGN §11). */
export const agencies = pgTable("agencies", {
  /** Short id, e.g. `cf-qx`. */
  code: text("code").primaryKey(),
  name: text("name").notNull(),
  /** CAP `<sender>`: unique, so references between messages name one agency. */
  senderId: text("sender_id").notNull().unique("agencies_sender_id_key"),
  /** Carrier-registered SMS signature, e.g. 【赤峰市水文局】. */
  smsSignature: text("sms_signature").notNull(),
  types: text("types").array().$type<WarningType[]>().notNull(),
  areaScope: text("area_scope").notNull(),
  ...timestamps,
});
