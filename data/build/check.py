"""Stage 2: the rules that need more than one record's shape.

``check_actors`` checks the registry (unique names and aliases, known affiliations, no cycles).
``DocumentChecker.check`` checks one document against the registry and its own text (quotes verbatim,
anchors found once, every quotation covered, dates resolvable, figures in their anchor) and computes
the mechanics every record carries: spans, excerpts, resolved dates. It returns the checked
document, which render turns into rows, and its ``DocumentFacts``: the little the rest of the
corpus needs to know about it (ids, references to other records, counts), which ``CorpusIndex``
gathers. References between documents are checked there, once every document has been seen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from schemas.names import normalize_name

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
    published: dt.date | None
    statement_ids: list[tuple[str, str]] = field(default_factory=list)  # (id, path of its id field)
    event_ids: list[tuple[str, str]] = field(default_factory=list)
    casualty_ids: list[tuple[str, str]] = field(default_factory=list)
    event_refs: list[Record] = field(default_factory=list)  # id, type, title
    casualty_refs: list[Record] = field(default_factory=list)  # id, category, value
    statement_summaries: dict[str, str] = field(default_factory=dict)  # of statements its casualties cite
    speakers: list[str] = field(default_factory=list)  # one per statement
    participants: list[str] = field(default_factory=list)  # one per (event, distinct participant)
    also_reports: list[str] = field(default_factory=list)  # other sources, one per event they also report
    references: list[Reference] = field(default_factory=list)


@dataclass
class CheckedDocument:
    """One document with every record checked and its mechanics computed: all render needs."""

    source: LoadedDocument
    byline: dict[str, Any] | None
    images: list[dict[str, Any]]
    statements: list[Record]  # + source_id, span, excerpt, when
    events: list[Record]  # + source_id, supports, when
    casualties: list[Record]  # + source_id, span, excerpt, as_of_range


def check_actors(actors_list: list[Record], file: str, errors: list[BuildError]) -> dict[str, Record]:
    """The registry's actors by id; names, aliases and ids must each name one actor only, and
    affiliation must form a tree of known actors."""
    actors: dict[str, Record] = {}
    owner_of: dict[str, str] = {}  # normalized name/alias/id -> actor id
    for i, actor in enumerate(actors_list):
        if actor["id"] in actors:
            errors.append(BuildError(file, f"actors[{i}].id", f"duplicate id {actor['id']!r}"))
            continue
        actor["_index"] = i
        actors[actor["id"]] = actor
    for actor in actors.values():
        i = actor["_index"]
        keys = [("id", actor["id"]), ("name", actor["name"])]
        keys += [(f"aliases[{j}]", alias) for j, alias in enumerate(actor["aliases"])]
        own = set()
        for where, value in keys:
            key = normalize_name(value)
            if where == "id":
                key = normalize_name(value.replace("-", " "))
                if owner_of.get(key, actor["id"]) != actor["id"]:
                    errors.append(
                        BuildError(file, f"actors[{i}].id", f"{value!r} already names actor {owner_of[key]!r}")
                    )
                owner_of[key] = actor["id"]
                owner_of[normalize_name(value)] = actor["id"]
                continue  # an id may spell the same as the name ("russia", "Russia")
            if key in own:
                errors.append(BuildError(file, f"actors[{i}].{where}", f"{value!r} repeats another name of this actor"))
                continue
            own.add(key)
            other = owner_of.get(key)
            if other is not None and other != actor["id"]:
                errors.append(BuildError(file, f"actors[{i}].{where}", f"{value!r} already names actor {other!r}"))
                continue
            owner_of[key] = actor["id"]
        parent = actor["affiliation"]
        if parent is not None and parent not in actors:
            errors.append(BuildError(file, f"actors[{i}].affiliation", f"unknown actor id {parent!r}"))
    _check_affiliation_tree(actors, file, errors)
    return actors


def _check_affiliation_tree(actors: dict[str, Record], file: str, errors: list[BuildError]) -> None:
    """Walk up from each actor and look for a repeat."""
    reported = set()
    for actor in actors.values():
        seen: list[str] = []
        node = actor["id"]
        while node is not None and node in actors:
            if node in seen:
                cycle = seen[seen.index(node) :] + [node]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    path = f"actors[{actors[node]['_index']}].affiliation"
                    errors.append(BuildError(file, path, "affiliation cycle: " + " -> ".join(cycle)))
                break
            seen.append(node)
            node = actors[node]["affiliation"]


class DocumentChecker:
    """Checks one document; every error names the document, the record and the field."""

    def __init__(self, source: LoadedDocument, actors: dict[str, Record], others: DocumentCache):
        self.source = source
        self.actors = actors
        self.others = others
        self.errors: list[BuildError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(BuildError(self.source.file, path, message))

    def actor(self, path: str, actor_id: str | None) -> None:
        if actor_id is not None and actor_id not in self.actors:
            self.error(path, f"unknown actor id {actor_id!r}")

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
        """A ``when`` annotation resolved against the publication date (or its relative_to)."""
        if when is None:
            return DateRange.unknown(None)
        body = self.source.text
        # Dates as written repeat ("Monday"); they need only occur, not be unique.
        if when["text"] not in body:
            self.error(f"{path}.text", f"not found verbatim in {self.source.text_name}")
            return DateRange.unknown(when["text"])
        anchor = self.source.document["published"]
        if when["relative_to"] is not None:
            if when["relative_to"] not in body:
                self.error(f"{path}.relative_to", f"not found verbatim in {self.source.text_name}")
                return DateRange.unknown(when["text"])
            try:
                anchor = dates.resolve(when["relative_to"], anchor).start
            except dates.DateError as exc:
                self.error(f"{path}.relative_to", str(exc))
                return DateRange.unknown(when["text"])
        try:
            resolved = dates.resolve(when["text"], anchor, when["direction"], when["precision"])
        except dates.DateError as exc:
            self.error(f"{path}.text", str(exc))
            return DateRange.unknown(when["text"])
        if when["precision"] not in (None, resolved.precision):
            self.error(f"{path}.precision", f"the text gives {resolved.precision} precision, not {when['precision']}")
        return resolved

    def excerpt(self, span: text.Span | None, source: LoadedDocument | None = None) -> str:
        """The sentence around ``span`` ('' when the span was not found, which is an error)."""
        if span is None:
            return ""
        body = (source or self.source).text
        around = text.sentence_around(body, span)
        return body[around.start : around.end]

    # -- the records of one document ---------------------------------------------------------

    def check(self) -> tuple[CheckedDocument, DocumentFacts]:
        source, doc = self.source, self.source.document
        facts = DocumentFacts(source.file, source.id, doc["title"], doc["outlet"], doc["published"])
        self.actor("document.outlet", doc["outlet"])
        statements = self._statements(facts)
        events = self._events(facts)
        casualties = self._casualties(facts)
        cited = {c["statement"] for c in casualties if c["statement"] is not None}
        facts.statement_summaries = {s["id"]: s["summary"] for s in statements if s["id"] in cited}
        checked = CheckedDocument(
            source, text.byline(source.text), text.images(source.text), statements, events, casualties
        )
        return checked, facts

    def _statements(self, facts: DocumentFacts) -> list[Record]:
        records, quoted = [], []  # quoted: (span, statement index) of every quote, for coverage
        for i, st in enumerate(self.source.statements):
            p = f"statements[{i}]"
            facts.statement_ids.append((st["id"], f"{p}.id"))
            self.actor(f"{p}.speaker", st["speaker"])
            for j, target in enumerate(st["targets"]):
                self.actor(f"{p}.targets[{j}]", target)
            if st["via"]:
                self.actor(f"{p}.via.actor", st["via"]["actor"])
            anchor = self.locate(f"{p}.anchor", st["anchor"]) if st["anchor"] else None
            span = anchor
            if st["quote"] is not None:
                span = self.locate(f"{p}.quote", st["quote"], within=anchor)
                if span is not None:
                    quoted.append((span, i))
            when = self.when(f"{p}.when", st["when"])
            records.append(dict(st, source_id=self.source.id, span=span, excerpt=self.excerpt(span), when=when))
            facts.speakers.append(st["speaker"])
            if st["event"] is not None:
                facts.references.append(Reference(self.source.file, f"{p}.event", "event", st["event"], st["id"]))
        self._check_quotations(quoted)
        return records

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
            own = self.locate(f"{p}.anchor", ev["anchor"])
            supports = [Support(self.source.id, own, self.excerpt(own))] if own else []
            for j, extra in enumerate(ev["also_reported_in"]):
                support = self._support(f"{p}.also_reported_in[{j}]", extra)
                if support is not None:
                    supports.append(support)
            when = self.when(f"{p}.when", ev["when"])
            records.append(dict(ev, source_id=self.source.id, supports=supports, when=when))
            facts.event_refs.append({"id": ev["id"], "type": ev["type"], "title": ev["title"]})
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
        return Support(other.id, span, self.excerpt(span, other)) if span else None

    def _casualties(self, facts: DocumentFacts) -> list[Record]:
        records, published = [], self.source.document["published"]
        for i, cas in enumerate(self.source.casualties):
            p = f"casualties[{i}]"
            facts.casualty_ids.append((cas["id"], f"{p}.id"))
            self.actor(f"{p}.party", cas["party"])
            self.actor(f"{p}.claimed_by", cas["claimed_by"])
            span = self.locate(f"{p}.anchor", cas["anchor"])
            if span is not None and not _figure_in(cas["value"], cas["anchor"]):
                self.error(f"{p}.value", f"{cas['value']} does not appear in its anchor")
            as_of = self.when(f"{p}.as_of", cas["as_of"])
            if cas["as_of"] is None and published is not None:
                as_of = DateRange(published, published, "day", None)  # as of the day it was published
            records.append(
                dict(cas, source_id=self.source.id, span=span, excerpt=self.excerpt(span), as_of_range=as_of)
            )
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
