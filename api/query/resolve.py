"""Resolving what a parameter names (an actor id, name or alias; a place; an event or source id)
-> a complete ``Resolution``, reported in ``meta.resolved``.

The actors, their names and aliases and the affiliation tree are read once per database
(``Database._load_actors``); resolving a value is a dictionary lookup, with close matches
suggested when nothing matches.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from schemas.envelopes import RESOLVED_SHOWN
from schemas.names import normalize_name

from ..db import Database


@dataclass(frozen=True)
class Resolution:
    """What one value of a parameter naming records matched, as ``meta.resolved`` reports it."""

    parameter: str
    value: str
    resource: str  # one of RESOURCES
    matched: str | None  # the id of the record the value names, or None
    include_affiliates: bool | None  # actor-valued parameters only
    ids: tuple[str, ...]  # the records the filter covers: none when nothing matched
    message: str | None  # why nothing matched, with suggestions

    def dump(self, db: Database) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "value": self.value,
            "resource": self.resource,
            "matched": record_ref(db, self.resource, self.matched) if self.matched else None,
            "include_affiliates": self.include_affiliates,
            "count": len(self.ids),
            "covers": [record_ref(db, self.resource, i) for i in self.ids[:RESOLVED_SHOWN]],
            "message": self.message,
        }


def record_ref(db: Database, resource: str, record_id: str) -> dict[str, Any]:
    """``{id, name, kind}`` of a record a parameter named: an actor's name and kind, a place's name
    and precision, an event's title and type, a source's title (or id)."""
    if resource == "actors":
        ref = db.actor_refs[record_id]
        return {"id": ref["id"], "name": ref["name"], "kind": ref["kind"]}
    if resource == "places":
        name, precision = db.places[record_id]
        return {"id": record_id, "name": name, "kind": precision}
    if resource == "events":
        title, kind = db.execute("SELECT title, type FROM events WHERE id = ?", (record_id,)).fetchone()
        return {"id": record_id, "name": title, "kind": kind}
    (body,) = db.execute("SELECT body FROM sources WHERE id = ?", (record_id,)).fetchone()
    return {"id": record_id, "name": json.loads(body)["title"] or record_id, "kind": None}


def _suggestions(names: list[str]) -> str:
    return f" Did you mean {' or '.join(repr(n) for n in names)}?" if names else ""


def resolve_actor(
    db: Database, parameter: str, value: str, include_affiliates: bool, *, expand: bool = True
) -> Resolution:
    key = ("actor", parameter, value, include_affiliates, expand)
    return db.remember(key, lambda: _resolve_actor(db, parameter, value, include_affiliates, expand))  # type: ignore[no-any-return]


def _resolve_actor(db: Database, parameter: str, value: str, include_affiliates: bool, expand: bool) -> Resolution:
    """An id, name or alias (case-insensitive) -> the actor, and its affiliates if asked.

    With ``expand=False`` the filter covers the named actor alone, whatever ``include_affiliates``
    says (``affiliated_with``: its affiliates are what the filter's SQL reaches, ``include_affiliates``
    says how deep); the flag is then reported only for an actor that was found.
    """
    key = normalize_name(value)
    actor_id = db.lookup.get(key)
    if actor_id is None:
        close = difflib.get_close_matches(key, db.lookup.keys(), n=3, cutoff=0.75)
        names = list(dict.fromkeys(db.actor_refs[db.lookup[c]]["name"] for c in close))
        message = f"No actor is named {value!r}.{_suggestions(names)}"
        return Resolution(parameter, value, "actors", None, include_affiliates and expand, (), message)
    ids = db.affiliates[actor_id] if include_affiliates and expand else [actor_id]
    return Resolution(parameter, value, "actors", actor_id, include_affiliates, tuple(ids), None)


def resolve_record(db: Database, parameter: str, value: str, table: str, noun: str) -> Resolution:
    """An event or source id: the record, or why there is none, with the ids nearest in spelling
    (looked for among the ids next to it in sort order, so that a large corpus costs no more)."""
    return db.remember(("record", parameter, value, table), lambda: _resolve_record(db, parameter, value, table, noun))  # type: ignore[no-any-return]


def _resolve_record(db: Database, parameter: str, value: str, table: str, noun: str) -> Resolution:
    if db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (value,)).fetchone():
        return Resolution(parameter, value, table, value, None, (value,), None)
    nearby = [
        row[0]
        for sql in (
            f"SELECT id FROM {table} WHERE id < ? ORDER BY id DESC LIMIT 50",
            f"SELECT id FROM {table} WHERE id > ? ORDER BY id LIMIT 50",
        )
        for row in db.execute(sql, (value,))
    ]
    close = difflib.get_close_matches(value, nearby, n=3, cutoff=0.6)
    return Resolution(parameter, value, table, None, None, (), f"No {noun} has id {value!r}.{_suggestions(close)}")


_CODE = re.compile(r"^[A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?$")  # ISO 3166-1 country or 3166-2 region
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class PlaceResolution:
    """A ``location`` value: what to report, and the keys of the build's place link tables it names."""

    resolution: Resolution
    keys: tuple[str, ...]


def resolve_place(db: Database, parameter: str, value: str) -> PlaceResolution:
    return db.remember(("place", parameter, value), lambda: _resolve_place(db, parameter, value))  # type: ignore[no-any-return]


def _resolve_place(db: Database, parameter: str, value: str) -> PlaceResolution:
    """``location``: the keys of the build's place link tables that a value names.

    A place's id, name or any alias or spelling (``Sudzha``, ``Suzhansky district``, ``the Kursk
    region``), case-insensitively, is a key: each record is filed under its place and every place
    that contains it, so one key finds them all. So is an ISO 3166-2 region (``RU-KRS``) or ISO
    3166-1 country (``RU``) code that names no place. Failing those, every place with a name that
    contains the words (``kursk``), as SQLite's LIKE '%words%' would match them (case-insensitive
    for ASCII)."""

    def found(
        matched: str | None, keys: tuple[str, ...], ids: tuple[str, ...], message: str | None = None
    ) -> PlaceResolution:
        return PlaceResolution(Resolution(parameter, value, "places", matched, None, ids, message), keys)

    key = normalize_name(value)
    exact = db.place_lookup.get(key) or db.place_lookup.get(key.removeprefix("the "))
    if exact is not None:
        return found(exact, (exact,), (exact, *db.places_within[exact]))
    if _CODE.match(value):
        code = value.upper()
        ids = tuple(p for p, codes in db.place_codes.items() if code in codes)
        message = None if ids else f"No place in the registry lies in {code!r} (an ISO 3166 country or region code)."
        return found(None, (code,), ids, message)
    needle = value.translate(_ASCII_LOWER)
    keys = tuple(sorted({place_id for name, place_id in db.place_names if needle in name.translate(_ASCII_LOWER)}))
    if keys:
        return found(None, keys, tuple(dict.fromkeys(p for k in keys for p in (k, *db.places_within[k]))))
    close = difflib.get_close_matches(key, db.place_lookup.keys(), n=3, cutoff=0.6)
    names = list(dict.fromkeys(db.places[db.place_lookup[c]][0] for c in close))
    return found(None, (), (), f"No place is named {value!r}.{_suggestions(names)}")
