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
-- Source of truth: change it here and add a migration that re-applies it
-- (trials/sql/README.md).

CREATE OR REPLACE FUNCTION trials_trial_search_vector()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    keywords text := CASE WHEN jsonb_typeof(NEW.keywords) = 'array'
        THEN array_to_string(ARRAY(SELECT jsonb_array_elements_text(NEW.keywords)), ' ')
        ELSE '' END;
    ranked tsvector :=
        setweight(to_tsvector('english', coalesce(NEW.brief_title, '') || ' '
                                         || coalesce(NEW.search_conditions, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.official_title, '') || ' ' || keywords
                                            || ' ' || coalesce(NEW.lead_sponsor, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.concepts, '')), 'C');
BEGIN
    NEW.search_rank_vector := ranked;
    NEW.search_vector := ranked
        || setweight(to_tsvector('english', coalesce(NEW.overview, '') || ' '
                                            || coalesce(NEW.description, '')), 'D');
    RETURN NEW;
END
$function$;
