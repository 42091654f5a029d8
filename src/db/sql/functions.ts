// Database functions generated from the TypeScript that owns their rule, so the rule has
// one home: delivery_can_move() is the delivery transition table (src/deliveries/states.ts).
//
// Written so that Postgres inlines it into the statements that call it: every value it
// compares is an enum constant, never an enum cast to text. A cast from an enum is only
// STABLE, and Postgres does not inline an IMMUTABLE SQL function whose body is less so: it
// then ran through the function executor for every row, twice per applied report (~10 µs
// a call), about half of applying a city's 10,000 device acks (380 ms).
import { PERSON_CHANNELS } from "../../domain/vocabulary.js";
import { TRANSITIONS, type TargetKind } from "../../deliveries/states.js";

const array = (xs: readonly string[], type: string) => `'{${xs.join(",")}}'::${type}[]`;

/** `t` among the states `f` may move to, for one kind of target. */
const movesOf = (kind: TargetKind) =>
  `CASE f ${Object.entries(TRANSITIONS[kind])
    .map(([from, to]) => `WHEN '${from}' THEN ${to.length > 0 ? `t = ANY (${array(to, "delivery_status")})` : "false"}`)
    .join(" ")} ELSE false END`;

export function databaseFunctions(): string {
  return `
CREATE OR REPLACE FUNCTION delivery_can_move(ch channel, f delivery_status, t delivery_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ch = ANY (${array(PERSON_CHANNELS, "channel")})
    THEN ${movesOf("person")}
    ELSE ${movesOf("device")} END
$$;`;
}
