// Database functions generated from the TypeScript that owns their rule, so the rule has
// one home: delivery_can_move() is the delivery transition table (src/deliveries/states.ts).
import { PERSON_CHANNELS } from "../../domain/vocabulary.js";
import { transitionPairs } from "../../deliveries/states.js";

const list = (xs: readonly string[]) => `'{${xs.join(",")}}'`;

export function databaseFunctions(): string {
  return `
CREATE OR REPLACE FUNCTION delivery_can_move(ch channel, f delivery_status, t delivery_status) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ch::text = ANY (${list(PERSON_CHANNELS)}::text[])
    THEN (f::text || '>' || t::text) = ANY (${list(transitionPairs("person"))}::text[])
    ELSE (f::text || '>' || t::text) = ANY (${list(transitionPairs("device"))}::text[]) END
$$;`;
}
