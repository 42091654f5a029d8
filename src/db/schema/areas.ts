import { doublePrecision, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { areaKindEnum } from "./enums.js";

export const areas = pgTable(
  "areas",
  {
    code: text("code").primaryKey(),
    name: text("name").notNull(),
    kind: areaKindEnum("kind").notNull(),
    parentCode: text("parent_code"),
    population: integer("population"),
    /** census | reported | estimate: where `population` comes from. */
    populationBasis: text("population_basis"),
    households: integer("households"),
    lat: doublePrecision("lat"),
    lon: doublePrecision("lon"),
    /** Optional boundary ring(s) as [lat, lon] pairs. */
    boundary: jsonb("boundary").$type<[number, number][][]>(),
  },
  (t) => [index("areas_parent_code_idx").on(t.parentCode), index("areas_kind_idx").on(t.kind)],
);
