CREATE TABLE "pace_grants" (
	"channel" text NOT NULL,
	"second" timestamp (3) with time zone NOT NULL,
	"granted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "pace_grants_pk" PRIMARY KEY("channel","second")
);
