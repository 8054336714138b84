-- The trial's two search vectors, written by the row trigger of the same name
-- before a trial is inserted or one of the columns they are made of changes.
--
-- search_rank_vector (title, conditions, keywords, sponsor, registry concepts:
-- weights A, B, C) is small and kept in the row (storage MAIN, migration 0014);
-- trials/search.py ranks with it and walks the newest trials testing it.
-- search_vector adds the summary and description at weight D, stored out of
-- line, for unquoted words found anywhere (trials/text_match.py). A title or
-- condition match ranks above a concept, a concept above a mention in the
-- description. `keywords` is a JSON list; `search_conditions` is kept by the
-- trial-condition triggers. First written in migration 0003, concepts added
-- in 0009.
--
-- An UPDATE that names those columns without changing any of them (the
-- importer writes every field of a changed study: a new status or date
-- leaves the text as it was) keeps the vectors the row has, unless it wrote
-- them itself: to_tsvector over the summary and description is most of an
-- import's database time (bench/README.md, issue 20). Since migration 0037.
-- To recompute every vector (a changed text search configuration):
-- UPDATE trials_trial SET search_vector = NULL, overview = overview.
--
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_trial_search_vector()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    keywords text;
    ranked tsvector;
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.brief_title IS NOT DISTINCT FROM OLD.brief_title
        AND NEW.official_title IS NOT DISTINCT FROM OLD.official_title
        AND NEW.keywords IS NOT DISTINCT FROM OLD.keywords
        AND NEW.lead_sponsor IS NOT DISTINCT FROM OLD.lead_sponsor
        AND NEW.overview IS NOT DISTINCT FROM OLD.overview
        AND NEW.description IS NOT DISTINCT FROM OLD.description
        AND NEW.search_conditions IS NOT DISTINCT FROM OLD.search_conditions
        AND NEW.concepts IS NOT DISTINCT FROM OLD.concepts
        AND NEW.search_vector IS NOT DISTINCT FROM OLD.search_vector
        AND NEW.search_rank_vector IS NOT DISTINCT FROM OLD.search_rank_vector
    THEN
        RETURN NEW;
    END IF;
    keywords := CASE WHEN jsonb_typeof(NEW.keywords) = 'array'
        THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(NEW.keywords)), ' ')
        ELSE '' END;
    ranked :=
        setweight(to_tsvector('english', coalesce(NEW.brief_title, '') || ' '
                                         || coalesce(NEW.search_conditions, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.official_title, '') || ' ' || keywords
                                            || ' ' || coalesce(NEW.lead_sponsor, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.concepts, '')), 'C');
    NEW.search_rank_vector := ranked;
    NEW.search_vector := ranked
        || setweight(to_tsvector('english', coalesce(NEW.overview, '') || ' '
                                            || coalesce(NEW.description, '')), 'D');
    RETURN NEW;
END
$function$;
