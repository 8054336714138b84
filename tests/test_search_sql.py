"""The search's functions and triggers are their files in trials/sql/: the
database built by the migrations holds exactly those texts, every file is
applied, and a file edited after the migration that applies it is caught
(an edit that would never reach an existing database).

(`makemigrations --check` is tests/test_hygiene.py's.)"""

import re
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from trials.sql import ALL_FILES, FUNCTIONS, SQL_DIR, TRIGGERS, SqlApply, sql_file, sql_fingerprint
from trials.sql import sql_statement as statement


def normalised(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").strip()


def live_functions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, n.nspname, pg_get_functiondef(p.oid) FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND p.proname LIKE 'trials%%'"
        )
        return {
            name: normalised(text.replace(f"FUNCTION {schema}.", "FUNCTION ", 1))
            for name, schema, text in cursor.fetchall()
        }


def live_triggers() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, pg_get_triggerdef(t.oid, true) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relname LIKE 'trials%%'"
        )
        return {name: normalised(text) for name, text in cursor.fetchall()}


def applying_migrations() -> dict[str, list[tuple[str, str]]]:
    """For each file, the (migration, fingerprint) pairs that apply it, in
    migration order."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found: dict[str, list[tuple[str, str]]] = {}
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app != "trials":
            continue
        for operation in migration.operations:
            if isinstance(operation, SqlApply):
                for file, fingerprint in operation.files.items():
                    found.setdefault(file, []).append((name, fingerprint))
    return found


def test_every_sql_file_is_listed_once():
    on_disk = sorted(
        str(path.relative_to(SQL_DIR).with_suffix("")) for path in Path(SQL_DIR).rglob("*.sql")
    )
    assert on_disk == sorted(ALL_FILES)
    assert len(set(ALL_FILES)) == len(ALL_FILES)


def test_every_file_says_what_it_does_before_its_statement():
    for name in ALL_FILES:
        text = (SQL_DIR / f"{name}.sql").read_text()
        assert text.startswith("-- "), name
        assert "CREATE OR REPLACE" in statement(name), name


def test_the_newest_migration_that_applies_a_file_has_its_current_text():
    applied = applying_migrations()
    assert sorted(applied) == sorted(ALL_FILES)
    stale = [
        f"{name}: {applied[name][-1][0]} applied {applied[name][-1][1]}, the file is now"
        f" {sql_fingerprint(name)}: add a migration with"
        f" sql_apply({{{name!r}: {sql_fingerprint(name)!r}}}) (trials/sql/README.md)"
        for name in ALL_FILES
        if applied[name][-1][1] != sql_fingerprint(name)
    ]
    assert stale == []


def test_the_database_holds_exactly_the_files_functions(postgres):
    live = live_functions()
    assert sorted(live) == sorted(FUNCTIONS)
    for name in FUNCTIONS:
        assert live[name] == statement(f"functions/{name}"), name


def test_the_database_holds_exactly_the_files_triggers(postgres):
    live = live_triggers()
    assert sorted(live) == sorted(TRIGGERS)
    for name in TRIGGERS:
        as_filed = statement(f"triggers/{name}").replace(
            "CREATE OR REPLACE TRIGGER", "CREATE TRIGGER", 1
        )
        assert live[name] == as_filed, name


def test_a_changed_function_is_caught(postgres):
    """The comparison is not vacuous: a definition changed in the database
    (as a migration redefining it inline would) no longer equals its file."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql_file("functions/trials_search_walk").replace("SET jit TO 'off'", "SET jit TO 'on'")
        )
    assert live_functions()["trials_search_walk"] != statement("functions/trials_search_walk")


def test_the_searchs_triggers_still_work_after_being_applied_from_files(postgres):
    """What a patient searches comes through the re-applied triggers: a new
    trial's condition and site country are in its search columns."""
    from tests.factories import ConditionFactory, SiteFactory, TrialFactory

    trial = TrialFactory(brief_title="Proton therapy for children")
    trial.conditions.add(ConditionFactory(name="Medulloblastoma"))
    SiteFactory(trial=trial, country="Japan")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_conditions, site_countries,"
            " search_vector @@ plainto_tsquery('english', 'medulloblastoma')"
            " FROM trials_trial WHERE id = %s",
            [trial.pk],
        )
        assert cursor.fetchone() == ("Medulloblastoma", ["JAPAN"], True)


def test_a_trial_saved_by_django_keeps_its_search_words(postgres):
    """search_vector is a model field that Django writes (empty, from a trial
    made in Python) on every save; the trigger replaces it, so a patient still
    finds the trial by its condition and its new sponsor."""
    from tests.factories import ConditionFactory, TrialFactory
    from trials.models import Trial
    from trials.search import Criteria, trials_search

    trial = TrialFactory(brief_title="Proton therapy for children")
    trial.conditions.add(ConditionFactory(name="Medulloblastoma"))
    assert trial.search_vector is None  # as made in Python
    trial.lead_sponsor = "Lakeside Children's Hospital"
    trial.save()

    trial.refresh_from_db()
    assert "'medulloblastoma':5A" in trial.search_vector
    assert "'lakesid'" in trial.search_vector
    for words in ("medulloblastoma", "lakeside"):
        found = trials_search(criteria=Criteria(q=words)).trials
        assert [t.brief_title for t in found] == ["Proton therapy for children"]
    assert Trial.objects.filter(search_vector__isnull=True).count() == 0


def test_an_update_that_leaves_the_text_as_it_was_keeps_the_vectors(postgres):
    """A re-import that changes a trial's status writes every field; the
    vectors are then kept, not computed again (most of an import's database
    time), and computed again as soon as a word or the vector itself changes."""
    from tests.factories import TrialFactory

    trial = TrialFactory(brief_title="Proton therapy for children", overview="Beams.")

    def vectors(sql: str = "", params: tuple = ()) -> tuple[str, str]:
        with connection.cursor() as cursor:
            if sql:
                cursor.execute(f"UPDATE trials_trial SET {sql} WHERE id = %s", [*params, trial.pk])
            cursor.execute(
                "SELECT search_vector::text, search_rank_vector::text FROM trials_trial"
                " WHERE id = %s",
                [trial.pk],
            )
            return cursor.fetchone()

    # A marker the trigger would never write (these columns alone do not fire it).
    marked = vectors("search_vector = 'marker', search_rank_vector = 'marker'")
    assert marked == ("'marker'", "'marker'")
    unchanged = "overall_status = 'COMPLETED', brief_title = brief_title, overview = overview"
    assert vectors(unchanged) == marked
    search_vector, rank_vector = vectors("overview = %s", ("Protons.",))
    assert "'proton':1A,7" in search_vector  # the title's word, and the summary's
    assert "'therapi':2A" in rank_vector and "marker" not in rank_vector
    vectors("search_vector = 'marker'")
    assert "'therapi':2A" in vectors("search_vector = NULL, overview = overview")[0]


def test_a_concepts_names_as_one_tsquery_match_the_same_trials_as_every_name(postgres):
    """trials_tsquery_any leaves out names another name's words cover; on
    every text, it matches exactly when the OR of every name's
    plainto_tsquery does."""
    from trials.text_match import any_of
    from trials.understanding import Concept, Understanding

    concepts = [
        ["cancer", "Neoplasms", "Cysts", "Neoplasms by Site", "Neoplasms, Experimental"],
        ["breast cancer", "Breast Neoplasms", "Triple Negative Breast Neoplasms", "Breast Cancer"],
        ["Crohn's disease", "crohns", "Crohn Disease", "Disease, Crohn's", "ileitis"],
        ["the", "of the", "hypertension", "High Blood Pressure", "Blood Pressure, High"],
    ]
    texts = [
        "Neoplasms by site of origin",
        "A site study of blood pressure",
        "Triple negative breast neoplasm",
        "Breast imaging",
        "High blood pressure in adults",
        "Ileitis and Crohn's",
        "cancer",
        "the of and",
    ]
    with connection.cursor() as cursor:
        for phrase, *meanings in concepts:
            concept = Concept(phrase, tuple(meanings))
            every, params = every_name(Understanding(concepts=(concept,)))
            for text in texts:
                cursor.execute(
                    "SELECT to_tsvector('english', %s) @@ %s::tsquery,"
                    f" to_tsvector('english', %s) @@ {every}",
                    [text, any_of(concept.alternatives), text, *params],
                )
                fewer, all_names = cursor.fetchone()
                assert fewer == all_names, (concept, text)
    assert any_of(("cancer", "Neoplasms", "Neoplasms by Site")) == "'cancer' | 'neoplasm'"


def every_name(understanding) -> tuple[str, list[str]]:
    """A query's tsquery with every name of each concept, as it was written
    before trials_tsquery_any."""
    parts, params = [], []
    if understanding.words.strip():
        parts.append("websearch_to_tsquery('english', %s)")
        params.append(understanding.words)
    if understanding.concepts:
        groups = []
        for concept in understanding.concepts:
            names = concept.alternatives
            groups.append("(" + " || ".join(["plainto_tsquery('english', %s)"] * len(names)) + ")")
            params += names
        if understanding.rest.strip():
            groups.append("websearch_to_tsquery('english', %s)")
            params.append(understanding.rest)
        parts.append("(" + " && ".join(groups) + ")")
    return "(" + " || ".join(parts) + ")", params


def test_a_querys_tsquery_matches_as_one_with_every_name(postgres):
    """text_match.tsquery (a concept's names as one tsquery, plain typed
    words read as one more name) matches the same texts as the query with
    every name of every concept."""
    from trials.text_match import tsquery
    from trials.understanding import Concept, Understanding

    cancer = Concept("cancer", ("Neoplasms", "Neoplasms by Site"))
    pain = Concept("pain", ("Pain", "Chronic Pain"))
    understandings = [
        Understanding(words="cancer", concepts=(cancer,)),
        Understanding(words="cancer -smoking", concepts=(cancer,)),
        Understanding(words='"lung cancer"', concepts=(cancer,), rest="lung"),
        Understanding(words="cancer pain", concepts=(cancer, pain)),
        Understanding(words="cancer or pain", concepts=(cancer,)),
        Understanding(words="", concepts=(cancer,)),
    ]
    texts = ["Neoplasms by site", "cancer and smoking", "lung cancer", "chronic pain", "pain"]
    with connection.cursor() as cursor:
        for understanding in understandings:
            matching, matching_params = tsquery(understanding)
            full, full_params = every_name(understanding)
            for text in texts:
                cursor.execute(
                    f"SELECT to_tsvector('english', %s) @@ {matching},"
                    f" to_tsvector('english', %s) @@ {full}",
                    [text, *matching_params, text, *full_params],
                )
                fewer, every = cursor.fetchone()
                assert fewer == every, (understanding, text)


def test_what_a_tsquery_requires_is_read_from_its_text():
    from trials.text_match import Required, required_of

    assert required_of("'type' <-> '2' <-> 'diabet'") == Required(("type 2", "2 diabet"))
    assert required_of("'lung' <-> 'cancer' & !'smoke' & 'x'") == Required(
        ("lung cancer",), ("'x'",)
    )
    # A stop word between two words: the phrase's words two apart, no pair.
    assert required_of("'cancer' <2> 'lung' <-> 'cell'") == Required(("lung cell",))
    # An OR at the top, a NOT, a prefix, weights or parentheses require nothing.
    assert required_of("'lung' <-> 'cancer' | 'breast' <-> 'cancer'") == Required()
    assert required_of("!( 'lung' <-> 'cancer' ) & 'x'") == Required((), ("'x'",))
    assert required_of("'lung':* <-> 'cancer'") == Required()
    assert required_of("'a' & ( 'b' | 'c' )") == Required((), ("'a'",))
    # Quotes and backslashes inside a lexeme, as PostgreSQL writes them.
    assert required_of("'o''brien' <-> 'syndrom'") == Required(("o'brien syndrom",))
    assert required_of("") == Required()


def test_a_quoted_phrase_read_through_its_word_pairs_finds_the_same_trials(postgres):
    """The phrase's read (text_match.phrase_match: the trials with its word
    pairs, then the tsquery) gives exactly the trials the tsquery does."""
    from tests.factories import ConditionFactory, TrialFactory
    from trials.models import Trial
    from trials.text_match import match_expression, phrase_match
    from trials.understanding import Understanding

    titles = [
        "Insulin in Type 2 Diabetes",
        "Diabetes, Type 2, and exercise",
        "Type 1 diabetes and 2 new devices",
        "Small-cell lung cancer after smoking",
        "Non-small cell lung cancer in people who never smoked",
        "Cancer of the lung",
        "Lung cancer screening",
        "O'Brien syndrome registry",
    ]
    for title in titles:
        TrialFactory(brief_title=title)
    # A pair across two fields: the vector's positions run on from the title
    # into the conditions, as the phrase operator reads them.
    TrialFactory(brief_title="A study of lung", conditions=[ConditionFactory(name="Cancer pain")])
    queries = [
        '"type 2 diabetes"',
        '"type 2 diabetes" insulin',
        '"lung cancer" -smoking',
        '"lung cancer" -"small cell"',
        '"small-cell lung cancer"',
        '"cancer of the lung"',
        '"lung cancer" screening',
        '"lung cancer" or "type 2 diabetes"',
        '"o\'brien syndrome"',
        '"lung',
    ]
    for words in queries:
        understanding = Understanding(words=words)
        expected = set(Trial.objects.filter(match_expression(understanding, ranked=True)))
        read_by = phrase_match(understanding)
        if read_by is None:
            # An OR, words apart (a stop word between) or one word: no pair.
            assert words in ('"lung cancer" or "type 2 diabetes"', '"cancer of the lung"', '"lung')
            continue
        assert set(Trial.objects.filter(read_by)) == expected, words
    lung_cancer = Trial.objects.filter(phrase_match(Understanding(words='"lung cancer"')))
    assert {trial.brief_title for trial in lung_cancer} == {
        "Small-cell lung cancer after smoking",
        "Non-small cell lung cancer in people who never smoked",
        "Lung cancer screening",
        "A study of lung",
    }


def test_a_quoted_phrase_is_read_through_the_word_pairs_index(postgres):
    from trials.models import Trial
    from trials.text_match import phrase_match
    from trials.understanding import Understanding

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = 'trials_trial_phrase_pairs'"
        )
        assert cursor.fetchone() == (True,)
        sql, params = (
            Trial.objects.filter(phrase_match(Understanding(words='"type 2 diabetes"')))
            .values_list("pk")
            .query.sql_with_params()
        )
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "trials_trial_phrase_pairs" in plan
