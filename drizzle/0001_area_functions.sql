-- The significant prefix of a division code: every code below it starts with it
-- (same rule as src/domain/areas.ts codePrefix). Grid codes are their own prefix.
CREATE OR REPLACE FUNCTION area_prefix(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN code LIKE '%-%' OR right(code, 3) <> '000' THEN code
    WHEN substr(code, 7, 3) <> '000' THEN left(code, 9)
    WHEN substr(code, 5, 2) <> '00' THEN left(code, 6)
    WHEN substr(code, 3, 2) <> '00' THEN left(code, 4)
    ELSE left(code, 2)
  END
$$;
