"""Mechanics over a source text: finding passages, quotations, sentences, images and bylines.

Offsets are Python string indices, i.e. Unicode code points into the UTF-8-decoded file.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass


class AnchorError(ValueError):
    """A passage that must occur exactly once in a text does not."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def within(self, other: "Span") -> bool:
        return other.start <= self.start and self.end <= other.end


def locate(text: str, needle: str, within: Span | None = None) -> Span:
    """The span of the single occurrence of ``needle`` (inside ``within`` if given)."""
    lo, hi = (within.start, within.end) if within else (0, len(text))
    hits = []
    pos = text.find(needle, lo, hi)
    while pos != -1:
        hits.append(pos)
        pos = text.find(needle, pos + 1, hi)
    if not hits:
        raise AnchorError("not found verbatim")
    if len(hits) > 1:
        raise AnchorError(f"occurs {len(hits)} times; give an anchor that contains it once")
    return Span(hits[0], hits[0] + len(needle))


_PAIRS = (('"', '"'), ("“", "”"))
# Inside quotation marks a quote may end with punctuation that belongs to the reporting sentence.
TRAILING_PUNCTUATION = ",.;:"


def quotations(text: str) -> list[Span]:
    """Spans of the words inside every quotation (straight or curly), paragraph by paragraph."""
    found = []
    offset = 0
    for line in text.split("\n"):
        for opening, closing in _PAIRS:
            pos = 0
            while True:
                start = line.find(opening, pos)
                if start == -1:
                    break
                end = line.find(closing, start + 1)
                if end == -1:
                    break  # an unclosed quotation runs into the next paragraph; not ours to pair
                found.append(Span(offset + start + 1, offset + end))
                pos = end + 1
        offset += len(line) + 1
    return sorted(found, key=lambda s: s.start)


def covers(quote: Span, quotation: Span, text: str) -> bool:
    """True when ``quote`` is the whole quotation, up to trailing punctuation inside the marks."""
    if quote.start != quotation.start or quote.end > quotation.end:
        return False
    return text[quote.end : quotation.end].strip(TRAILING_PUNCTUATION + " ") == ""


_SENTENCE_END = re.compile(r"(?<=[.!?])[”\"]?\s+(?=[A-Z“\"])")
# "U.S. State Department", "Mr. Kim": a period that ends an abbreviation does not end a sentence.
_ABBREVIATION = re.compile(r"(?:\b(?:[A-Z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|St|No|Jr|Sr)\.)$")


def sentence_around(text: str, span: Span) -> Span:
    """The sentence (or sentences) of the paragraph that contain ``span``."""
    para_start = text.rfind("\n", 0, span.start) + 1
    para_end = text.find("\n", span.end)
    para_end = len(text) if para_end == -1 else para_end
    paragraph = text[para_start:para_end]
    start, end = 0, len(paragraph)
    for match in _SENTENCE_END.finditer(paragraph):
        if _ABBREVIATION.search(paragraph, 0, match.start()):
            continue
        boundary_end = match.start() + len(match.group(0).rstrip())  # keep a closing quote mark
        if para_start + match.end() <= span.start:
            start = match.end()
        elif para_start + boundary_end >= span.end:
            end = boundary_end
            break
    return Span(para_start + start, para_start + end)


def relative(span: Span, within: Span) -> Span:
    """``span`` as offsets into the text of ``within``, clipped to it. ``sentence_around`` always
    contains the span it was cut around, so nothing is clipped there; a span that only partly
    overlaps ``within`` keeps the overlap, one outside it becomes empty at the nearer end."""
    length = within.end - within.start
    start = min(max(span.start - within.start, 0), length)
    end = min(max(span.end - within.start, start), length)
    return Span(start, end)


_IMAGE = re.compile(r"^!\[(?P<alt>.*)\]\((?P<url>\S+)\)\s*$")
_CREDIT = re.compile(r"\s*\[(?P<credit>[A-Z][A-Z .&-]*)\]\s*$")
_BYLINE = re.compile(r"^BY (?P<name>[^\[\]]+?)\s*(?:\[(?P<email>[^\s\[\]@]+@[^\s\[\]]+)\])?\s*$")


def images(text: str) -> list[dict]:
    """Markdown image lines: url, caption and the bracketed credit at the caption's end."""
    found = []
    offset = 0
    for line in text.split("\n"):
        match = _IMAGE.match(line)
        if match:
            alt = match.group("alt")
            credit = _CREDIT.search(alt)
            found.append(
                {
                    "url": match.group("url"),
                    "caption": alt[: credit.start()].strip() if credit else alt.strip(),
                    "credit": credit.group("credit").strip() if credit else None,
                    "span": Span(offset, offset + len(line)),
                }
            )
        offset += len(line) + 1
    return found


def byline(text: str) -> dict | None:
    """The 'BY NAME [email]' line, if the text has one."""
    for line in text.split("\n"):
        match = _BYLINE.match(line.strip())
        if match:
            return {"name": match.group("name").strip(), "email": match.group("email")}
    return None


def paragraph_around(text: str, pos: int) -> Span:
    """The line (paragraph) holding the character at ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return Span(start, len(text) if end == -1 else end)


def nearest(text: str, needle: str, span: Span, skip: Sequence[Span] = ()) -> Span | None:
    """The occurrence of ``needle`` closest to ``span`` in its paragraph or the one before (where
    texts name who speaks: "Peskov addressed reporters… He stated that…"), or None. Occurrences
    inside a ``skip`` span (the quotation itself, image captions) do not count, and a paragraph
    that is all skipped (a caption line) is passed over when looking back."""
    paragraph = paragraph_around(text, span.start)
    lo = paragraph.start
    while lo > 0:
        before = paragraph_around(text, lo - 1)
        lo = before.start
        if not any(before.within(s) for s in skip):
            break
    best: Span | None = None
    pos = text.find(needle, lo, paragraph.end)
    while pos != -1:
        hit = Span(pos, pos + len(needle))
        if not any(hit.within(s) for s in skip) and (best is None or _distance(hit, span) < _distance(best, span)):
            best = hit
        pos = text.find(needle, pos + 1, paragraph.end)
    return best


def _distance(hit: Span, span: Span) -> int:
    return span.start - hit.end if hit.end <= span.start else max(0, hit.start - span.end)
