"""The one error type of the build: every problem names its file, its record and its field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BuildError:
    file: str  # as the annotator knows it: seeds/<name>.yaml
    path: str  # the record and field, e.g. statements[4].quote ("" for the whole file)
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


class BuildFailed(Exception):
    """Raised with every error found; the build then writes nothing."""

    def __init__(self, errors: list[BuildError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def flatten_messages(messages: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """marshmallow's nested error dict -> (path, message) pairs, e.g. ("statements[4].quote", ...)."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
        return
    if isinstance(messages, list):
        for item in messages:
            yield from flatten_messages(item, path)
        return
    for key, value in messages.items():
        if key == "_schema":
            sub = path
        elif isinstance(key, int):
            sub = f"{path}[{key}]"
        else:
            sub = f"{path}.{key}" if path else str(key)
        yield from flatten_messages(value, sub)


_SECTIONS = {"document": 0, "statements": 1, "events": 2, "casualties": 3}
_RECORD = re.compile(r"^(\w+)(?:\[(\d+)\])?")


def _record_key(path: str) -> tuple[int, float]:
    """Where a path's record stands in its file: (section, index); a whole section after its records."""
    match = _RECORD.match(path)
    if match is None or match.group(1) not in _SECTIONS:
        return (len(_SECTIONS), 0)
    index = match.group(2)
    return (_SECTIONS[match.group(1)], int(index) if index is not None else float("inf"))


def in_record_order(errors: list[BuildError], record_firsts: list[BuildError]) -> list[BuildError]:
    """One file's ``errors`` (in the order its checks found them) with ``record_firsts`` (errors
    found apart, such as repeated ids, each to come first among its record's errors) merged in
    at their record's place."""
    merged = list(errors)
    position = 0
    for error in record_firsts:
        key = _record_key(error.path)
        while position < len(merged) and _record_key(merged[position].path) < key:
            position += 1
        merged.insert(position, error)
        position += 1
    return merged
