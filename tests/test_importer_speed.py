"""The importer's shortcuts give what the general way gives: a zip member read
with one json.loads, COPY rows made without get_db_prep_save per value, and
Python's collector settings put back after an import."""

from __future__ import annotations

import copy
import datetime
import gc
import io
import json

import pytest
from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from tests.test_importer import run, study
from trials.importers.mapper import study_map
from trials.importers.reader import ReadProgress, _member_study, read_source
from trials.importers.rows import RowMaker
from trials.importers.writer import SITE_FIELDS
from trials.models import Site, Trial

pytestmark = pytest.mark.django_db

STUDY = json.dumps(study()).encode()
INDENTED = json.dumps(study(), indent=2).encode()
TWO = [study(), study("NCT00000002")]
# (member name, its bytes, read at once?)
MEMBERS = {
    "one line": ("NCT00000001.json", STUDY, True),
    "one line and a newline": ("NCT00000001.json", STUDY + b"\n", True),
    "indented": ("NCT00000001.json", INDENTED, True),
    "indented, a byte-order mark": ("a.json", b"\xef\xbb\xbf" + INDENTED, True),
    "a blank line first": ("a.json", b"\n" + STUDY, False),
    "spaces first": ("a.json", b"  " + STUDY, False),
    "a page": ("page.json", json.dumps({"studies": TWO}).encode(), False),
    "an array": ("a.json", json.dumps(TWO).encode(), False),
    "two lines": ("a.json", STUDY + b"\n" + json.dumps(study("NCT00000002")).encode(), False),
    "lines named .jsonl": ("a.jsonl", STUDY, False),
    "broken": ("a.json", STUDY[:-1], False),
    "not UTF-8": ("a.json", STUDY.replace(b"Sarcoma", b"Sarc\xffoma"), False),
    "NaN": ("a.json", STUDY.replace(b'"count": 90', b'"count": NaN'), False),
    "empty": ("a.json", b"", False),
    "a list of text": ("a.json", b'["a"]', False),
}


@pytest.mark.parametrize("name, data, at_once", MEMBERS.values(), ids=MEMBERS.keys())
def test_a_zip_member_read_at_once_is_what_the_general_reader_reads(name, data, at_once):
    general = list(read_source(f"x.zip/{name}", io.BytesIO(data), ReadProgress()))
    quick = _member_study(f"x.zip/{name}", data)
    assert (quick is not None) == at_once
    if at_once:
        assert quick == general
        assert [type(v) for v in _leaves(quick[0][2])] == [type(v) for v in _leaves(general[0][2])]


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _django_row(fields, values) -> list:
    row = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]
    return [value.dumps(value.obj) if isinstance(value, Jsonb) else value for value in row]


def test_copy_rows_are_what_django_would_send(postgres):
    record = study()
    official = {
        "name": "Dr. Wu",
        "affiliation": "Cancer Hospital",
        "role": "PRINCIPAL_INVESTIGATOR",
    }
    record["protocolSection"]["contactsLocationsModule"]["overallOfficials"] = [official]
    mapped = study_map(copy.deepcopy(record))
    trial = Trial(**mapped.trial, source_record=record)
    trial.pk, trial.created_at, trial.updated_at = 7, timezone.now(), timezone.now()
    trial.listed_at = datetime.datetime(2025, 1, 2, 3, 4)  # naive: Django makes it aware
    trial.lay_summary_reviewed_on = datetime.datetime(2025, 1, 2, 3, 4)  # cut to its day
    trial.enrollment = "90"  # a number as text: Django makes it one
    fields = Trial._meta.concrete_fields
    values = [getattr(trial, f.attname) for f in fields]
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        assert RowMaker(fields)(values) == _django_row(fields, values)

    site_fields = [Site._meta.get_field(name) for name in ["trial_id", *SITE_FIELDS]]
    mapped.sites[0]["recruiting_since"] = timezone.now()
    for site in mapped.sites:
        values = [7] + [site.get(name) for name in SITE_FIELDS]
        assert RowMaker(site_fields)(values) == _django_row(site_fields, values)


def test_an_import_puts_the_collectors_settings_back():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    summary = run(("NCT00000001.json", STUDY))
    assert summary.created == 1
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, frozen)


def test_a_trials_long_columns_are_compressed_with_lz4_where_the_server_has_it(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        has_lz4 = cursor.fetchone()[0]
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'trials_trial'::regclass"
            " AND attcompression = 'l'"
        )
        lz4 = {name for (name,) in cursor.fetchall()}
    long_columns = {"source_record", "search_vector", "description", "eligibility_criteria"}
    # Without LZ4 built in, migration 0036 leaves every column as it was.
    assert (long_columns <= lz4) if has_lz4 else not lz4
