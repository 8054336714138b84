"""Queries of one shape for any trials, compiled by the ORM once per process.

A results page reads the condition names and the stored cards of the trials
it shows: the same two queries on every request but for the trials' ids.
Building them through the ORM cost more CPU than the database spent
answering them. `rows_for_ids` compiles a query once for each number of ids
(and the other values its `shape` names: a language, a release), then sends
the same SQL with the ids of each request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db import connection
from django.db.models import QuerySet

_SHAPES: dict[tuple, tuple[str, list, list[int]]] = {}
# Shapes kept per process: a few lengths of a page of results, per language.
SHAPES_MAX = 512


def rows_for_ids(
    shape: tuple[Hashable, ...], query: Callable[[list[int]], QuerySet], ids: list[int]
) -> list[tuple]:
    """The rows of `query(ids)`, a values_list() query whose SQL is the same
    for any `ids` of one length and whose only other values `shape` names.
    Its values come as the database returns them: select no field whose
    value Django converts (JSON, dates on SQLite)."""
    if not ids:
        return []
    key = (*shape, len(ids))
    compiled = _SHAPES.get(key)
    if compiled is None:
        # Marks no trial has (ids are positive) show where the ids go.
        marks = [-1 - n for n in range(len(ids))]
        sql, params = query(marks).query.sql_with_params()
        params = list(params)
        slots = [n for n, value in enumerate(params) if value in marks]
        if [params[n] for n in slots] != marks:
            return list(query(ids))  # not a shape this can fill: as the ORM builds it
        if len(_SHAPES) >= SHAPES_MAX:
            _SHAPES.clear()
        compiled = _SHAPES[key] = (sql, params, slots)
    sql, params, slots = compiled
    params = list(params)
    for slot, pk in zip(slots, ids, strict=True):
        params[slot] = pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
