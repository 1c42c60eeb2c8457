"""Adding an article to the corpus: the text copied into seeds/ under the naming rule, and a draft
annotation beside it for the analyst to code (``flask --app api new-source``, ``make new-source``).

The naming rule: ``NNN_<16 hex>.txt``, where NNN is one more than the highest sequence number in
the folder (three digits, zero-padded; a gap is the number of a removed source) and the
hex digits are the first 16 of the SHA-256 of the file's bytes.

The draft holds what the machine can know for sure (every quotation of the text, verbatim, with its
span, as the build will find it; a speaker where a registry name is the subject of a speech verb
next to the quotation; the registry actors and places the text names) and a ``TODO`` wherever an
analyst must decide. The build refuses a document while any value is still ``TODO``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import text
from .build import load

TODO = load.TODO  # the word the build refuses: one definition for the draft and the check
# NNN_<16 hex>.txt or .yaml: the two seeds that predate the rule follow this shape too.
SEED_NAME = re.compile(r"^(?P<number>[0-9]{3})_[0-9a-f]{16}\.(?:txt|yaml)$")
LAST_NUMBER = 999
# Verbs that report speech, as they follow their subject: `Seoul said`, `"…," said Hong Min`.
SPEECH_VERBS = (
    "said",
    "says",
    "say",
    "stated",
    "states",
    "told",
    "tells",
    "added",
    "adds",
    "warned",
    "warns",
    "noted",
    "notes",
    "argued",
    "argues",
    "stressed",
    "stresses",
    "called",
    "calls",
    "claimed",
    "claims",
    "insisted",
    "insists",
    "declared",
    "announced",
    "asked",
    "explained",
    "wrote",
    "replied",
    "urged",
)
# Words allowed between a subject and its verb: `Seoul also said`.
_ADVERB = r"(?:(?:also|further|later|then|earlier|previously|again|separately)\s+)?"
_VERB = r"(?:" + "|".join(SPEECH_VERBS) + r")(?![\w])"
_ACCORDING = r"(?i:according)\s+to\s+"
_THE = r"(?:the\s+)?"  # `said the NIS`, `according to the NIS`: the article is not part of the name
_LINKS = r"(?:in|of|at|from|for|with|by|near|on|to|and|or|but|who|which|that)"
_MARKS = '"“”'


class DraftError(ValueError):
    """The article cannot be added; nothing was written."""


@dataclass(frozen=True)
class Names:
    """The names and aliases of one registry (actors or places), matched case-sensitively, the
    longest first, on word boundaries."""

    ids: dict[str, str]  # words -> id
    pattern: str  # the alternation, longest first, without boundaries

    @classmethod
    def of(cls, entries: list[dict[str, Any]]) -> Names:
        ids: dict[str, str] = {}
        for entry in entries:
            for words in [entry.get("name"), *(entry.get("aliases") or [])]:
                if isinstance(words, str) and words.strip() and isinstance(entry.get("id"), str):
                    ids.setdefault(words.strip(), entry["id"])
        pattern = "|".join(re.escape(words) for words in sorted(ids, key=lambda w: (-len(w), w)))
        return cls(ids, pattern)

    def find_all(self, body: str) -> list[tuple[str, str, int]]:
        """(id, words, position) of every name in ``body``, left to right."""
        if not self.ids:
            return []
        found = re.finditer(rf"(?<![\w])(?:{self.pattern})(?![\w])", body)
        return [(self.ids[m.group(0)], m.group(0), m.start()) for m in found]


@dataclass(frozen=True)
class Quotation:
    """One quotation of the text, as the build finds it, and the statement the draft opens for it."""

    span: text.Span  # the words inside the marks
    words: str  # body[span.start:span.end]
    quote: str  # the words, less the trailing punctuation the build lets a quote leave out
    occurrences: int  # how often ``quote`` occurs in the text (more than once: it needs an anchor)
    speaker: tuple[str, str] | None  # (actor id, the words as written) when found next to it


@dataclass(frozen=True)
class NewSource:
    """What ``new_source`` wrote."""

    text_path: Path
    annotation_path: Path
    quotations: list[Quotation]


# -- the name of a new seed -----------------------------------------------------------------


def next_number(seeds_dir: Path) -> int:
    """One more than the highest sequence number of any seed file in ``seeds_dir`` (1 if none)."""
    numbers = [int(m.group("number")) for p in seeds_dir.iterdir() if (m := SEED_NAME.match(p.name))]
    return max(numbers, default=0) + 1


def source_id(number: int, raw: bytes) -> str:
    """The id (file name without extension) of a text: ``NNN_<first 16 hex of its sha256>``."""
    if not 0 <= number <= LAST_NUMBER:
        raise DraftError(f"sequence number {number} does not fit in three digits")
    return f"{number:03d}_{hashlib.sha256(raw).hexdigest()[:16]}"


def read_article(path: Path) -> tuple[bytes, str]:
    """The article's bytes and its text; DraftError unless it is non-empty UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DraftError(f"{path}: cannot be read: {exc}") from None
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DraftError(f"{path}: is not UTF-8 ({exc}); convert it first, the seeds keep texts as UTF-8") from None
    if not body.strip():
        raise DraftError(f"{path}: is empty")
    return raw, body


def already_there(seeds_dir: Path, raw: bytes, article: Path | None = None) -> Path | None:
    """The text in ``seeds_dir`` with exactly these bytes, if there is one (``article`` itself,
    dropped into the folder before it was added, does not count)."""
    digest = hashlib.sha256(raw).hexdigest()
    for path in sorted(seeds_dir.glob("*.txt")):
        if article is not None and path.resolve() == article.resolve():
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            return path
    return None


# -- what the draft can say for sure --------------------------------------------------------


def find_quotations(body: str, actors: Names) -> list[Quotation]:
    """Every quotation of ``body`` (``data.text.quotations``: what the build checks) with the
    speaker found next to it, if any."""
    found = []
    for span in text.quotations(body):
        words = body[span.start : span.end]
        quote = words.rstrip(text.TRAILING_PUNCTUATION + " ") or words
        speaker = speaker_after(body, span, actors) or speaker_before(body, span, actors)
        found.append(Quotation(span, words, quote, body.count(quote), speaker))
    return found


def speaker_after(body: str, span: text.Span, actors: Names) -> tuple[str, str] | None:
    """A registry name as the subject of a speech verb right after the closing mark, in the same
    paragraph: `"…," Seoul said`, `"…," Kremlin spokesman Dmitry Peskov said`, `"…," said Hong
    Min`, `"…," according to Seoul`. Not after a quotation that closes its sentence with a period:
    what follows is a new sentence."""
    if not actors.ids or body[span.start : span.end].rstrip().endswith("."):
        return None
    rest = body[span.end + 1 : text.paragraph_around(body, span.start).end]
    name = rf"(?P<name>{actors.pattern})(?![\w])"
    # A title before the name (`Kremlin spokesman`), but no preposition: in `an official in Moscow
    # said`, Moscow is not the one who speaks.
    gap = rf"(?:(?!(?:{_VERB}|{_LINKS}(?![\w])))[\w'’.-]+\s+){{0,4}}?"
    lead = r"^[\s,;:]*"
    for pattern in (
        rf"{lead}{gap}(?<![\w]){name}\s+{_ADVERB}{_VERB}",
        rf"{lead}{_ADVERB}{_VERB}\s+{_THE}{name}",
        rf"{lead}{_ACCORDING}{_THE}{name}",
    ):
        match = re.match(pattern, rest)
        if match:
            return actors.ids[match.group("name")], match.group("name")
    return None


def speaker_before(body: str, span: text.Span, actors: Names) -> tuple[str, str] | None:
    """A registry name as the subject of the last speech verb before the opening mark, in the same
    sentence and after any earlier quotation: `Seoul said, "…"`, `Peskov told reporters: "…"`,
    `According to Seoul, "…"`. None when another speech verb comes between (`Seoul said analysts
    called it "…"`: the analysts speak)."""
    if not actors.ids:
        return None
    opening = span.start - 1
    start = text.sentence_around(body, span).start
    start = max([start] + [body.rfind(mark, start, opening) + 1 for mark in _MARKS])
    before = body[start:opening]
    name = rf"(?<![\w])(?P<name>{actors.pattern})(?![\w])"
    matches = [
        *re.finditer(rf"{name}\s+{_ADVERB}{_VERB}", before),
        *re.finditer(rf"(?<![\w]){_ACCORDING}{_THE}{name}", before),
    ]
    if not matches:
        return None
    last = max(matches, key=lambda m: m.end())
    if re.search(rf"(?<![\w])(?:{_VERB}|{_ACCORDING})", before[last.end() :]):
        return None
    return actors.ids[last.group("name")], last.group("name")


def mentions(body: str, names: Names) -> dict[str, list[str]]:
    """id -> the distinct words that name it in ``body``, ids in order of first mention."""
    found: dict[str, list[str]] = {}
    for name_id, words, _ in names.find_all(body):
        seen = found.setdefault(name_id, [])
        if words not in seen:
            seen.append(words)
    return found


# -- the draft ------------------------------------------------------------------------------


def scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as exactly ``value`` in block or flow context,
    on one line: plain where that is safe, quoted (with escapes) where not."""
    dumped = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=2**31 - 1).strip()[1:-1]
    if any(ch in dumped for ch in "\n\r\x85\u2028\u2029"):
        dumped = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=2**31 - 1).rstrip("\n")
    return dumped


def draft_annotation(
    name: str, body: str, actors: Names, places: Names, published: dt.date | None = None
) -> tuple[str, list[Quotation]]:
    """The draft annotation of the text ``name`` (``NNN_<hash>.txt``) and the quotations it lists."""
    quotations = find_quotations(body, actors)
    lines = [
        f"# DRAFT coding of {name} (format: seeds/README.md), written by `flask --app api new-source`.",
        "# `make check` rejects this file, naming each TODO, until every TODO is replaced by a coded value.",
        "# Below: one statement per quotation of the text (the build requires each to be covered), with",
        "# the speaker filled in where a registry name says it next to the quotation: check each one.",
        "# Then add the paraphrased statements, the events and the casualty claims the text reports.",
        "document:",
        f"  outlet: {TODO}  # actor id of the publishing outlet, or null if the text does not say",
        f"  outlet_basis: {TODO}",
    ]
    if published is not None:
        lines += [f"  published: {published.isoformat()}", "  published_basis: stated"]
    else:
        lines += [
            f"  published: {TODO}  # a day (2025-04-30), a window {{not_before: …, not_after: …}}, or null",
            f"  published_basis: {TODO}  # stated | inferred | unknown",
        ]
    lines += [f"  published_note: {TODO}", "  language: en", f"  summary: {TODO}", ""]
    lines.append("statements:" if quotations else "statements: []  # the text has no quotation")
    for quotation in quotations:
        lines.append(f"# quotation at chars {quotation.span.start}-{quotation.span.end}")
        if quotation.occurrences > 1:
            lines.append(f"# the quote occurs {quotation.occurrences} times in the text: add an anchor")
        lines.append(f"- id: {TODO}")
        actor, as_written = quotation.speaker or (TODO, TODO)
        lines.append(f"  speakers: [{{actor: {scalar(actor)}, as_written: {scalar(as_written)}}}]")
        lines += [
            f"  quote: {scalar(quotation.quote)}",
            f"  kind: {TODO}  # direct_quote | partial_quote",
            f"  stance: {TODO}",
            f"  summary: {TODO}",
            "  targets: []",
        ]
    lines += ["", "events: []", "", "casualties: []", ""]
    lines += _mention_block("Registry actors the text names (seeds/actors.yaml)", mentions(body, actors))
    lines += _mention_block("Registry places the text names (seeds/places.yaml)", mentions(body, places))
    return "\n".join(lines) + "\n", quotations


def _mention_block(title: str, found: dict[str, list[str]]) -> list[str]:
    if not found:
        return [f"# {title}: none."]
    # a comment is one line: a registry name with a line break in it must not end it
    return [f"# {title}, id: the words found:"] + [
        f"#   {name_id}: " + " ".join(", ".join(words).split()) for name_id, words in found.items()
    ]


def registry(seeds_dir: Path, name: str) -> Names:
    """The names and aliases of seeds/actors.yaml or seeds/places.yaml (``name``: actors, places)."""
    path = seeds_dir / f"{name}.yaml"
    if not path.is_file():
        raise DraftError(f"{seeds_dir}: is not a seeds folder: {name}.yaml is missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DraftError(f"{path}: cannot be read: {exc}") from None
    entries = data.get(name) if isinstance(data, dict) else None
    return Names.of([e for e in entries or [] if isinstance(e, dict)])


def new_source(article: Path, seeds_dir: Path, published: dt.date | None = None) -> NewSource:
    """Copy ``article`` byte for byte into ``seeds_dir`` under the naming rule and write its draft
    annotation beside it. DraftError, with nothing written, when the text is empty, not UTF-8 or
    already in the folder."""
    raw, body = read_article(Path(article))
    seeds_dir = Path(seeds_dir)
    actors, places = registry(seeds_dir, "actors"), registry(seeds_dir, "places")
    duplicate = already_there(seeds_dir, raw, Path(article))
    if duplicate is not None:
        raise DraftError(f"{article}: is already in the corpus, byte for byte, as {duplicate.name}")
    name = source_id(next_number(seeds_dir), raw)
    annotation, quotations = draft_annotation(f"{name}.txt", body, actors, places, published)
    text_path, annotation_path = seeds_dir / f"{name}.txt", seeds_dir / f"{name}.yaml"
    with open(text_path, "xb") as out:
        out.write(raw)
    try:
        with open(annotation_path, "x", encoding="utf-8", newline="\n") as draft:
            draft.write(annotation)
    except BaseException:
        text_path.unlink()
        raise
    return NewSource(text_path, annotation_path, quotations)
