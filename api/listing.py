"""What every list operation shares: actor resolution, full-text queries, keyset pagination and
the ``{"data", "meta", "links"}`` envelope.

Record bodies were rendered by the resource schemas at build time; a page is those bodies joined
into the envelope, whose ``meta`` and ``links`` are dumped here by their own schemas.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import orjson
from flask import current_app, request

from schemas.names import normalize_name
from schemas.envelopes import RESOLVED_ACTORS_SHOWN, ActorResolution, Links, ListMeta

from .db import Database

_meta_schema = ListMeta()
_links_schema = Links()


class BadParameter(Exception):
    """A parameter that parsed but cannot be used (e.g. a forged cursor); answered with 400."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass
class Resolution:
    parameter: str
    value: str
    matched: str | None
    include_affiliates: bool
    actor_ids: list[str]
    message: str | None

    def dump(self, db: Database) -> dict:
        return {
            "parameter": self.parameter,
            "value": self.value,
            "matched": db.actor_refs[self.matched] if self.matched else None,
            "include_affiliates": self.include_affiliates,
            "actor_count": len(self.actor_ids),
            "actors": [db.actor_refs[a] for a in self.actor_ids[:RESOLVED_ACTORS_SHOWN]],
            "message": self.message,
        }


def resolve_actor(db: Database, parameter: str, value: str, include_affiliates: bool) -> Resolution:
    """An id, name or alias (case-insensitive) -> the actor, and its affiliates if asked."""
    key = normalize_name(value)
    actor_id = db.lookup.get(key)
    if actor_id is None:
        close = difflib.get_close_matches(key, db.lookup.keys(), n=3, cutoff=0.75)
        names = list(dict.fromkeys(db.actor_refs[db.lookup[c]]["name"] for c in close))
        hint = f" Did you mean {' or '.join(repr(n) for n in names)}?" if names else ""
        return Resolution(parameter, value, None, include_affiliates, [], f"No actor is named {value!r}.{hint}")
    ids = db.affiliates[actor_id] if include_affiliates else [actor_id]
    return Resolution(parameter, value, actor_id, include_affiliates, list(ids), None)


_WORD = re.compile(r"\w+\*?", re.UNICODE)


def fts_query(value: str) -> str:
    """User text -> a safe FTS5 query: every word quoted (so no operator syntax gets through),
    all words required, a trailing * kept as a prefix search. Text with no words gives ''."""
    terms = []
    for token in _WORD.findall(value):
        prefix = token.endswith("*")
        word = token.rstrip("*").replace('"', "")
        if word:
            terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(terms[:32])


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


@dataclass
class Filters:
    """SQL conditions on the table aliased ``t``, with their parameters."""

    where: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    resolved: list[Resolution] = field(default_factory=list)
    empty: bool = False  # a filter matched nothing, so the page is empty without asking SQLite
    # An actor filter that spans several actors (affiliates), answered from the build's
    # actor_scopes table: (role, actor id, the condition it replaces, that condition's params).
    scope: tuple | None = None
    dates: tuple = (None, None)  # since, until: page() also bounds the date sort key with them
    fts: tuple | None = None  # (index in where, full-text table, query) of a full-text condition

    def add(self, sql: str, *params) -> None:
        self.where.append(sql)
        self.params.extend(params)

    def actor(self, db, parameter, value, include_affiliates, sql_for_ids, *extra_params, scope_role=None,
              scoped_check=None) -> None:
        """Resolve an actor-valued parameter and add ``sql_for_ids(placeholders)``.

        With ``scope_role``, an actor that brings affiliates along is answered from the build's
        actor_scopes table instead (the same rows): the first such filter drives the page in date
        order, a second one is a primary-key probe per row. ``scoped_check(placeholders)`` is what
        the scope does not say (e.g. a participant's role), checked per row."""
        if value is None:
            return
        resolution = resolve_actor(db, parameter, value, include_affiliates)
        self.resolved.append(resolution)
        if not resolution.actor_ids:
            self.empty = True
            return
        placeholders = ",".join("?" * len(resolution.actor_ids))
        condition, params = sql_for_ids(placeholders), [*resolution.actor_ids, *extra_params]
        if scope_role and len(resolution.actor_ids) > 1 and db.has_actor_scopes:
            if self.scope is None:
                self.scope = (scope_role, resolution.matched, condition, params)
            else:
                self.add(
                    "EXISTS (SELECT 1 FROM actor_scopes x WHERE x.role = ? AND x.scope_id = ? "
                    "AND x.date_sort = t.date_sort AND x.record_id = t.id)",
                    scope_role, resolution.matched,
                )
            if scoped_check is not None:
                self.add(scoped_check(placeholders), *params)
            return
        self.add(condition, *params)

    def search(self, fts_table: str, value) -> None:
        """Full-text condition; text without any word can match nothing."""
        if value is None:
            return
        query = fts_query(value)
        if not query:
            self.empty = True
            return
        self.fts = (len(self.where), fts_table, query)
        self.add(f"t.rowid IN (SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH ?)", query)

    def overlap(self, since, until, start="t.date_start", end="t.date_end") -> None:
        self.dates = (since, until)
        if since is not None:
            self.add(f"{end} >= ?", since.isoformat())
        if until is not None:
            self.add(f"{start} <= ?", until.isoformat())


SORTS = {
    "date": ("date_sort", "ASC"),
    "-date": ("date_sort", "DESC"),
    "name": ("name_sort", "ASC"),
    "-name": ("name_sort", "DESC"),
}


# Walk the sort index for a full-text filter when matches² > this × rows: sorting M matches costs
# about 3 µs each, a probe about 25 µs, and a page needs about 21 × rows / M probes.
FTS_WALK_FACTOR = 175


def page(db: Database, table: str, filters: Filters, sort: str, limit: int, cursor: str | None):
    """One page of ``table``: (bodies, total, next_cursor), by keyset on (sort key, id)."""
    column, direction = SORTS[sort]
    position = decode_cursor(cursor, sort) if cursor is not None else None  # refused even when nothing matches
    if filters.empty:
        return [], 0, None
    # The ordered keyset runs on the scope table when there is one, else on the table itself.
    key_table = "s" if filters.scope else "t"
    key_id = "s.record_id" if filters.scope else "t.id"
    conditions, params = list(filters.where), list(filters.params)
    since, until = filters.dates
    if column == "date_sort" and (since or until):
        # The same rows, bounded on the sort key too, so that an index range answers them: a range
        # starts on or before ``until`` (unknown dates, '', are out), and, being at most
        # ``span`` days long, starts on or after ``since - span``.
        span = db.date_spans.get(table)
        if since is not None and span is not None:
            conditions.append(f"{key_table}.date_sort >= ?")
            params.append((since - dt.timedelta(days=span)).isoformat())
        if until is not None:
            conditions.append(f"{key_table}.date_sort BETWEEN '0' AND ?")
            params.append(until.isoformat())
    if filters.scope:
        conditions[:0] = ["s.role = ?", "s.scope_id = ?"]
        params[:0] = [filters.scope[0], filters.scope[1]]
    where = " AND ".join(conditions) or "1"
    source = f"actor_scopes s JOIN {table} t ON t.id = s.record_id" if filters.scope else f"{table} t"
    if where == "1":
        total = db.counts[table]  # the build counted every table
    else:
        if filters.scope and len(conditions) == 2:
            count_sql = f"SELECT count(*) FROM actor_scopes s WHERE {where}"
        else:
            count_sql = f"SELECT count(*) FROM {source} WHERE {where}"
        total = db.cached_count((table, where, tuple(params)), count_sql, params)
    if filters.fts and not filters.scope and total * total > FTS_WALK_FACTOR * db.counts.get(table, 0):
        # A frequent word: rather than fetch and sort every match (cost grows with the corpus),
        # walk the sort index and probe the full-text index per row; with matches this dense
        # the page fills after about limit × rows / matches probes, whatever the corpus size.
        index, fts_table, _query = filters.fts
        conditions[index] = f"EXISTS (SELECT 1 FROM {fts_table} f WHERE f.rowid = t.rowid AND {fts_table} MATCH ?)"
    if position is not None:
        key, last_id = position
        op = ">" if direction == "ASC" else "<"
        conditions.append(f"({key_table}.{column}, {key_id}) {op} (?, ?)")
        params.extend([key, last_id])
    sql = (
        f"SELECT t.id, {key_table}.{column}, t.body FROM {source} WHERE {' AND '.join(conditions) or '1'} "
        f"ORDER BY {key_table}.{column} {direction}, {key_id} {direction} LIMIT ?"
    )
    rows = db.execute(sql, [*params, limit + 1]).fetchall()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(sort, rows[-1][1], rows[-1][0])
    return [r[2] for r in rows], total, next_cursor


def _url(args: dict) -> str:
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


_resolution_schema = ActorResolution()


def _dumped_resolution(db, resolution: Resolution) -> dict:
    key = ("resolution", resolution.parameter, resolution.value, resolution.matched,
           resolution.include_affiliates, tuple(resolution.actor_ids))
    dumped = db.memo.get(key)
    if dumped is None:
        if len(db.memo) > 4096:
            db.memo.clear()
        dumped = db.memo[key] = _resolution_schema.dump(resolution.dump(db))
    return dumped


def list_response(db, bodies, total, next_cursor, *, sort, limit, resolved):
    args = {k: v for k, v in request.args.items()}
    meta = _meta_schema.dump({"total": total, "limit": limit, "sort": sort, "next_cursor": next_cursor, "resolved": []})
    # A resolution depends only on the database and the parameter, so its dump is kept.
    meta["resolved"] = [_dumped_resolution(db, r) for r in resolved]
    links = _links_schema.dump(
        {
            "self": _url(args),
            "next": _url({**args, "cursor": next_cursor}) if next_cursor else None,
        }
    )
    body = (
        '{"data":['
        + ",".join(bodies)
        + '],"meta":'
        + orjson.dumps(meta).decode()  # the same compact UTF-8 JSON as json.dumps(ensure_ascii=False), faster
        + ',"links":'
        + orjson.dumps(links).decode()
        + "}"
    )
    return current_app.response_class(body, mimetype="application/json")


def item_response(db, table: str, record_id: str, column: str = "body"):
    row = db.execute(f"SELECT {column} FROM {table} WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        return None
    return current_app.response_class(row[0], mimetype="application/json")
