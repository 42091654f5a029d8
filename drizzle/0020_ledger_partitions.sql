-- The delivery ledger becomes a table partitioned by month of its warning's issue
-- (issue 17): every row of a warning shares a partition (the key is the warning's
-- issued_at, copied to each row), so a month past retention is dropped whole by the
-- retention job and a year of warnings does not slow today's claims and reports.
-- Ids come from a sequence instead of an identity (identity columns on partitioned tables
-- need PostgreSQL 17); they keep their values, so device command ids stay valid.
CREATE SEQUENCE delivery_ids AS bigint CACHE 1000;--> statement-breakpoint
SELECT setval('delivery_ids', coalesce((SELECT max(id) FROM deliveries), 0) + 1, false);--> statement-breakpoint
ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;--> statement-breakpoint
ALTER INDEX deliveries_pkey RENAME TO deliveries_unpartitioned_pkey;--> statement-breakpoint
ALTER INDEX deliveries_warning_device_idx RENAME TO deliveries_unpartitioned_warning_device_idx;--> statement-breakpoint
ALTER INDEX deliveries_lease_idx RENAME TO deliveries_unpartitioned_lease_idx;--> statement-breakpoint
ALTER INDEX deliveries_provider_id_idx RENAME TO deliveries_unpartitioned_provider_id_idx;--> statement-breakpoint
ALTER INDEX deliveries_device_open_idx RENAME TO deliveries_unpartitioned_device_open_idx;--> statement-breakpoint
ALTER INDEX deliveries_warning_recipient_idx RENAME TO deliveries_unpartitioned_warning_recipient_idx;--> statement-breakpoint
ALTER INDEX deliveries_acknowledged_idx RENAME TO deliveries_unpartitioned_acknowledged_idx;--> statement-breakpoint
ALTER INDEX deliveries_escalation_idx RENAME TO deliveries_unpartitioned_escalation_idx;--> statement-breakpoint
ALTER INDEX deliveries_claim_idx RENAME TO deliveries_unpartitioned_claim_idx;--> statement-breakpoint
CREATE TABLE deliveries (
	id bigint NOT NULL DEFAULT nextval('delivery_ids'),
	warning_id uuid NOT NULL,
	issued_at timestamp(3) with time zone NOT NULL DEFAULT now(),
	channel channel NOT NULL,
	purpose delivery_purpose NOT NULL DEFAULT 'warning',
	recipient_id bigint,
	device_id uuid,
	village_code text NOT NULL,
	lane text NOT NULL GENERATED ALWAYS AS (left(village_code, 6)) STORED,
	address text,
	language language NOT NULL DEFAULT 'zh',
	rendered_language language,
	level_rank smallint NOT NULL,
	priority smallint NOT NULL DEFAULT 1,
	escalation_step smallint,
	status delivery_status NOT NULL DEFAULT 'queued',
	attempts smallint NOT NULL DEFAULT 0,
	next_attempt_at timestamp(3) with time zone NOT NULL DEFAULT now(),
	lease_until timestamp(3) with time zone,
	lease_owner text,
	provider_id text,
	error_code text,
	error text,
	queued_at timestamp(3) with time zone NOT NULL DEFAULT now(),
	claimed_at timestamp(3) with time zone,
	sent_at timestamp(3) with time zone,
	delivered_at timestamp(3) with time zone,
	acknowledged_at timestamp(3) with time zone,
	failed_at timestamp(3) with time zone,
	expired_at timestamp(3) with time zone,
	CONSTRAINT deliveries_pkey PRIMARY KEY (id, issued_at)
) PARTITION BY RANGE (issued_at);--> statement-breakpoint
ALTER SEQUENCE delivery_ids OWNED BY deliveries.id;--> statement-breakpoint
-- Rows whose month has no partition (a clock far off, a month not yet created) land here
-- rather than fail a warning's issue; the retention job deletes its old rows.
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;--> statement-breakpoint
-- Creates the monthly partitions [from, from + months) that do not exist yet. A month
-- whose rows already sit in the default partition is left there (creating it would fail).
CREATE OR REPLACE FUNCTION ensure_ledger_partitions(from_month date, months int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	m date := date_trunc('month', from_month)::date;
	made int := 0;
	name text;
BEGIN
	FOR i IN 0 .. months - 1 LOOP
		name := 'deliveries_p' || to_char(m + make_interval(months => i), 'YYYYMM');
		IF to_regclass(name) IS NULL THEN
			BEGIN
				EXECUTE format('CREATE TABLE %I PARTITION OF deliveries FOR VALUES FROM (%L) TO (%L)', name,
					(m + make_interval(months => i))::timestamp AT TIME ZONE 'UTC',
					(m + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC');
				made := made + 1;
			EXCEPTION WHEN check_violation THEN
				RAISE NOTICE 'partition % left in the default partition: it already holds that month''s rows', name;
			END;
		END IF;
	END LOOP;
	RETURN made;
END $$;--> statement-breakpoint
-- Every month the existing rows cover, and this month with the next two.
DO $$
DECLARE
	first date;
	last date := (date_trunc('month', now()) + interval '3 months')::date;
BEGIN
	SELECT date_trunc('month', least(coalesce(min(coalesce(w.issued_at, d.queued_at)), now()), now()))::date INTO first
	FROM deliveries_unpartitioned d LEFT JOIN warnings w ON w.id = d.warning_id;
	PERFORM ensure_ledger_partitions(first,
		(extract(year FROM age(last, first)) * 12 + extract(month FROM age(last, first)))::int);
END $$;--> statement-breakpoint
INSERT INTO deliveries (id, warning_id, issued_at, channel, purpose, recipient_id, device_id, village_code, address,
	language, rendered_language, level_rank, priority, escalation_step, status, attempts, next_attempt_at, lease_until,
	lease_owner, provider_id, error_code, error, queued_at, claimed_at, sent_at, delivered_at, acknowledged_at,
	failed_at, expired_at)
SELECT d.id, d.warning_id, coalesce(w.issued_at, d.queued_at), d.channel, d.purpose, d.recipient_id, d.device_id,
	d.village_code, d.address, d.language, d.rendered_language, d.level_rank, d.priority, d.escalation_step, d.status,
	d.attempts, d.next_attempt_at, d.lease_until, d.lease_owner, d.provider_id, d.error_code, d.error, d.queued_at,
	d.claimed_at, d.sent_at, d.delivered_at, d.acknowledged_at, d.failed_at, d.expired_at
FROM deliveries_unpartitioned d LEFT JOIN warnings w ON w.id = d.warning_id;--> statement-breakpoint
DROP TABLE deliveries_unpartitioned;--> statement-breakpoint
CREATE UNIQUE INDEX deliveries_warning_device_idx ON deliveries USING btree (warning_id, device_id, issued_at) WHERE device_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX deliveries_lease_idx ON deliveries USING btree (lease_until) WHERE status = 'sending';--> statement-breakpoint
CREATE INDEX deliveries_provider_id_idx ON deliveries USING btree (provider_id) WHERE provider_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX deliveries_device_open_idx ON deliveries USING btree (device_id) WHERE device_id IS NOT NULL AND status IN ('queued', 'sending', 'sent', 'delivered');--> statement-breakpoint
CREATE INDEX deliveries_warning_recipient_idx ON deliveries USING btree (warning_id, recipient_id);--> statement-breakpoint
CREATE INDEX deliveries_acknowledged_idx ON deliveries USING btree (warning_id, village_code) WHERE acknowledged_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX deliveries_escalation_idx ON deliveries USING btree (warning_id, village_code) WHERE purpose = 'escalation';--> statement-breakpoint
CREATE INDEX deliveries_claim_idx ON deliveries USING btree (channel, priority, level_rank, next_attempt_at, lane) WHERE status = 'queued';
