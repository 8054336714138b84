"""Search that understands patients: registry concepts, patients' words,
Chinese names and the lexicon of indexed words.

On PostgreSQL the trigger of migration 0003 also indexes Trial.concepts
(the registry's MeSH terms and their ancestors) at weight C in both vectors:
a broader term finds narrower conditions, ranked below a title or
condition match and above a mention in a description. The lexicon gets a
trigram index, so correcting a word reads a few index pages whatever the
size of the registry. A trial titled with the query's own words is found
by an index on its title's words, so it ranks first however old it is.
"""

from django.db import migrations, models

from trials.migrations._postgresql import postgresql_only

FORWARD = r"""
CREATE OR REPLACE FUNCTION trials_trial_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;

DROP TRIGGER trials_trial_search_vector ON trials_trial;
CREATE TRIGGER trials_trial_search_vector
    BEFORE INSERT OR UPDATE OF brief_title, official_title, keywords, lead_sponsor, overview,
        description, search_conditions, concepts
    ON trials_trial FOR EACH ROW EXECUTE FUNCTION trials_trial_search_vector();

-- fastupdate off: a lexicon just rebuilt is read at once; a pending list
-- of new entries would be scanned whole by every lookup until vacuumed.
CREATE INDEX trials_searchword_word_trgm ON trials_searchword USING gin (word gin_trgm_ops)
    WITH (fastupdate = off);

-- A trial titled with a query's own words ranks first however old it is
-- (trials/search.py SAME_TITLE): one index lookup.
CREATE INDEX trials_trial_same_title ON trials_trial
    ((strip(to_tsvector('english', brief_title)))) WHERE published;
"""

BACKWARD = r"""
DROP INDEX IF EXISTS trials_trial_same_title;
DROP INDEX IF EXISTS trials_searchword_word_trgm;
DROP TRIGGER trials_trial_search_vector ON trials_trial;
CREATE TRIGGER trials_trial_search_vector
    BEFORE INSERT OR UPDATE OF brief_title, official_title, keywords, lead_sponsor, overview,
        description, search_conditions
    ON trials_trial FOR EACH ROW EXECUTE FUNCTION trials_trial_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trials", "0008_site_correction_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="concepts",
            field=models.TextField(
                blank=True, editable=False, verbose_name="registry concepts (MeSH)"
            ),
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "phrase",
                    models.CharField(
                        help_text="As a patient types it: “mini stroke”, “kidney stones”, “放疗”.",
                        max_length=200,
                        verbose_name="patient's words",
                    ),
                ),
                (
                    "meaning",
                    models.CharField(
                        help_text="The words trials use for it: “transient ischemic attack”, "
                        "“radiotherapy”.",
                        max_length=200,
                        verbose_name="registry term",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "English"), ("zh-hans", "Chinese")],
                        default="en",
                        max_length=8,
                        verbose_name="language",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "search term",
                "verbose_name_plural": "search terms",
                "ordering": ["phrase", "meaning"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("phrase", "meaning"), name="search_term_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=60, unique=True, verbose_name="word")),
                ("trials", models.PositiveIntegerField(default=0, verbose_name="trials")),
            ],
            options={
                "verbose_name": "indexed word",
                "verbose_name_plural": "indexed words",
                "ordering": ["word"],
            },
        ),
        postgresql_only(FORWARD, BACKWARD),
    ]
