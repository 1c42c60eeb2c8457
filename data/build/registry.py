"""The two registries every document refers to: actors (seeds/actors.yaml) and places
(seeds/places.yaml). Each name, alias and id names one entry only, and the parent links
(an actor's ``affiliation``, a place's ``within``) form a tree of known entries."""

from __future__ import annotations

from typing import Any

from schemas.names import normalize_name

from .errors import BuildError

Record = dict[str, Any]


def check_actors(actors_list: list[Record], file: str, errors: list[BuildError]) -> dict[str, Record]:
    """The registry's actors by id (names and aliases unique, affiliation a tree)."""
    return _check_registry(actors_list, "actors", "affiliation", "actor", file, errors)


def check_places(places_list: list[Record], file: str, errors: list[BuildError]) -> dict[str, Record]:
    """The registry's places by id (names and aliases unique, ``within`` a tree)."""
    return _check_registry(places_list, "places", "within", "place", file, errors)


def _check_registry(
    entries: list[Record], key: str, parent_field: str, noun: str, file: str, errors: list[BuildError]
) -> dict[str, Record]:
    found: dict[str, Record] = {}
    owner_of: dict[str, str] = {}  # normalized name/alias/id -> entry id
    for i, entry in enumerate(entries):
        if entry["id"] in found:
            errors.append(BuildError(file, f"{key}[{i}].id", f"duplicate id {entry['id']!r}"))
            continue
        entry["_index"] = i
        found[entry["id"]] = entry
    for entry in found.values():
        i = entry["_index"]
        names = [("id", entry["id"]), ("name", entry["name"])]
        names += [(f"aliases[{j}]", alias) for j, alias in enumerate(entry["aliases"])]
        own = set()
        for where, value in names:
            if "," in value:  # the API reads a comma as between two values (actor=Seoul,Moscow)
                errors.append(
                    BuildError(
                        file, f"{key}[{i}].{where}", f"{value!r} has a comma; a filter would read it as two names"
                    )
                )
            norm = normalize_name(value)
            if where == "id":
                norm = normalize_name(value.replace("-", " "))
                if owner_of.get(norm, entry["id"]) != entry["id"]:
                    errors.append(
                        BuildError(file, f"{key}[{i}].id", f"{value!r} already names {noun} {owner_of[norm]!r}")
                    )
                owner_of[norm] = entry["id"]
                owner_of[normalize_name(value)] = entry["id"]
                continue  # an id may spell the same as the name ("russia", "Russia")
            if norm in own:
                errors.append(BuildError(file, f"{key}[{i}].{where}", f"{value!r} repeats another name of this {noun}"))
                continue
            own.add(norm)
            other = owner_of.get(norm)
            if other is not None and other != entry["id"]:
                errors.append(BuildError(file, f"{key}[{i}].{where}", f"{value!r} already names {noun} {other!r}"))
                continue
            owner_of[norm] = entry["id"]
        parent = entry[parent_field]
        if parent is not None and parent not in found:
            errors.append(BuildError(file, f"{key}[{i}].{parent_field}", f"unknown {noun} id {parent!r}"))
    _check_tree(found, key, parent_field, file, errors)
    return found


def _check_tree(found: dict[str, Record], key: str, parent_field: str, file: str, errors: list[BuildError]) -> None:
    """Walk up from each entry and look for a repeat."""
    reported = set()
    for entry in found.values():
        seen: list[str] = []
        node = entry["id"]
        while node is not None and node in found:
            if node in seen:
                cycle = seen[seen.index(node) :] + [node]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    path = f"{key}[{found[node]['_index']}].{parent_field}"
                    errors.append(BuildError(file, path, f"{parent_field} cycle: " + " -> ".join(cycle)))
                break
            seen.append(node)
            node = found[node][parent_field]


def ancestors(entries: dict[str, Record], entry_id: str, parent_field: str) -> list[str]:
    """``entry_id`` and every entry above it, nearest first."""
    chain, node = [], entry_id
    while node is not None:
        chain.append(node)
        node = entries[node][parent_field]
    return chain
