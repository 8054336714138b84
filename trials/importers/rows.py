"""PostgreSQL COPY of the importer's rows: new trials, their condition links
and sites, and the fields of changed rows.

A COPY row holds what Django's `get_db_prep_save` makes of each value. Called
per value, that is most of an import's writing (nearly a million calls for
20,000 studies, each through the thread-local connection proxy); `RowMaker`
decides once per field which values it leaves as they are and sends only
the others through it, on the thread's own connection.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from functools import partial
from operator import attrgetter

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from trials.models import Site, Trial

from .mapper import MappedStudy

# The one type whose values get_db_prep_save returns unchanged on PostgreSQL,
# by field class (None too, for every field): CharField.to_python keeps a
# str, IntegerField.get_prep_value int() an int, DateField a date (not a
# datetime, which it cuts to its day), an aware time on a DateTimeField,
# and so on. Anything else, and the fields not listed, goes through Django.
KEPT_AS_IS: tuple[tuple[type[models.Field], type], ...] = (
    (models.CharField, str),  # SlugField, EmailField
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.IntegerField, int),  # the positive ones, BigAutoField
    (models.FloatField, float),
    (models.DateField, datetime.date),  # DateTimeField is one: excluded below
)


EMPTY = {list: "[]", dict: "{}"}
# json.dumps(value) without its check for circular references (a record
# read from JSON has none): the same text, 15% sooner on a registry record.
DUMPS = json.JSONEncoder(check_circular=False).encode


def _kept_type(field: models.Field) -> type | None:
    if isinstance(field, models.DateTimeField):
        # An aware time is sent as it is; a naive one Django makes aware.
        return datetime.datetime if settings.USE_TZ else None
    if isinstance(field, SearchVectorField):
        return None
    if isinstance(field, models.ForeignKey):
        return _kept_type(field.target_field)
    return next((kind for cls, kind in KEPT_AS_IS if isinstance(field, cls)), None)


class RowMaker:
    """Values for a COPY into these fields, as get_db_prep_save would send them."""

    def __init__(self, fields: Iterable[models.Field]) -> None:
        db = connections[DEFAULT_DB_ALIAS]  # this thread's own, not the proxy
        self.steps: list[tuple[type | None, bool, Callable]] = []
        for field in fields:
            # JSONField without an encoder: Jsonb(value, dumps=json.dumps),
            # which COPY writes as json.dumps(value); None stays SQL NULL.
            is_json = isinstance(field, models.JSONField) and field.encoder is None
            prepare = partial(field.get_db_prep_save, connection=db)
            self.steps.append((_kept_type(field), is_json, prepare))

    def __call__(self, values: Iterable) -> list:
        row = []
        for value, (kept, is_json, prepare) in zip(values, self.steps, strict=True):
            kind = type(value)
            if value is None or (kind is kept and (kind is not datetime.datetime or value.tzinfo)):
                row.append(value)
            elif is_json:
                # Empty lists and objects are many (a site's languages, contacts).
                row.append(EMPTY[kind] if not value and kind in EMPTY else DUMPS(value))
            else:
                row.append(prepare(value))
        return row


def _quoted(fields) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(quote(f.column) for f in fields)


def copy_trials(trials: list[Trial], by_id: dict[str, MappedStudy]) -> None:
    """COPY new trials with their search_conditions and site_countries
    (PostgreSQL-only columns, migrations 0003 and 0015)."""
    fields = Trial._meta.concrete_fields
    values_of = attrgetter(*[f.attname for f in fields])
    make = RowMaker(fields)
    sql = f"COPY {Trial._meta.db_table} ({_quoted(fields)}, search_conditions, site_countries)"
    now = timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor, db.wrap_database_errors:
        with cursor.cursor.copy(f"{sql} FROM STDIN") as copy:
            for trial in trials:
                trial.created_at = trial.updated_at = now
                row = make(values_of(trial))
                study = by_id[trial.nct_id]
                # As the trigger writes it: names sorted (C collation: by code point).
                row.append(" ".join(sorted(study.conditions)))
                # As the sites' trigger writes it, so that it finds nothing to
                # change (a country Python upper-cases differently is corrected).
                row.append(sorted({s["country"].upper() for s in study.sites if s["country"]}))
                copy.write_row(row)


def copy_links(pairs: list[tuple[int, int]]) -> None:
    """COPY (trial id, condition id) links; the trials may follow in the same
    transaction (the foreign key is deferred)."""
    Link = Trial.conditions.through
    fields = [Link._meta.get_field("trial"), Link._meta.get_field("condition")]
    db = connections[DEFAULT_DB_ALIAS]
    sql = f"COPY {Link._meta.db_table} ({_quoted(fields)}) FROM STDIN"
    with db.cursor() as cursor, db.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for pair in pairs:
                copy.write_row(pair)


def copy_update(model, objects: list, names: list[str]) -> None:
    """Save these fields of existing rows: one UPDATE … FROM a COPY.

    bulk_update writes a CASE per field with a branch per row, which grows
    with the square of the batch.
    """
    fields = [model._meta.pk] + [model._meta.get_field(name) for name in names]
    values_of = attrgetter(*[f.attname for f in fields])
    make = RowMaker(fields)
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    columns = _quoted(fields)
    table, scratch = model._meta.db_table, f"import_{model._meta.db_table}"
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields[1:])
    with db.cursor() as cursor, db.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMP TABLE {scratch} ON COMMIT DROP"
            f" AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(make(values_of(obj)))
        cursor.execute(f"UPDATE {table} t SET {assignments} FROM {scratch} s WHERE t.id = s.id")
        cursor.execute(f"DROP TABLE {scratch}")


def copy_sites(sites: list[dict], names: list[str]) -> None:
    """COPY new sites from their values, without a model instance per site
    (a study can have hundreds)."""
    fields = [Site._meta.get_field(name) for name in ["trial_id", *names]]
    attnames = [f.attname for f in fields]
    make = RowMaker(fields)
    db = connections[DEFAULT_DB_ALIAS]
    sql = f"COPY {Site._meta.db_table} ({_quoted(fields)}) FROM STDIN"
    with db.cursor() as cursor, db.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            for values in sites:
                copy.write_row(make([values[name] for name in attnames]))
