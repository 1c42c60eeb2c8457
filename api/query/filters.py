"""Filters: typed conditions, built from a list operation's parsed arguments.

A resource declares its filters as a tuple of specs (``Equal("stance")``, ``Actor("actor", ...)``,
``DateRange(...)``, ``Search("q", ...)``, or a plain function for a special case); each spec turns
its parameter(s) into at most one condition. ``api.query.sql`` is the one place conditions
become SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..db import Database
from .resolve import Resolution, resolve_actor, resolve_place

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


@dataclass(frozen=True)
class InScope:
    """The records the build's scopes table lists under (``role``, ``key``), in date order."""

    role: str
    key: str


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


@dataclass(frozen=True)
class ActorMatch:
    """The records linked to the actors a parameter resolved to (optionally with a participant role)."""

    link: ActorLink
    resolution: Resolution
    role: str | None = None  # a link table with a ``role`` column: only rows with this role


@dataclass(frozen=True)
class AffiliatesOf:
    """The actors affiliated with the resolved one: directly, or at any depth."""

    resolution: Resolution
    direct_only: bool


@dataclass(frozen=True)
class DateOverlap:
    """Records whose date range [start, end] overlaps [since, until]; unknown dates are out."""

    since: dt.date | None
    until: dt.date | None
    start: str
    end: str


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


Condition = Union[
    Equals, OneOf, Linked, LinkedAny, InScope, ActorMatch, AffiliatesOf, DateOverlap, FullText, SortKeyRange
]
FilterSpec = Callable[[Database, Args], Union[Condition, None]]


def resolutions(conditions: Sequence[Condition]) -> list[Resolution]:
    """What the actor-valued parameters resolved to, in the order they were given."""
    return [c.resolution for c in conditions if isinstance(c, (ActorMatch, AffiliatesOf))]


# --------------------------------------------------------------------------------------------
# Specs: a parameter (or two) -> a condition.


@dataclass(frozen=True)
class Equal:
    """``param`` equals the column (``column``, by default named as the parameter)."""

    param: str
    column: str | None = None
    upper: bool = False  # compare the value upper-cased (country codes)

    def __call__(self, db: Database, args: Args) -> Condition | None:
        value = args.get(self.param)
        if value is None:
            return None
        return Equals(self.column or self.param, value.upper() if self.upper else value)


@dataclass(frozen=True)
class LinkedBy:
    """``param`` is a value that a link table pairs records with."""

    param: str
    table: str
    record: str
    column: str

    def __call__(self, db: Database, args: Args) -> Condition | None:
        value = args.get(self.param)
        return None if value is None else Linked(self.table, self.record, self.column, value)


@dataclass(frozen=True)
class Actor:
    """``param`` names an actor (with its affiliates unless include_affiliates=false); ``role``, the
    parameter restricting the actor's role on the link table, if any."""

    param: str
    link: ActorLink
    role: str | None = None

    def __call__(self, db: Database, args: Args) -> Condition | None:
        value = args.get(self.param)
        if value is None:
            return None
        resolution = resolve_actor(db, self.param, value, args["include_affiliates"])
        return ActorMatch(self.link, resolution, args.get(self.role) if self.role else None)


@dataclass(frozen=True)
class DateRange:
    """``since``/``until``: overlap with the record's [start, end] columns."""

    start: str = "date_start"
    end: str = "date_end"

    def __call__(self, db: Database, args: Args) -> Condition | None:
        since, until = args.get("since"), args.get("until")
        if since is None and until is None:
            return None
        return DateOverlap(since, until, self.start, self.end)


@dataclass(frozen=True)
class Place:
    """``param`` names a place (or a region or country code): records located there or within it.
    The build files each record under every key that names its place: in the link table
    (``table``, its ``record`` column) and, date-sorted, in the scopes table under ``scope``."""

    param: str
    table: str
    record: str
    scope: str

    def __call__(self, db: Database, args: Args) -> Condition | None:
        value = args.get(self.param)
        if value is None:
            return None
        keys = resolve_place(db, value)
        if len(keys) == 1:
            return InScope(self.scope, keys[0])
        return LinkedAny(self.table, self.record, "place_key", keys)  # words of several places' names


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


def conditions(db: Database, specs: Sequence[FilterSpec], args: Args) -> list[Condition]:
    """The conditions the given arguments make, in the order of the specs."""
    found = []
    for spec in specs:
        condition = spec(db, args)
        if condition is not None:
            found.append(condition)
    return found
