CREATE TYPE "public"."plan_state" AS ENUM('pending', 'planned');--> statement-breakpoint
ALTER TABLE "warnings" ADD COLUMN "plan_state" "plan_state" DEFAULT 'planned' NOT NULL;--> statement-breakpoint
ALTER TABLE "warnings" ADD COLUMN "plan_cursor" text;--> statement-breakpoint
CREATE INDEX "warnings_plan_pending_idx" ON "warnings" USING btree ("issued_at") WHERE "warnings"."plan_state" = 'pending';