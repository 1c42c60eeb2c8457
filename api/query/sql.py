"""SQL: the one place filter conditions are written as SQL, a WHERE clause on the record table
aliased ``t`` (and ``s``, the scopes row a page may be read from instead).

Every value is a bound parameter; only table and column names from the resource declarations are
written into the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..db import Database
from .filters import (
    ActorMatch,
    AffiliatesOf,
    Condition,
    DateOverlap,
    Equals,
    FullText,
    InScope,
    Linked,
    LinkedAny,
    OneOf,
    SortKeyRange,
    ThroughOneOf,
)

SCOPE_TERMS = ("s.role = ?", "s.scope_id = ?")  # the rows of one actor scope, in date order
SCOPE_ROW = (
    "EXISTS (SELECT 1 FROM scopes x WHERE x.role = ? AND x.scope_id = ? "
    "AND x.date_sort = t.date_sort AND x.record_id = t.id)"
)


@dataclass
class Where:
    """A WHERE clause: its terms (the scope's first, when there is one) and their parameters."""

    terms: list[str]
    params: list[Any]
    # (role, scope id) of a filter answered from the scopes table: the page is read in date
    # order from that actor's rows there (``s``), joined to the table, rather than from the table.
    scope: tuple[str, str] | None
    full_text: str | None  # the full-text table of a full-text condition among the terms

    @property
    def only_scope(self) -> bool:
        """Whether the scope is the whole clause (a count then needs no join)."""
        return self.scope is not None and len(self.terms) == len(SCOPE_TERMS)


def where(db: Database, conditions: Sequence[Condition], *, fts_drive: bool = False) -> Where | None:
    """The WHERE clause for ``conditions``, or None when one of them matches nothing.

    An actor filter that spans several actors (affiliates), and a place, are answered from the
    build's scopes table (the same rows, date-sorted): the first such filter drives the page in date
    order, a second one is a primary-key probe per row. ``fts_drive``: the full-text index is read
    as ``f``, joined to the table (FTS5 lists matches in rowid order, which the build made date
    order), rather than listing its matches for an ``IN``; paging chooses."""
    terms: list[str] = []
    params: list[Any] = []
    scope: tuple[str, str] | None = None
    full_text: str | None = None

    def read_from(keyed: tuple[str, str]) -> None:
        """The first scoped filter drives the page (``s``); any other is a probe per row."""
        nonlocal scope
        if scope is None:
            scope = keyed
        else:
            terms.append(SCOPE_ROW)
            params.extend(keyed)

    for c in conditions:
        if isinstance(c, Equals):
            terms.append(f"t.{c.column} = ?")
            params.append(c.value)
        elif isinstance(c, ActorMatch):
            ids = c.actor_ids
            if not ids:
                return None
            link, placeholders = c.link, ",".join("?" * len(ids))
            roles = list(c.roles)
            role_sql = f" AND role IN ({','.join('?' * len(roles))})" if roles else ""
            # One value naming several actors (affiliates): its scope. One actor through a link
            # table: its own. Several values: their union, from the link table.
            single = c.resolutions[0].matched if len(c.resolutions) == 1 else None
            keyed = (link.scope, single) if link.scope and single and len(ids) > 1 else None
            if keyed is None and link.own_scope and len(ids) == 1 and not roles:
                keyed = (link.own_scope, ids[0])
            if keyed is not None:
                read_from(keyed)
                if roles:  # the scope says "took part"; the role is checked per row, by primary key
                    terms.append(
                        f"EXISTS (SELECT 1 FROM {link.table} x WHERE x.{link.record} = t.id "
                        f"AND x.{link.column} IN ({placeholders}){role_sql.replace('role', 'x.role')})"
                    )
                    params.extend([*ids, *roles])
                continue
            if link.table is None:
                terms.append(f"t.{link.column} IN ({placeholders})")
            else:
                indexed = f" INDEXED BY {link.role_index}" if roles and link.role_index else ""
                terms.append(
                    f"t.id IN (SELECT {link.record} FROM {link.table}{indexed} "
                    f"WHERE {link.column} IN ({placeholders}){role_sql})"
                )
            params.extend([*ids, *roles])
        elif isinstance(c, DateOverlap):
            if c.undated == "only":
                terms.append("t.date_sort = ''")  # the sort key of an unknown date
                continue
            overlap, values = [], []
            if c.since is not None:
                overlap.append(f"t.{c.end} >= ?")
                values.append(c.since.isoformat())
            if c.until is not None:
                overlap.append(f"t.{c.start} <= ?")
                values.append(c.until.isoformat())
            if c.undated == "include":
                if overlap:
                    terms.append(f"({' AND '.join(overlap)} OR t.date_sort = '')")
            elif overlap:
                terms.extend(overlap)
            else:
                terms.append("t.date_sort > ''")
            params.extend(values)
        elif isinstance(c, FullText):
            if not c.query:
                return None
            full_text = c.table
            if fts_drive:
                terms.append(f"f.{c.table} MATCH ?")
            else:
                terms.append(f"t.rowid IN (SELECT rowid FROM {c.table} WHERE {c.table} MATCH ?)")
            params.append(c.query)
        elif isinstance(c, OneOf):
            if not c.values:
                return None
            terms.append(f"t.{c.column} IN ({','.join('?' * len(c.values))})")
            params.extend(c.values)
        elif isinstance(c, ThroughOneOf):
            terms.append(
                f"t.{c.column} IN (SELECT id FROM {c.table} WHERE {c.field} IN ({','.join('?' * len(c.values))}))"
            )
            params.extend(c.values)
        elif isinstance(c, Linked):
            if c.high is None:
                terms.append(f"t.id IN (SELECT {c.record} FROM {c.table} WHERE {c.column} = ?)")
                params.append(c.low)
            else:
                # A range on the key is an index seek; LIKE 'x%' would not be (keys are case-folded).
                terms.append(f"t.id IN (SELECT {c.record} FROM {c.table} WHERE {c.column} >= ? AND {c.column} < ?)")
                params.extend([c.low, c.high])
        elif isinstance(c, InScope):
            read_from((c.role, c.key))
        elif isinstance(c, LinkedAny):
            if not c.values:
                return None
            placeholders = ",".join("?" * len(c.values))
            terms.append(f"t.id IN (SELECT {c.record} FROM {c.table} WHERE {c.column} IN ({placeholders}))")
            params.extend(c.values)
        elif isinstance(c, AffiliatesOf):
            ids = tuple(dict.fromkeys(a for r in c.resolutions for a in r.ids))
            if not ids:
                return None
            depth = "depth = 1" if c.direct_only else "depth >= 1"
            terms.append(
                f"t.id IN (SELECT affiliate_id FROM actor_affiliates WHERE actor_id IN ({','.join('?' * len(ids))}) "
                f"AND {depth})"
            )
            params.extend(ids)
    # Bounds on the sort key apply to the rows the page is read from: known only once every
    # condition has said whether an actor scope is used.
    key = "s" if scope else "t"
    for c in conditions:
        if isinstance(c, SortKeyRange):
            if c.low is not None:
                terms.append(
                    f"({key}.date_sort >= ? OR {key}.date_sort = '')" if c.undated else f"{key}.date_sort >= ?"
                )
                params.append(c.low)
            if c.high is not None:
                # '' (undated) sorts before every date: "<= until" keeps it, BETWEEN '0' leaves it out.
                terms.append(f"{key}.date_sort <= ?" if c.undated else f"{key}.date_sort BETWEEN '0' AND ?")
                params.append(c.high)
    if scope is not None:
        terms[:0] = SCOPE_TERMS
        params[:0] = list(scope)
    return Where(terms, params, scope, full_text)
