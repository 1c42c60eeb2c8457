"""Render the "Vocabularies" section of seeds/README.md: every value, its definition, its first use.

    .venv/bin/python scripts/codebook.py            # rewrite the section in place
    .venv/bin/python scripts/codebook.py --check    # exit 1 when the README is out of date

The values come from schemas/vocab.py, their definitions from schemas/codebook.py, and each example
from the seeds: the first record that uses the value (the annotations in file order, and in each
the document, then its statements, events and casualties; the registries for actor kinds and place
precisions). The seeds are read with PyYAML as they are, defaults filled in here, so a half-coded
draft does not stop the script. Dates are resolved as the build resolves them (data/dates.py). The
section lies between ``START`` and ``END``; tests/test_codebook.py runs ``--check``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from data import dates  # noqa: E402
from schemas import codebook, vocab  # noqa: E402

START, END = "<!-- codebook:vocabularies -->", "<!-- /codebook:vocabularies -->"
README = ROOT / "seeds" / "README.md"
SEEDS = ROOT / "seeds"
NOT_USED = "— (not yet used in the seeds)"
MAX_WORDS = 100  # characters of a quote, anchor or summary shown as an example

Record = dict[str, Any]


@dataclass(frozen=True)
class Document:
    id: str  # NNN_<hash>
    annotation: Record

    @property
    def number(self) -> str:
        return self.id[:3]


@dataclass(frozen=True)
class Seeds:
    actors: list[Record]
    places: list[Record]
    documents: list[Document]


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load(seeds: Path) -> Seeds:
    """The registries and every annotation, in file order (what the build reads)."""
    actors = (_read(seeds / "actors.yaml") or {}).get("actors") or []
    places = (_read(seeds / "places.yaml") or {}).get("places") or []
    documents = [
        Document(path.stem, _read(path) or {})
        for path in sorted(seeds.glob("*.yaml"))
        if path.stem not in ("actors", "places")
    ]
    return Seeds(actors, places, documents)


# -- how an example reads ------------------------------------------------------------------------


def short(words: str, limit: int = MAX_WORDS) -> str:
    """``words`` on one line, cut at a word boundary to at most ``limit`` characters."""
    words = " ".join(str(words).split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def quoted(words: str) -> str:
    return f"“{short(words)}”"


def cite(doc: Document, record: Record, words: str) -> str:
    return f"`{record.get('id')}` ({doc.number}): {words}"


def said(record: Record) -> str:
    """A statement in its own words: its quote, else its anchor, else its summary."""
    words = record.get("quote") or record.get("anchor") or record.get("summary") or ""
    return quoted(words)


def day_span(found: dates.DateRange) -> str:
    if found.start is None and found.end is None:
        return "no date"
    if found.precision == "month" and found.start is not None:
        return f"{found.start:%Y-%m}"
    if found.precision == "year" and found.start is not None:
        return f"{found.start:%Y}"
    if found.start == found.end:
        return str(found.start)
    return f"{found.start or '…'} to {found.end or '…'}"


def window(value: Any) -> str:
    if isinstance(value, dict):
        return f"not before {value.get('not_before')}, not after {value.get('not_after')}"
    return str(value)


# -- the records of the seeds, in order ----------------------------------------------------------


def records(seeds: Seeds, key: str) -> Iterator[tuple[Document, Record]]:
    """Every record of one kind (``statements``, ``events``, ``casualties``), in corpus order."""
    for doc in seeds.documents:
        for record in doc.annotation.get(key) or []:
            if isinstance(record, dict):
                yield doc, record


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def published(doc: Document) -> dates.DateRange:
    """The publication day or window, as the build takes it."""
    meta = doc.annotation.get("document") or {}
    value, basis = meta.get("published"), meta.get("published_basis", "unknown")
    if isinstance(value, dict):
        return dates.DateRange.window(_as_date(value.get("not_before")), _as_date(value.get("not_after")), None, basis)
    day = _as_date(value)
    return dates.DateRange.day(day, None, basis) if day else dates.DateRange.unknown(None)


def resolve(when: Record, anchor: dates.DateRange) -> dates.DateRange | None:
    """A ``when`` as the build resolves it (None when it does not resolve: the build says why)."""
    if when.get("text") is None:
        return dates.DateRange.window(
            _as_date(when.get("not_before")), _as_date(when.get("not_after")), None, "inferred"
        )
    direction, precision = when.get("direction", "past"), when.get("precision")
    try:
        if when.get("relative_to") is not None:
            anchor = dates.resolve_within(when["relative_to"], anchor)
        return dates.resolve_within(when["text"], anchor, direction, precision)
    except dates.DateError:
        return None


@dataclass(frozen=True)
class Dated:
    when: Record | None  # the annotation as written (None: the publication, or a default)
    found: dates.DateRange
    example: str


def dated(seeds: Seeds) -> Iterator[Dated]:
    """Every date of the seeds: each publication, each ``when``, each ``as_of`` (or its default)."""
    for doc in seeds.documents:
        pub = published(doc)
        meta = doc.annotation.get("document") or {}
        if meta.get("published") is not None:
            yield Dated(None, pub, f"`{doc.id}` `published`: {window(meta['published'])}")
        records = [(r, "when") for r in doc.annotation.get("statements") or []]
        records += [(r, "when") for r in doc.annotation.get("events") or []]
        records += [(r, "as_of") for r in doc.annotation.get("casualties") or []]
        for record, key in records:
            when = record.get(key)
            if when is None and key == "as_of" and pub.basis != "unknown":
                default = dates.DateRange.window(pub.start, pub.end, None, "inferred")
                yield Dated(None, default, cite(doc, record, f"no `as_of`: publication, {day_span(default)}"))
            elif isinstance(when, dict) and (found := resolve(when, pub)) is not None:
                written = quoted(when["text"]) if when.get("text") else window(when)
                yield Dated(when, found, cite(doc, record, f"{written} → {day_span(found)}"))


# -- each vocabulary: where annotators write it, and its uses in the seeds ------------------------

Uses = Callable[[Seeds], Iterator[tuple[Any, str]]]


def _registry(key: str, field: str) -> Uses:
    def uses(seeds: Seeds) -> Iterator[tuple[Any, str]]:
        for entry in getattr(seeds, key):
            yield entry.get(field), f"`{entry.get('id')}`: {entry.get('name')}"

    return uses


def _statement(field: str, default: str | None = None) -> Uses:
    def uses(seeds: Seeds) -> Iterator[tuple[Any, str]]:
        for doc, st in records(seeds, "statements"):
            yield st.get(field, default), cite(doc, st, said(st))

    return uses


def _channels(seeds: Seeds) -> Iterator[tuple[Any, str]]:
    for doc, st in records(seeds, "statements"):
        for link in st.get("via") or []:
            if isinstance(link, dict):
                yield link.get("channel"), cite(doc, st, said(st))


def _event(field: str) -> Uses:
    def uses(seeds: Seeds) -> Iterator[tuple[Any, str]]:
        for doc, ev in records(seeds, "events"):
            claimants = ", ".join(f"`{a}`" for a in ev.get("asserted_by") or [])
            by = f" (asserted by {claimants})" if claimants and field == "certainty" else ""
            yield ev.get(field), cite(doc, ev, short(ev.get("title") or "") + by)

    return uses


def _roles(seeds: Seeds) -> Iterator[tuple[Any, str]]:
    for doc, ev in records(seeds, "events"):
        for part in ev.get("participants") or []:
            if isinstance(part, dict):
                yield part.get("role"), cite(doc, ev, f"`{part.get('actor')}`")


def _casualty(field: str) -> Uses:
    def uses(seeds: Seeds) -> Iterator[tuple[Any, str]]:
        for doc, cas in records(seeds, "casualties"):
            yield cas.get(field), cite(doc, cas, quoted(cas.get("anchor") or ""))

    return uses


def _published_bases(seeds: Seeds) -> Iterator[tuple[Any, str]]:
    for doc in seeds.documents:
        meta = doc.annotation.get("document") or {}
        yield meta.get("published_basis"), f"`{doc.id}`: {window(meta.get('published'))}"


def _dates(what: str) -> Uses:
    """Uses of a date's ``basis``, ``precision`` or ``direction`` (only dates as written have one)."""

    def uses(seeds: Seeds) -> Iterator[tuple[Any, str]]:
        for date in dated(seeds):
            if what != "direction":
                yield getattr(date.found, what), date.example
            elif date.when is not None and date.when.get("text") is not None:
                yield date.when.get("direction", "past"), date.example

    return uses


# Name in schemas/vocab.py -> (heading, where annotators meet it, its uses in the seeds), in README order.
VOCABULARIES: dict[str, tuple[str, str, Uses]] = {
    "ACTOR_KINDS": ("Actor kinds", "`kind` of an actor (actors.yaml)", _registry("actors", "kind")),
    "STATEMENT_KINDS": ("Statement kinds", "`kind` of a statement", _statement("kind")),
    "STANCES": ("Stances", "`stance` of a statement: what the speaker does", _statement("stance")),
    "CHANNELS": ("Channels", "`channel` of each link of a statement's `via`", _channels),
    "EVENT_TYPES": ("Event types", "`type` of an event, with its default PLOVER category", _event("type")),
    "EVENT_STATUSES": ("Event statuses", "`status` of an event: where it lies in time", _event("status")),
    "EVENT_CERTAINTIES": ("Event certainties", "`certainty` of an event: how sure the source is", _event("certainty")),
    "PARTICIPANT_ROLES": ("Participant roles", "`role` of each of an event's `participants`", _roles),
    "CASUALTY_CATEGORIES": ("Casualty categories", "`category` of a casualty claim", _casualty("category")),
    "CASUALTY_QUALIFIERS": ("Casualty qualifiers", "`qualifier` of a casualty claim", _casualty("qualifier")),
    "DATE_BASES": (
        "Date bases",
        "The basis the build computes for every date (`published_basis` takes a subset)",
        _dates("basis"),
    ),
    "PUBLISHED_BASES": ("Publication bases", "`published_basis` of a document", _published_bases),
    "ATTRIBUTIONS": (
        "Attributions",
        "`attribution` of a statement (default `explicit`)",
        _statement("attribution", "explicit"),
    ),
    "PLACE_PRECISIONS": ("Place precisions", "`precision` of a place (places.yaml)", _registry("places", "precision")),
    "DATE_PRECISIONS": (
        "Date precisions",
        "`precision` of a date (computed; written only as `unknown`)",
        _dates("precision"),
    ),
    "DATE_DIRECTIONS": ("Date directions", "`direction` of a `when` (default `past`)", _dates("direction")),
}


def first_uses(uses: Uses, seeds: Seeds) -> dict[str, str]:
    """Each value used in the seeds -> its first use."""
    found: dict[str, str] = {}
    for value, example in uses(seeds):
        if isinstance(value, str) and value not in found:
            found[value] = example
    return found


def render_vocabulary(name: str, seeds: Seeds) -> list[str]:
    title, where, uses = VOCABULARIES[name]
    first = first_uses(uses, seeds)
    plover = name == "EVENT_TYPES"
    header = (
        ["value", "PLOVER", "meaning", "first use in the seeds"]
        if plover
        else ["value", "meaning", "first use in the seeds"]
    )
    lines = [f"### {title}", "", f"{where[0].upper()}{where[1:]}; `{name}` in schemas/vocab.py.", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for value in codebook.VOCABULARIES[name]:
        cells = [f"`{value}`"] + ([vocab.EVENT_TYPES[value] or "none"] if plover else [])
        cells += [codebook.definition(name, value), first.get(value, NOT_USED)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if plover:
        categories = ", ".join(f"`{c}`" for c in vocab.PLOVER_CATEGORIES)
        lines += ["", f"An event's `plover` overrides the default with one of the PLOVER categories: {categories}."]
    return lines + [""]


def render(seeds_dir: Path = SEEDS) -> str:
    """The whole section, markers included."""
    seeds = load(seeds_dir)
    lines = [
        START,
        "",
        "## Vocabularies",
        "",
        "Generated by `scripts/codebook.py` from `schemas/vocab.py` (the values) and `schemas/codebook.py`",
        "(their definitions); do not edit it here. Each example is the first record of the seeds that uses",
        "the value (the annotations in file order, in each the document, then statements, events and",
        "casualties; `(000)` names the seed it is in). After changing a vocabulary, a definition or the",
        "seeds, run `.venv/bin/python scripts/codebook.py`; `tests/test_codebook.py` fails while this",
        "section is stale.",
        "",
    ]
    for name in VOCABULARIES:
        lines += render_vocabulary(name, seeds)
    lines.append(END)
    return "\n".join(lines)


def splice(readme: str, section: str) -> str:
    """``readme`` with the text from START to END replaced by ``section``."""
    start, end = readme.find(START), readme.find(END)
    if start == -1 or end == -1 or end < start:
        raise ValueError(f"the README needs the markers {START} and {END}, in that order")
    return readme[:start] + section + readme[end + len(END) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the README is out of date")
    parser.add_argument("--readme", type=Path, default=README, help="the codebook (default: seeds/README.md)")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="the seeds folder (default: seeds/)")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    try:
        wanted = splice(current, render(args.seeds))
    except ValueError as exc:
        print(f"{args.readme}: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if wanted != current:
            print(
                f"{args.readme}: the Vocabularies section is out of date; run .venv/bin/python scripts/codebook.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if wanted != current:
        args.readme.write_text(wanted, encoding="utf-8")
        print(f"{args.readme}: Vocabularies section rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
