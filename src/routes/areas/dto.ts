import type { Area } from "../../db/queries/areas.js";

export const areaDto = (a: Area) => ({
  code: a.code,
  name: a.name,
  kind: a.kind,
  parentCode: a.parentCode,
  population: a.population,
  populationBasis: a.populationBasis,
  centroid: a.lat !== null && a.lon !== null ? { lat: a.lat, lon: a.lon } : null,
});
