"""Filters: typed conditions, built from a list operation's parsed arguments.

A resource declares its filters as a tuple of specs (``Equal("stance")``, ``Actor("actor", ...)``,
``DateRange(...)``, ``Search("q", ...)``); each spec turns its parameter(s), each of which may
carry several values (OR), into at most one condition (conditions are ANDed). ``api.query.sql`` is the one place conditions
become SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..db import Database
from .resolve import Resolution, resolve_actor, resolve_place, resolve_record

Args = Mapping[str, Any]

# --------------------------------------------------------------------------------------------
# Conditions: what a filter means, independent of SQL.


@dataclass(frozen=True)
class Equals:
    """``t.column`` is ``value``."""

    column: str
    value: Any


@dataclass(frozen=True)
class OneOf:
    """``t.column`` is one of ``values``; none matches nothing."""

    column: str
    values: tuple[str, ...]
    resolutions: tuple[Resolution, ...] = ()  # what each value named, when it names records


@dataclass(frozen=True)
class ThroughOneOf:
    """``t.column`` points at a row of ``table`` whose ``field`` is one of ``values`` (a
    statement's event's certainty); none matches nothing."""

    column: str
    table: str
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Linked:
    """Records that a link table pairs with a value (``low``), or with a range of values [low, high)."""

    table: str
    record: str  # the link table's column naming the record
    column: str
    low: str
    high: str | None = None


@dataclass(frozen=True)
class LinkedAny:
    """Records that a link table pairs with any of ``values``; none matches nothing."""

    table: str
    record: str
    column: str
    values: tuple[str, ...]
    resolutions: tuple[Resolution, ...] = ()


@dataclass(frozen=True)
class InScope:
    """The records the build's scopes table lists under (``role``, ``key``), in date order."""

    role: str
    key: str
    resolutions: tuple[Resolution, ...] = ()


@dataclass(frozen=True)
class ActorLink:
    """How a table reaches an actor: a column of its own, or a link table (record, actor column)."""

    column: str
    table: str | None = None
    record: str | None = None
    # The role under which the build's scopes table lists the records of an actor and its
    # affiliates, date-sorted; None: this filter is never answered from it.
    scope: str | None = None
    # The role under which it lists the records of each actor alone (for a link table, where no
    # index on the record table gives one actor's records in date order); None: not listed.
    own_scope: str | None = None
    # The link table's index on (actor, role, record), named for actors-with-roles lookups: with
    # many actors (a state's affiliates) and several roles, SQLite's estimate prefers a table scan.
    role_index: str | None = None


@dataclass(frozen=True)
class ActorMatch:
    """The records linked to the actors a parameter's values resolved to (optionally with one of
    the participant roles)."""

    link: ActorLink
    resolutions: tuple[Resolution, ...]
    roles: tuple[str, ...] = ()  # a link table with a ``role`` column: only rows with one of these

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for r in self.resolutions for a in r.ids))


@dataclass(frozen=True)
class AffiliatesOf:
    """The actors affiliated with the resolved ones: directly, or at any depth."""

    resolutions: tuple[Resolution, ...]
    direct_only: bool


@dataclass(frozen=True)
class DateOverlap:
    """Records whose date range [start, end] overlaps [since, until] (either may be open), and
    what to do with undated records: ``include`` them as well, ``exclude`` them, or keep ``only``
    them (then the range is not applied)."""

    since: dt.date | None
    until: dt.date | None
    start: str
    end: str
    undated: str


@dataclass(frozen=True)
class FullText:
    """Records whose full-text index (``table``, an FTS5 table) matches ``query``; '' matches nothing."""

    table: str
    query: str


@dataclass(frozen=True)
class SortKeyRange:
    """Bounds on the date sort key that select no other rows than the filters do (see paging)."""

    low: str | None
    high: str | None
    undated: bool = False  # undated rows (key '') are wanted too


Condition = Union[
    Equals,
    OneOf,
    ThroughOneOf,
    Linked,
    LinkedAny,
    InScope,
    ActorMatch,
    AffiliatesOf,
    DateOverlap,
    FullText,
    SortKeyRange,
]


FilterSpec = Callable[[Database, Args], Union[Condition, None]]


def resolutions(conditions: Sequence[Condition]) -> list[Resolution]:
    """What the values of parameters naming records resolved to, in the order of the filters."""
    return [r for c in conditions for r in getattr(c, "resolutions", ())]


# --------------------------------------------------------------------------------------------
# Specs: a parameter (or two) -> a condition.


@dataclass(frozen=True)
class Equal:
    """``param``: the column (``column``, by default named as the parameter) is one of its values."""

    param: str
    column: str | None = None
    upper: bool = False  # compare the values upper-cased (country codes)

    def __call__(self, db: Database, args: Args) -> Condition | None:
        values = args.get(self.param)
        if values is None:
            return None
        values = tuple(dict.fromkeys(v.upper() for v in values)) if self.upper else tuple(values)
        column = self.column or self.param
        return Equals(column, values[0]) if len(values) == 1 else OneOf(column, values)


@dataclass(frozen=True)
class Through:
    """``param``: the row the record's ``column`` points at, in ``table``, has one of these ``field``
    values (a statement's event's certainty)."""

    param: str
    column: str
    table: str
    field: str

    def __call__(self, db: Database, args: Args) -> Condition | None:
        values = args.get(self.param)
        return None if values is None else ThroughOneOf(self.column, self.table, self.field, tuple(values))


@dataclass(frozen=True)
class RecordIds:
    """``param`` names records of ``table`` by id (``event``, ``source``): the record's ``column``
    is one of them, or, with ``link`` (link table, its record column, its id column), a link table
    pairs the record with one. Each value is reported in ``meta.resolved``, with suggestions when
    no record has that id."""

    param: str
    column: str
    table: str
    noun: str
    link: tuple[str, str, str] | None = None

    def __call__(self, db: Database, args: Args) -> Condition | None:
        values = args.get(self.param)
        if values is None:
            return None
        found = tuple(resolve_record(db, self.param, v, self.table, self.noun) for v in values)
        ids = tuple(r.matched for r in found if r.matched)
        if self.link is None:
            return OneOf(self.column, ids, found)
        table, record, column = self.link
        return LinkedAny(table, record, column, ids, found)


@dataclass(frozen=True)
class Actor:
    """``param`` names actors (each with its affiliates unless include_affiliates=false); ``role``,
    the parameter restricting the actors' role on the link table, if any."""

    param: str
    link: ActorLink
    role: str | None = None

    def __call__(self, db: Database, args: Args) -> Condition | None:
        values = args.get(self.param)
        if values is None:
            return None
        found = tuple(resolve_actor(db, self.param, v, args["include_affiliates"]) for v in values)
        roles = tuple(args.get(self.role) or ()) if self.role else ()
        return ActorMatch(self.link, found, roles)


@dataclass(frozen=True)
class AffiliatedWith:
    """``param``: the actors that belong to the named ones; only their direct affiliates with
    include_affiliates=false."""

    param: str

    def __call__(self, db: Database, args: Args) -> Condition | None:
        values = args.get(self.param)
        if values is None:
            return None
        include = args["include_affiliates"]
        found = tuple(resolve_actor(db, self.param, v, include, expand=False) for v in values)
        return AffiliatesOf(found, direct_only=not include)


@dataclass(frozen=True)
class DateRange:
    """``since``/``until``: overlap with the record's [start, end] columns; ``undated``: what
    becomes of records with no known date."""

    start: str = "date_start"
    end: str = "date_end"

    def __call__(self, db: Database, args: Args) -> Condition | None:
        since, until = args.get("since"), args.get("until")
        ranged = since is not None or until is not None
        undated = args.get("undated") or ("exclude" if ranged else "include")
        if not ranged and undated == "include":
            return None
        return DateOverlap(since, until, self.start, self.end, undated)


@dataclass(frozen=True)
class Place:
    """``param`` names places (or region or country codes): records located there or within them.
    The build files each record under every key that names its place: in the link table
    (``table``, its ``record`` column) and, date-sorted, in the scopes table under ``scope``."""

    param: str
    table: str
    record: str
    scope: str

    def __call__(self, db: Database, args: Args) -> Condition | None:
        values = args.get(self.param)
        if values is None:
            return None
        found = [resolve_place(db, self.param, v) for v in values]
        keys = tuple(dict.fromkeys(k for f in found for k in f.keys))
        reported = tuple(f.resolution for f in found)
        if len(keys) == 1:
            return InScope(self.scope, keys[0], reported)
        return LinkedAny(self.table, self.record, "place_key", keys, reported)


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


@dataclass(frozen=True)
class Search:
    """``param`` is searched in the full-text table ``table``."""

    param: str
    table: str

    def __call__(self, db: Database, args: Args) -> Condition | None:
        value = args.get(self.param)
        return None if value is None else FullText(self.table, fts_query(value))


def conditions(db: Database, specs: Sequence[FilterSpec], args: Args, *, ignore: Sequence[str] = ()) -> list[Condition]:
    """The conditions the given arguments make, in the order of the specs; ``ignore``: parameters
    taken as not given (a facet leaves out its own filter)."""
    if ignore:
        args = {name: value for name, value in args.items() if name not in ignore}
    found = []
    for spec in specs:
        condition = spec(db, args)
        if condition is not None:
            found.append(condition)
    return found
