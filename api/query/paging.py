"""Keyset paging: opaque cursors, and the page query that plans and reads one page.

A page is ordered on (sort key, id) and continues after the last row of the previous one, whose
key and id the cursor carries; totals are counted once per filter (``Database.cached_count``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.sort_keys import BUCKET_SHIFT, MAX_ROWID, first_rowid, last_rowid

from ..db import Database
from .filters import Condition, DateOverlap, SortKeyRange
from .sql import Where, where


class BadParameter(Exception):
    """A parameter that parsed but cannot be used (e.g. a forged cursor); answered with 400."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def encode_cursor(sort: str, key: str, record_id: str) -> str:
    raw = json.dumps([sort, key, record_id], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadParameter("cursor", "Is not a cursor this API issued.") from None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise BadParameter("cursor", "Is not a cursor this API issued.")
    if value[0] != sort:
        raise BadParameter("cursor", f"Belongs to sort={value[0]}, not sort={sort}; keep the sort when paging.")
    return value[1], value[2]


SORTS = {
    "date": ("date_sort", "ASC"),
    "-date": ("date_sort", "DESC"),
    "name": ("name_sort", "ASC"),
    "-name": ("name_sort", "DESC"),
}


@dataclass(frozen=True)
class Page:
    bodies: list[str]  # the records' JSON, as the build rendered them
    total: int
    next_cursor: str | None


def bounded(db: Database, table: str, conditions: Sequence[Condition]) -> list[Condition]:
    """The conditions, with bounds on the date sort key for a date range, so that an index range
    answers them: a range starts on or before ``until`` and, being at most ``span`` days long,
    starts on or after ``since - span``. Undated rows (key '') are out, or, with
    ``undated=include``, kept by bounds that let them in."""
    dates = next((c for c in conditions if isinstance(c, DateOverlap)), None)
    if dates is None or dates.undated == "only" or (dates.since is None and dates.until is None):
        return list(conditions)
    span = db.date_spans.get(table)
    low = (dates.since - dt.timedelta(days=span)).isoformat() if dates.since is not None and span is not None else None
    high = dates.until.isoformat() if dates.until is not None else None
    return [*conditions, SortKeyRange(low, high, undated=dates.undated == "include")]


def count(db: Database, table: str, clause: Where) -> int:
    """How many records of ``table`` the clause selects (kept per filter)."""
    if not clause.terms:
        return int(db.counts[table])  # the build counted every table
    sql = " AND ".join(clause.terms)
    if clause.only_scope:
        count_sql = f"SELECT count(*) FROM scopes s WHERE {sql}"
    else:
        count_sql = f"SELECT count(*) FROM {_source(table, clause)} WHERE {sql}"
    return int(db.cached_count((table, sql, tuple(clause.params)), count_sql, clause.params))


def _source(table: str, clause: Where) -> str:
    return f"scopes s JOIN {table} t ON t.id = s.record_id" if clause.scope else f"{table} t"


def _ordered(table: str, clause: Where, sort: str, terms: Sequence[str], value: str = "body") -> str:
    """SELECT id, sort key, body (or the column ``value``) of the rows ``terms`` select, in the
    order of ``sort`` (by the scope's rows when a filter is answered from the scopes table: its date order)."""
    column, direction = SORTS[sort]
    key_table, key_id = ("s", "s.record_id") if clause.scope else ("t", "t.id")
    return (
        f"SELECT t.id, {key_table}.{column}, t.{value} FROM {_source(table, clause)} WHERE {' AND '.join(terms) or '1'} "
        f"ORDER BY {key_table}.{column} {direction}, {key_id} {direction}"
    )


def every_record(
    db: Database, table: str, conditions: Sequence[Condition], sort: str, value: str = "body"
) -> sqlite3.Cursor | None:
    """Every record the conditions select, (id, sort key, body or the column ``value``), in page
    order, as one cursor (an export); None when a condition matches nothing."""
    clause = where(db, bounded(db, table, conditions))
    if clause is None:
        return None
    return db.execute(_ordered(table, clause, sort, clause.terms, value), clause.params)


def page(db: Database, table: str, conditions: Sequence[Condition], sort: str, limit: int, cursor: str | None) -> Page:
    """One page of ``table``, by keyset on (sort key, id).

    The plan: the WHERE clause for the conditions, the total, then how to read the page. With a
    full-text filter (and no actor scope to read from), the full-text index drives: the build
    gave records rowids in date order, so FTS5 lists matches in page order and a page costs the
    same whatever the corpus size or the word's frequency (``_full_text_page``)."""
    column, direction = SORTS[sort]
    position = decode_cursor(cursor, sort) if cursor is not None else None  # refused even when nothing matches
    planned = bounded(db, table, conditions)
    clause = where(db, planned)
    if clause is None:
        return Page([], 0, None)
    total = count(db, table, clause)
    if clause.full_text and clause.scope is None and column == "date_sort":
        driven = where(db, planned, fts_drive=True)
        assert driven is not None and driven.full_text  # the same conditions as clause's
        rows = _full_text_page(db, table, driven, planned, direction, limit, position)
    else:
        key_table, key_id = ("s", "s.record_id") if clause.scope else ("t", "t.id")
        terms, params = list(clause.terms), list(clause.params)
        if position is not None:
            terms.append(f"({key_table}.{column}, {key_id}) {'>' if direction == 'ASC' else '<'} (?, ?)")
            params.extend(position)
        rows = db.execute(_ordered(table, clause, sort, terms) + " LIMIT ?", [*params, limit + 1]).fetchall()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(sort, rows[-1][1], rows[-1][0])
    return Page([r[2] for r in rows], total, next_cursor)


def _rowid_bound(bound: Callable[[str, str], int], key: str, record_id: str) -> int:
    """The first or last rowid of the bucket of a sort key and id; a key that is not a date
    came from a cursor this API did not issue."""
    try:
        return bound(key, record_id)
    except ValueError:
        raise BadParameter("cursor", "Is not a cursor this API issued.") from None


def _full_text_page(
    db: Database,
    table: str,
    clause: Where,
    planned: Sequence[Condition],
    direction: str,
    limit: int,
    position: tuple[str, str] | None,
) -> list[Any]:
    """A page of full-text matches in date order, read from the full-text index ``f`` in rowid
    order. The build gave rowids in buckets that keep the page order up to the order within a
    bucket (schemas/sort_keys.py): the (limit+1)th match in rowid order bounds the page's last
    bucket, and only the matches up to its end are read again and sorted. Date bounds (a range, a
    cursor) become rowid bounds, which FTS5 seeks."""
    desc = direction == "DESC"
    terms, params = list(clause.terms), list(clause.params)
    low, high = 0, MAX_ROWID  # rowid bounds, inclusive
    for c in planned:
        if isinstance(c, SortKeyRange):
            if c.low is not None and not c.undated:
                low = max(low, first_rowid(c.low, ""))
            if c.high is not None:  # every undated bucket is below every day
                high = min(high, last_rowid(c.high, ""))
    if position is not None:
        if desc:
            high = min(high, _rowid_bound(last_rowid, *position))
        else:
            low = max(low, _rowid_bound(first_rowid, *position))
        terms.append(f"(t.date_sort, t.id) {'<' if desc else '>'} (?, ?)")
        params.extend(position)
    order = "DESC" if desc else "ASC"
    edge_terms = " AND ".join([*terms, "f.rowid BETWEEN ? AND ?"])
    join = f"FROM {clause.full_text} f JOIN {table} t ON t.rowid = f.rowid"
    edge = f"SELECT f.rowid {join} WHERE {edge_terms} ORDER BY f.rowid {order} LIMIT 1 OFFSET ?"
    # One bound per side (FTS5 seeks on one): the page's far side is the edge's bucket, or the range's.
    if desc:  # from the start of the edge's bucket
        bounds = f"f.rowid BETWEEN max(?, coalesce((({edge}) >> {BUCKET_SHIFT}) << {BUCKET_SHIFT}, 0)) AND ?"
        bound_params = [low, *params, low, high, limit, high]
    else:  # to the end of the edge's bucket
        bounds = f"f.rowid BETWEEN ? AND min(?, coalesce(((({edge}) >> {BUCKET_SHIFT}) + 1) << {BUCKET_SHIFT}, {MAX_ROWID}) - 1)"
        bound_params = [low, high, *params, low, high, limit]
    sql = (
        f"SELECT t.id, t.date_sort, t.body {join} WHERE {' AND '.join([*terms, bounds])} "
        f"ORDER BY t.date_sort {order}, t.id {order} LIMIT ?"
    )
    return db.execute(sql, [*params, *bound_params, limit + 1]).fetchall()
