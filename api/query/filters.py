"""Filters: typed conditions built from a list operation's parsed arguments, and their SQL.

A resource declares its filters as a tuple of specs (``Equal("stance")``, ``Actor("actor", ...)``,
``DateRange(...)``, ``Search("q", ...)``, or a plain function for a special case); each spec turns
its parameter(s) into at most one condition. ``where`` is the one place conditions become SQL,
on the record table aliased ``t`` (and ``s``, the actor_scopes row a page may be read from).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ..db import Database
from .resolve import Resolution, resolve_actor

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
class ActorLink:
    """How a table reaches an actor: a column of its own, or a link table (record, actor column)."""

    column: str
    table: str | None = None
    record: str | None = None
    # The role under which the build's actor_scopes table lists the records of an actor and its
    # affiliates, date-sorted; None: this filter is never answered from it.
    scope: str | None = None


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


Condition = Union[Equals, OneOf, Linked, ActorMatch, AffiliatesOf, DateOverlap, FullText, SortKeyRange]
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


# --------------------------------------------------------------------------------------------
# SQL: the one place conditions are written as SQL.

SCOPE_ROW = (
    "EXISTS (SELECT 1 FROM actor_scopes x WHERE x.role = ? AND x.scope_id = ? "
    "AND x.date_sort = t.date_sort AND x.record_id = t.id)"
)


@dataclass
class Where:
    """A WHERE clause: its terms (the scope's first, when there is one) and their parameters."""

    terms: list[str]
    params: list[Any]
    # (role, actor id) of an actor filter answered from actor_scopes: the page is read in date
    # order from that actor's rows there (``s``), joined to the table, rather than from the table.
    scope: tuple[str, str] | None
    full_text: bool  # a full-text condition is among the terms

    @property
    def only_scope(self) -> bool:
        return self.scope is not None and len(self.terms) == 2


def where(db: Database, conditions: Sequence[Condition], *, fts_probe: bool = False) -> Where | None:
    """The WHERE clause for ``conditions``, or None when one of them matches nothing.

    An actor filter that spans several actors (affiliates) is answered from the build's
    actor_scopes table (the same rows): the first one drives the page in date order, a second one
    is a primary-key probe per row. ``fts_probe``: check a full-text condition row by row
    (``EXISTS`` on the rowid) rather than list its matches (``IN``); paging chooses."""
    terms: list[str] = []
    params: list[Any] = []
    scope: tuple[str, str] | None = None
    full_text = False
    for c in conditions:
        if isinstance(c, Equals):
            terms.append(f"t.{c.column} = ?")
            params.append(c.value)
        elif isinstance(c, ActorMatch):
            ids = c.resolution.actor_ids
            if not ids:
                return None
            link, placeholders = c.link, ",".join("?" * len(ids))
            role_params = [c.role] if c.role else []
            if link.scope and len(ids) > 1 and db.has_actor_scopes:
                if scope is None:
                    scope = (link.scope, c.resolution.matched or "")
                else:
                    terms.append(SCOPE_ROW)
                    params.extend([link.scope, c.resolution.matched])
                if c.role:  # the scope says "took part"; the role is checked per row, by primary key
                    terms.append(
                        f"EXISTS (SELECT 1 FROM {link.table} x WHERE x.{link.record} = t.id "
                        f"AND x.{link.column} IN ({placeholders}) AND x.role = ?)"
                    )
                    params.extend([*ids, *role_params])
                continue
            if link.table is None:
                terms.append(f"t.{link.column} IN ({placeholders})")
            else:
                role_sql = " AND role = ?" if c.role else ""
                terms.append(
                    f"t.id IN (SELECT {link.record} FROM {link.table} WHERE {link.column} IN ({placeholders}){role_sql})"
                )
            params.extend([*ids, *role_params])
        elif isinstance(c, DateOverlap):
            if c.since is not None:
                terms.append(f"t.{c.end} >= ?")
                params.append(c.since.isoformat())
            if c.until is not None:
                terms.append(f"t.{c.start} <= ?")
                params.append(c.until.isoformat())
        elif isinstance(c, FullText):
            if not c.query:
                return None
            full_text = True
            if fts_probe:
                terms.append(f"EXISTS (SELECT 1 FROM {c.table} f WHERE f.rowid = t.rowid AND {c.table} MATCH ?)")
            else:
                terms.append(f"t.rowid IN (SELECT rowid FROM {c.table} WHERE {c.table} MATCH ?)")
            params.append(c.query)
        elif isinstance(c, OneOf):
            if not c.values:
                return None
            terms.append(f"t.{c.column} IN ({','.join('?' * len(c.values))})")
            params.extend(c.values)
        elif isinstance(c, Linked):
            if c.high is None:
                terms.append(f"t.id IN (SELECT {c.record} FROM {c.table} WHERE {c.column} = ?)")
                params.append(c.low)
            else:
                # A range on the key is an index seek; LIKE 'x%' would not be (keys are case-folded).
                terms.append(f"t.id IN (SELECT {c.record} FROM {c.table} WHERE {c.column} >= ? AND {c.column} < ?)")
                params.extend([c.low, c.high])
        elif isinstance(c, AffiliatesOf):
            ids = c.resolution.actor_ids
            if not ids:
                return None
            depth = "depth = 1" if c.direct_only else "depth >= 1"
            terms.append(
                f"t.id IN (SELECT affiliate_id FROM actor_affiliates WHERE actor_id IN ({','.join('?' * len(ids))}) "
                f"AND {depth})"
            )
            params.extend(ids)
        elif isinstance(c, SortKeyRange):
            key = "s" if scope else "t"
            if c.low is not None:
                terms.append(f"{key}.date_sort >= ?")
                params.append(c.low)
            if c.high is not None:
                terms.append(f"{key}.date_sort BETWEEN '0' AND ?")
                params.append(c.high)
    if scope is not None:
        terms[:0] = ["s.role = ?", "s.scope_id = ?"]
        params[:0] = list(scope)
    return Where(terms, params, scope, full_text)
