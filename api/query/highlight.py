"""Highlights: where the words of a full-text search (``q``) occur in the fields it searched.

The words are those ``fts_query`` makes of ``q``, matched as SQLite FTS5 matches them with the
build's tokenizer (``unicode61 remove_diacritics 2``): text is split into tokens of letters,
numbers and private-use characters, each folded to lower case with the diacritics of Latin letters
removed, so ``cafe`` finds "Café"; a quoted word that holds several tokens (``foo_bar``) is a phrase,
and a trailing ``*`` makes its last token a prefix. Spans are offsets in Unicode code points, as
FTS5's ``highlight()`` would mark them (overlapping matches merged). Characters assigned after the
Unicode version SQLite's tables know (rare scripts and symbols) may tokenize differently.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TypedDict

import orjson

from .filters import fts_query

# The fields each searched resource's full-text table indexes (data/build/write.py), by blueprint.
SEARCHED_FIELDS: dict[str, tuple[str, ...]] = {
    "statements": ("quote", "summary"),
    "events": ("title", "description"),
}

# The combining marks unicode61 keeps inside a token and folds to nothing (remove_diacritics).
_DIACRITICS = frozenset(
    [0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x309, 0x30A, 0x30B, 0x30C, 0x30F]
    + [0x311, 0x31B, 0x323, 0x324, 0x325, 0x326, 0x327, 0x328, 0x32D, 0x32E, 0x330, 0x331]
)
_TERM = re.compile(r'"([^"]*)"(\*?)')


class Highlight(TypedDict):
    field: str
    start: int
    end: int


def fold(char: str) -> str | None:
    """The character as the tokenizer indexes it: None for a separator, '' for a diacritic."""
    code = ord(char)
    if code < 128:
        return char.lower() if char.isalnum() else None
    if code in _DIACRITICS:
        return ""
    category = unicodedata.category(char)
    if category[0] not in "LN" and category not in ("Co", "Cn"):
        return None
    folded = char.casefold()
    if len(folded) != 1:
        folded = char.lower() if len(char.lower()) == 1 else char
    decomposed = unicodedata.normalize("NFD", folded)
    if len(decomposed) > 1 and decomposed[0].isascii() and all(unicodedata.combining(c) for c in decomposed[1:]):
        return decomposed[0].lower()  # a Latin letter with diacritics
    return folded


class _Folding(dict[int, str]):
    """Code point -> the one character it is indexed as, for ``str.translate``: NUL for a separator,
    SOH for a diacritic (kept in place, so that offsets hold); filled in as characters are met (a
    few thousand in real text; a bounded number kept)."""

    def __missing__(self, code: int) -> str:
        folded = fold(chr(code))
        value = "\0" if folded is None else folded or "\1"
        if len(self) < 50_000:
            self[code] = value
        return value


_FOLDING = _Folding()
_RUN = re.compile("[^\0]+")


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded token) for every token of ``text``."""
    return [(m.start(), m.end(), m.group().replace("\1", "")) for m in _RUN.finditer(text.translate(_FOLDING))]


@functools.lru_cache(maxsize=256)
def terms(query: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """The phrases ``q`` searches for: (their folded tokens, whether the last is a prefix)."""
    found: list[tuple[tuple[str, ...], bool]] = []
    for word, star in _TERM.findall(fts_query(query)):
        phrase = tuple(token for _, _, token in tokens(word))
        if phrase and (phrase, bool(star)) not in found:
            found.append((phrase, bool(star)))
    return tuple(found)


@functools.lru_cache(maxsize=256)
def _patterns(phrases: tuple[tuple[tuple[str, ...], bool], ...]) -> tuple[re.Pattern[str], ...]:
    """A pattern per phrase, over folded text (``text.translate(_FOLDING)``: NUL between tokens, SOH for a
    diacritic kept in place) that finds every match of each phrase, overlapping ones included (a
    lookahead, so that the search moves on by one character rather than past the match): its
    tokens one after the other, separated by NULs, each a whole token (the last one a prefix with
    ``*``); a diacritic may stand anywhere in a token, as ``tokens`` drops it. (One pattern per
    phrase: alternatives would report only the first that matches at a position.)"""

    def token(value: str) -> str:
        return "\x01*" + "\x01*".join(re.escape(c) for c in value) + "\x01*"

    patterns = []
    for phrase, prefix in phrases:
        body = "\x00+".join(token(t) for t in phrase) + ("[^\x00]*" if prefix else "")
        patterns.append(re.compile(f"(?=((?<![^\x00]){body}(?![^\x00])))"))
    return tuple(patterns)


def _spans(text: str, phrases: tuple[tuple[tuple[str, ...], bool], ...]) -> list[tuple[int, int]]:
    """Where the phrases match in ``text``, overlapping matches merged: as matching ``tokens(text)``
    against each phrase would find them, by one regular expression over the folded text."""
    folded = text.translate(_FOLDING)
    spans = sorted({(m.start(), m.end(1)) for pattern in _patterns(phrases) for m in pattern.finditer(folded)})
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlights(fields: Mapping[str, str | None], query: str) -> list[Highlight]:
    """Every match of the words of ``query`` in ``fields`` (name -> text, None for no text), in
    the order of the fields, then of the text."""
    phrases = terms(query)
    return [
        {"field": name, "start": start, "end": end}
        for name, text in fields.items()
        if text
        for start, end in _spans(text, phrases)
    ]


def with_highlights(bodies: Sequence[str], fields: Sequence[str], query: str) -> list[str]:
    """Record bodies (JSON objects) with their ``highlights`` in ``fields`` added."""
    out = []
    for body in bodies:
        record = orjson.loads(body)
        record["highlights"] = highlights({name: record.get(name) for name in fields}, query)
        out.append(orjson.dumps(record).decode())
    return out
