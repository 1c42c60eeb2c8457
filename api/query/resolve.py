"""Resolving what a parameter names: an actor id, name or alias -> a complete ``Resolution``.

The actors, their names and aliases and the affiliation tree are read once per database
(``Database._load_actors``); resolving a value is a dictionary lookup, with close matches
suggested when nothing matches.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from schemas.envelopes import RESOLVED_ACTORS_SHOWN
from schemas.names import normalize_name

from ..db import Database


@dataclass(frozen=True)
class Resolution:
    """What an actor-valued parameter matched, as ``meta.resolved`` reports it."""

    parameter: str
    value: str
    matched: str | None  # the actor id the value names, or None
    include_affiliates: bool
    actor_ids: tuple[str, ...]  # the actors the filter covers: none when nothing matched
    message: str | None  # why nothing matched, with suggestions

    def dump(self, db: Database) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "value": self.value,
            "matched": db.actor_refs[self.matched] if self.matched else None,
            "include_affiliates": self.include_affiliates,
            "actor_count": len(self.actor_ids),
            "actors": [db.actor_refs[a] for a in self.actor_ids[:RESOLVED_ACTORS_SHOWN]],
            "message": self.message,
        }


def resolve_actor(
    db: Database, parameter: str, value: str, include_affiliates: bool, *, expand: bool = True
) -> Resolution:
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
        hint = f" Did you mean {' or '.join(repr(n) for n in names)}?" if names else ""
        message = f"No actor is named {value!r}.{hint}"
        return Resolution(parameter, value, None, include_affiliates and expand, (), message)
    ids = db.affiliates[actor_id] if include_affiliates and expand else [actor_id]
    return Resolution(parameter, value, actor_id, include_affiliates, tuple(ids), None)


_CODE = re.compile(r"^[A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?$")  # ISO 3166-1 country or 3166-2 region
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def resolve_place(db: Database, value: str) -> tuple[str, ...]:
    """``location``: the keys of the build's place link tables that a value names.

    A place's id, name or any alias or spelling (``Sudzha``, ``Suzhansky district``, ``the Kursk
    region``), case-insensitively, is a key: each record is filed under its place and every place
    that contains it, so one key finds them all. So is an ISO 3166-2 region (``RU-KRS``) or ISO
    3166-1 country (``RU``) code that names no place. Failing those, every place with a name that
    contains the words (``kursk``), as SQLite's LIKE '%words%' would match them (case-insensitive
    for ASCII)."""
    key = normalize_name(value)
    exact = db.place_lookup.get(key) or db.place_lookup.get(key.removeprefix("the "))
    if exact is not None:
        return (exact,)
    if _CODE.match(value):
        return (value.upper(),)
    needle = value.translate(_ASCII_LOWER)
    return tuple(sorted({place_id for name, place_id in db.place_names if needle in name.translate(_ASCII_LOWER)}))
