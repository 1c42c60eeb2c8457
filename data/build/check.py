"""Stage 2: the rules that need more than one record's shape.

``DocumentChecker.check`` checks one document against the registry and its own text (quotes verbatim,
anchors found once, every quotation covered, dates resolvable, figures in their anchor) and computes
the mechanics every record carries: spans, excerpts, resolved dates. It returns the checked
document, which render turns into rows, and its ``DocumentFacts``: the little the rest of the
corpus needs to know about it (ids, references to other records, counts), which ``CorpusIndex``
gathers. References between documents are checked there, once every document has been seen.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from .. import dates, text
from ..dates import DateRange
from .errors import BuildError
from .load import DocumentCache, LoadedDocument

Record = dict[str, Any]  # an annotation as the schema loaded it, with what check computed added


@dataclass(frozen=True)
class Support:
    """A source that reports an event, where, and the sentence around it."""

    source_id: str
    span: text.Span
    excerpt: str
    excerpt_span: text.Span  # where ``span`` is inside ``excerpt``


@dataclass(frozen=True)
class Reference:
    """A reference to another record, to check once every id is known."""

    file: str
    path: str  # the field that holds it
    kind: Literal["event", "related", "statement", "part_of"]
    target: str
    owner: str  # the id of the record that refers
    value: int = 0  # part_of: the figure that must fit in its parent's


@dataclass
class DocumentFacts:
    """What the rest of the corpus needs from one document: small, kept for every document."""

    file: str
    source_id: str
    title: str | None
    outlet: str | None
    published: DateRange
    statement_ids: list[tuple[str, str]] = field(default_factory=list)  # (id, path of its id field)
    event_ids: list[tuple[str, str]] = field(default_factory=list)
    casualty_ids: list[tuple[str, str]] = field(default_factory=list)
    event_refs: list[Record] = field(default_factory=list)  # id, type, title, dates, place id
    casualty_refs: list[Record] = field(default_factory=list)  # id, category, value
    statement_summaries: dict[str, str] = field(default_factory=dict)  # of statements its casualties cite
    speakers: list[str] = field(default_factory=list)  # one per (statement, distinct speaker)
    speaker_sets: list[tuple[str, ...]] = field(default_factory=list)  # one per statement: its distinct speakers
    participants: list[str] = field(default_factory=list)  # one per (event, distinct participant)
    also_reports: list[str] = field(default_factory=list)  # other sources, one per event they also report
    references: list[Reference] = field(default_factory=list)


@dataclass
class CheckedDocument:
    """One document with every record checked and its mechanics computed: all render needs."""

    source: LoadedDocument
    byline: dict[str, Any] | None
    images: list[dict[str, Any]]
    published: DateRange
    statements: list[Record]  # + source_id, span, excerpt, excerpt_span, when; each speaker + span
    events: list[Record]  # + source_id, supports, when
    casualties: list[Record]  # + source_id, span, excerpt, excerpt_span, as_of_range


class DocumentChecker:
    """Checks one document; every error names the document, the record and the field."""

    def __init__(
        self, source: LoadedDocument, actors: dict[str, Record], places: dict[str, Record], others: DocumentCache
    ):
        self.source = source
        self.actors = actors
        self.places = places
        self.others = others
        self.errors: list[BuildError] = []
        self.published = self._published()
        self.images = text.images(source.text)
        self.captions = [img["span"] for img in self.images]

    def error(self, path: str, message: str) -> None:
        self.errors.append(BuildError(self.source.file, path, message))

    def actor(self, path: str, actor_id: str | None) -> None:
        if actor_id is not None and actor_id not in self.actors:
            self.error(path, f"unknown actor id {actor_id!r}")

    def location(self, path: str, location: Record | None) -> None:
        """A place of the registry, and the words that name it as they are in the text."""
        if location is None:
            return
        if location["place"] not in self.places:
            self.error(f"{path}.place", f"unknown place id {location['place']!r}")
        if location["as_written"] is not None and location["as_written"] not in self.source.text:
            self.error(f"{path}.as_written", f"not found verbatim in {self.source.text_name}")

    def _published(self) -> DateRange:
        """The publication date: a day, a window, or unknown, with how it was determined."""
        doc = self.source.document
        start, end = doc["published"] or (None, None)
        basis = doc["published_basis"]
        if (start is None and end is None) != (basis == "unknown"):
            self.error("document.published_basis", "is unknown exactly when published is null")
        if start is None and end is None:
            return DateRange.unknown(None)
        return DateRange.window(start, end, None, basis)

    def not_in_caption(self, path: str, span: text.Span | None) -> None:
        """A caption is not a report: nothing is coded from one."""
        if span is not None and any(span.within(caption) for caption in self.captions):
            self.error(path, "is inside an image caption; captions are not coded")

    def locate(
        self, path: str, needle: str, within: text.Span | None = None, source: LoadedDocument | None = None
    ) -> text.Span | None:
        source = source or self.source
        try:
            return text.locate(source.text, needle, within)
        except text.AnchorError as exc:
            where = source.text_name + (" (inside its anchor)" if within else "")
            self.error(path, f"{exc} in {where}" if "not found" in str(exc) else f"{exc} ({where})")
            return None

    def when(self, path: str, when: Record | None) -> DateRange:
        """A ``when`` annotation resolved against the publication date (or its relative_to), or the
        window the annotator inferred."""
        if when is None:
            return DateRange.unknown(None)
        if when["text"] is None:
            return DateRange.window(when["not_before"], when["not_after"], None, "inferred")
        body = self.source.text
        # Dates as written repeat ("Monday"); they need only occur, not be unique.
        if when["text"] not in body:
            self.error(f"{path}.text", f"not found verbatim in {self.source.text_name}")
            return DateRange.unknown(when["text"])
        anchor = self.published
        if when["relative_to"] is not None:
            if when["relative_to"] not in body:
                self.error(f"{path}.relative_to", f"not found verbatim in {self.source.text_name}")
                return DateRange.unknown(when["text"])
            try:
                anchor = dates.resolve_within(when["relative_to"], anchor)
            except dates.DateError as exc:
                self.error(f"{path}.relative_to", str(exc))
                return DateRange.unknown(when["text"])
        try:
            resolved = dates.resolve_within(when["text"], anchor, when["direction"], when["precision"])
        except dates.DateError as exc:
            self.error(f"{path}.text", str(exc))
            return DateRange.unknown(when["text"])
        if when["precision"] not in (None, resolved.precision):
            self.error(f"{path}.precision", f"the text gives {resolved.precision} precision, not {when['precision']}")
        if when["relative_to"] is not None and resolved.basis == "stated":
            self.error(f"{path}.relative_to", f"{when['text']!r} is a whole date; it is not relative to anything")
        if when["basis"] == "inferred":  # the words date another record; carried over to this one
            return dataclasses.replace(resolved, basis="inferred")
        return resolved

    def excerpt(self, span: text.Span | None, source: LoadedDocument | None = None) -> Record:
        """The sentence around ``span`` and where the span is inside it (``excerpt``, ``excerpt_span``;
        '' and None when the span was not found, which is an error)."""
        if span is None:
            return {"excerpt": "", "excerpt_span": None}
        body = (source or self.source).text
        around = text.sentence_around(body, span)
        return {"excerpt": body[around.start : around.end], "excerpt_span": text.relative(span, around)}

    # -- the records of one document ---------------------------------------------------------

    def check(self) -> tuple[CheckedDocument, DocumentFacts]:
        source, doc = self.source, self.source.document
        facts = DocumentFacts(source.file, source.id, doc["title"], doc["outlet"], self.published)
        self.actor("document.outlet", doc["outlet"])
        statements = self._statements(facts)
        events = self._events(facts)
        casualties = self._casualties(facts)
        cited = {c["statement"] for c in casualties if c["statement"] is not None}
        facts.statement_summaries = {s["id"]: s["summary"] for s in statements if s["id"] in cited}
        checked = CheckedDocument(
            source, text.byline(source.text), self.images, self.published, statements, events, casualties
        )
        return checked, facts

    def _statements(self, facts: DocumentFacts) -> list[Record]:
        records, quoted = [], []  # quoted: (span, statement index) of every quote, for coverage
        for i, st in enumerate(self.source.statements):
            p = f"statements[{i}]"
            facts.statement_ids.append((st["id"], f"{p}.id"))
            for j, target in enumerate(st["targets"]):
                self.actor(f"{p}.targets[{j}]", target)
            for j, link in enumerate(st["via"]):
                self.actor(f"{p}.via[{j}].actor", link["actor"])
            anchor = self.locate(f"{p}.anchor", st["anchor"]) if st["anchor"] else None
            span = anchor
            if st["quote"] is not None:
                span = self.locate(f"{p}.quote", st["quote"], within=anchor)
                if span is not None:
                    quoted.append((span, i))
            self.not_in_caption(f"{p}.{'quote' if st['quote'] else 'anchor'}", span)
            speakers = self._speakers(p, st, span)
            when = self.when(f"{p}.when", st["when"])
            records.append(
                dict(st, speakers=speakers, source_id=self.source.id, span=span, **self.excerpt(span), when=when)
            )
            distinct = tuple({s["actor"]: None for s in st["speakers"]})
            facts.speakers += distinct
            facts.speaker_sets.append(distinct)
            if st["event"] is not None:
                facts.references.append(Reference(self.source.file, f"{p}.event", "event", st["event"], st["id"]))
        self._check_quotations(quoted)
        return records

    def _speakers(self, p: str, st: Record, span: text.Span | None) -> list[Record]:
        """Each speaker with where the text names it: nearest the statement, in its paragraph or
        the one before. The outlet's own voice is the outlet's, and names no one."""
        speakers = []
        for j, speaker in enumerate(st["speakers"]):
            path = f"{p}.speakers[{j}]"
            self.actor(f"{path}.actor", speaker["actor"])
            named = None
            if speaker["as_written"] is not None and span is not None:
                quote = span if st["quote"] is not None else None  # the speaker is not named inside the quote
                named = text.nearest(
                    self.source.text, speaker["as_written"], span, skip=[*self.captions, *([quote] if quote else [])]
                )
                if named is None:
                    self.error(f"{path}.as_written", "not found in the statement's paragraph or the one before")
            speakers.append({**speaker, "span": named})
        if st["attribution"] == "outlet":
            outlet = self.source.document["outlet"]
            if outlet is None or [s["actor"] for s in st["speakers"]] != [outlet]:
                self.error(f"{p}.attribution", "the outlet's own voice has the document's outlet as its one speaker")
        return speakers

    def _check_quotations(self, quoted: list[tuple[text.Span, int]]) -> None:
        """Every quotation in the text belongs to exactly one statement, and quotes are whole."""
        body = self.source.text
        quotations = text.quotations(body)
        for quotation in quotations:
            owners = [i for span, i in quoted if text.covers(span, quotation, body)]
            words = body[quotation.start : quotation.end]
            short = words if len(words) <= 60 else words[:57] + "..."
            if not owners:
                where = f"{quotation.start}-{quotation.end}"
                self.error("statements", f"quotation at {where} is not covered by any statement: {short!r}")
            elif len(owners) > 1:
                self.error(
                    f"statements[{owners[1]}].quote",
                    f"quotation {short!r} is already covered by statements[{owners[0]}]",
                )
        for span, i in quoted:
            if not any(text.covers(span, q, body) for q in quotations):
                self.error(f"statements[{i}].quote", "is not a whole quotation: quote all the words between the marks")

    def _events(self, facts: DocumentFacts) -> list[Record]:
        records = []
        for i, ev in enumerate(self.source.events):
            p = f"events[{i}]"
            facts.event_ids.append((ev["id"], f"{p}.id"))
            for j, part in enumerate(ev["participants"]):
                self.actor(f"{p}.participants[{j}].actor", part["actor"])
            for j, claimant in enumerate(ev["asserted_by"]):
                self.actor(f"{p}.asserted_by[{j}]", claimant)
            if ev["certainty"] == "confirmed" and ev["asserted_by"]:
                self.error(f"{p}.asserted_by", "a confirmed event is reported as fact: leave asserted_by out")
            self.location(f"{p}.location", ev["location"])
            own = self.locate(f"{p}.anchor", ev["anchor"])
            self.not_in_caption(f"{p}.anchor", own)
            supports = [Support(self.source.id, own, **self.excerpt(own))] if own else []
            for j, extra in enumerate(ev["also_reported_in"]):
                support = self._support(f"{p}.also_reported_in[{j}]", extra)
                if support is not None:
                    supports.append(support)
            when = self.when(f"{p}.when", ev["when"])
            records.append(dict(ev, source_id=self.source.id, supports=supports, when=when))
            place = ev["location"]["place"] if ev["location"] else None
            facts.event_refs.append(
                {
                    "id": ev["id"],
                    "type": ev["type"],
                    "title": ev["title"],
                    "date_start": when.start,
                    "date_end": when.end,
                    "date_precision": when.precision,
                    "place": place,
                }
            )
            facts.participants += list({part["actor"]: None for part in ev["participants"]})
            facts.also_reports += list({s.source_id: None for s in supports if s.source_id != self.source.id})
            for j, related in enumerate(ev["related"]):
                facts.references.append(Reference(self.source.file, f"{p}.related[{j}]", "related", related, ev["id"]))
        return records

    def _support(self, path: str, extra: Record) -> Support | None:
        """Another source that reports the event: its anchor must be in that source's text."""
        if extra["source"] == self.source.id:
            self.error(f"{path}.source", "is this event's own source")
            return None
        other = self.others.get(extra["source"])
        if other is None:
            if not self.others.exists(extra["source"]):
                self.error(f"{path}.source", f"unknown source {extra['source']!r}")
            # else: that document failed to load and reports its own errors; this would be noise
            return None
        span = self.locate(f"{path}.anchor", extra["anchor"], source=other)
        return Support(other.id, span, **self.excerpt(span, other)) if span else None

    def _casualties(self, facts: DocumentFacts) -> list[Record]:
        records, published = [], self.published
        for i, cas in enumerate(self.source.casualties):
            p = f"casualties[{i}]"
            facts.casualty_ids.append((cas["id"], f"{p}.id"))
            self.actor(f"{p}.party", cas["party"])
            self.actor(f"{p}.claimed_by", cas["claimed_by"])
            self.location(f"{p}.location", cas["location"])
            span = self.locate(f"{p}.anchor", cas["anchor"])
            self.not_in_caption(f"{p}.anchor", span)
            if span is not None and not _figure_in(cas["value"], cas["anchor"]):
                self.error(f"{p}.value", f"{cas['value']} does not appear in its anchor")
            as_of = self.when(f"{p}.as_of", cas["as_of"])
            if cas["as_of"] is None and published.basis != "unknown":
                # The text gives no date: the figure is taken to hold as of publication (inferred).
                as_of = DateRange.window(published.start, published.end, None, "inferred")
            records.append(dict(cas, source_id=self.source.id, span=span, **self.excerpt(span), as_of_range=as_of))
            facts.casualty_refs.append({"id": cas["id"], "category": cas["category"], "value": cas["value"]})
            file = self.source.file
            if cas["statement"] is not None:
                facts.references.append(Reference(file, f"{p}.statement", "statement", cas["statement"], cas["id"]))
            if cas["part_of"] is not None:
                facts.references.append(
                    Reference(file, f"{p}.part_of", "part_of", cas["part_of"], cas["id"], cas["value"])
                )
        return records


def _figure_in(value: int, words: str) -> bool:
    return f"{value:,}" in words or str(value) in words
