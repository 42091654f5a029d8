DROP INDEX "deliveries_warning_id_idx";--> statement-breakpoint
CREATE INDEX "recipients_phone_idx" ON "recipients" USING btree ("phone") WHERE "recipients"."phone" is not null;--> statement-breakpoint
CREATE INDEX "deliveries_warning_recipient_idx" ON "deliveries" USING btree ("warning_id","recipient_id");