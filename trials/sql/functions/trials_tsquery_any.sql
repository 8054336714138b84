-- One tsquery matching any of a concept's names (trials/text_match.py): the
-- OR of each name's plainto_tsquery, without the names that another name's
-- words already cover. "cancer" | "Neoplasms" | "Neoplasms by Site" |
-- "Neoplasms, Experimental"... is 'cancer' | 'neoplasm': a trial with
-- "neoplasm" and "site" has "neoplasm" (a | (a & b) is a), so the same
-- trials match. A name of stop words alone matches nothing and is left
-- out, as || leaves out its empty tsquery; names of stop words only give
-- the empty tsquery of the first, as before.
--
-- Why: the GIN index evaluates the whole query tree for every trial it
-- reads, and the planner estimates every branch. At 5,000 studies,
-- "cancer" with its concept's ten names took 1.6 ms in the index and 2.5 ms
-- to plan; the same matches with the four names that count, 0.1 ms each
-- (bench/README.md). Each web process asks for a concept's tsquery once
-- (trials/text_match.py any_of) and writes it into its queries as a value.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_tsquery_any(phrases text[])
 RETURNS tsquery
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
    WITH name (n, phrase, lexemes) AS (
        SELECT n, phrase, tsvector_to_array(to_tsvector('english'::regconfig, phrase))
        FROM unnest(phrases) WITH ORDINALITY AS given (phrase, n)
    )
    SELECT coalesce(
        string_agg('(' || plainto_tsquery('english'::regconfig, a.phrase)::text || ')', ' | ' ORDER BY a.n)::tsquery,
        plainto_tsquery('english'::regconfig, phrases[1])
    )
    FROM name a
    WHERE cardinality(a.lexemes) > 0
      AND NOT EXISTS (
          SELECT FROM name b
          WHERE cardinality(b.lexemes) > 0
            AND b.lexemes <@ a.lexemes
            AND (b.lexemes <> a.lexemes OR b.n < a.n)
      )
$function$;
