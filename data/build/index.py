"""What the build knows about the whole corpus, gathered one document at a time.

``CorpusIndex.add`` takes each document's ``DocumentFacts`` in corpus order: it claims the ids
(a repeated id is an error naming the file that has it first), notes the references to check, and
counts. ``check_references`` runs once every document is in. After that the index is complete and
is what ``render`` looks references up in (``actor_ref``, ``source_ref``, ``event_ref``…) and where
every count comes from: counts are known before anything is rendered.

It keeps a few fields per record, never the documents: a build streams through a corpus of any size.
"""

from __future__ import annotations

from collections import Counter

from .check import DocumentFacts, Record, Reference
from .errors import BuildError
from .registry import ancestors

# The order reference errors are reported in: by the kind of record that refers.
_REFERENCE_ORDER = {"event": 0, "related": 1, "statement": 2, "part_of": 2}


class CorpusIndex:
    def __init__(self, actors: dict[str, Record], places: dict[str, Record]):
        self.actors = actors
        self.places = places
        self.sources: dict[str, Record] = {}  # id -> {title, outlet, published}
        self.documents: list[str] = []  # annotation file of each document, in corpus order
        self.statement_document: dict[str, int] = {}  # id -> number of the document that has it first
        self.event_refs: dict[str, Record] = {}  # id -> {id, type, title, dates, place id}
        self.casualty_refs: dict[str, Record] = {}  # id -> {id, category, value}
        self.statement_summaries: dict[str, str] = {}  # of the statements that casualties cite
        self.references: list[Reference] = []
        self.statement_count: Counter[str] = Counter()  # per actor
        self.speaker_sets: Counter[tuple[str, ...]] = Counter()  # statements per set of distinct speakers
        self._with_affiliates: Counter[str] | None = None
        self.event_count: Counter[str] = Counter()  # per actor
        self.source_counts: dict[str, dict[str, int]] = {}
        self.event_document: dict[str, int] = {}
        self.casualty_document: dict[str, int] = {}
        self.registry_digest = ""  # of the registries it was built with (passes.registry_key)

    # -- gathering ---------------------------------------------------------------------------

    def add(self, facts: DocumentFacts) -> list[BuildError]:
        """Take one document's facts; returns its duplicate-id errors."""
        number = len(self.documents)
        self.documents.append(facts.file)
        errors = self._claim(self.statement_document, "statement", facts.statement_ids, facts.file, number)
        errors += self._claim(self.event_document, "event", facts.event_ids, facts.file, number)
        errors += self._claim(self.casualty_document, "casualty", facts.casualty_ids, facts.file, number)
        self.sources[facts.source_id] = {"title": facts.title, "outlet": facts.outlet, "published": facts.published}
        self.event_refs.update((e["id"], e) for e in facts.event_refs)
        self.casualty_refs.update((c["id"], c) for c in facts.casualty_refs)
        self.statement_summaries.update(facts.statement_summaries)
        self.references += facts.references
        self.statement_count.update(facts.speakers)
        self.speaker_sets.update(tuple(sorted(speakers)) for speakers in facts.speaker_sets)
        self.event_count.update(facts.participants)
        counts = self.source_counts.setdefault(facts.source_id, {"event_count": 0})
        counts.update(statement_count=len(facts.statement_ids), casualty_count=len(facts.casualty_ids))
        counts["event_count"] += len(facts.event_ids)
        for other in facts.also_reports:  # events of this document that other sources also report
            self.source_counts.setdefault(other, {"event_count": 0})["event_count"] += 1
        return errors

    def _claim(
        self, registry: dict[str, int], kind: str, ids: list[tuple[str, str]], file: str, number: int
    ) -> list[BuildError]:
        """Record which document has each id first; an id seen before is an error."""
        errors, seen = [], set()
        for record_id, path in ids:
            first = registry.setdefault(record_id, number)
            if first != number or record_id in seen:
                message = f"duplicate {kind} id {record_id!r} (first in {self.documents[first]})"
                errors.append(BuildError(file, path, message))
            seen.add(record_id)
        return errors

    def check_references(self) -> list[BuildError]:
        """References between records, now that every id is known: by the kind of record that
        refers (statements' events, events' related events, casualties'), each in corpus order."""
        errors = []
        for ref in sorted(self.references, key=lambda r: _REFERENCE_ORDER[r.kind]):
            if ref.kind in ("event", "related") and ref.target not in self.event_refs:
                errors.append(BuildError(ref.file, ref.path, f"unknown event id {ref.target!r}"))
            elif ref.kind == "related" and ref.target == ref.owner:
                errors.append(BuildError(ref.file, ref.path, "an event cannot be related to itself"))
            elif ref.kind == "statement" and ref.target not in self.statement_document:
                errors.append(BuildError(ref.file, ref.path, f"unknown statement id {ref.target!r}"))
            elif ref.kind == "part_of":
                parent = self.casualty_refs.get(ref.target)
                if parent is None:
                    errors.append(BuildError(ref.file, ref.path, f"unknown casualty id {ref.target!r}"))
                elif ref.target == ref.owner:
                    errors.append(BuildError(ref.file, ref.path, "a figure cannot be part of itself"))
                elif parent["value"] < ref.value:
                    errors.append(BuildError(ref.file, ref.path, f"{ref.value} cannot be part of {parent['value']}"))
        return errors

    def cited_statements_elsewhere(self) -> dict[int, set[str]]:
        """Statements cited by a casualty of another document, by the document that has them:
        their summaries are read from the checked documents before rendering."""
        wanted: dict[int, set[str]] = {}
        for ref in self.references:
            if ref.kind == "statement" and ref.target not in self.statement_summaries:
                wanted.setdefault(self.statement_document[ref.target], set()).add(ref.target)
        return wanted

    # -- looking up, for render ----------------------------------------------------------------

    def actor_ref(self, actor_id: str | None) -> Record | None:
        if actor_id is None:
            return None
        actor = self.actors[actor_id]
        return {"id": actor["id"], "name": actor["name"], "kind": actor["kind"], "country": actor["country"]}

    def statement_count_with_affiliates(self, actor_id: str) -> int:
        """Statements made by the actor or by any actor affiliated with it, at any depth: each
        statement once, however many of its speakers are (what ``/statements?actor=`` counts)."""
        if self._with_affiliates is None:
            counts: Counter[str] = Counter()
            for speakers, n in self.speaker_sets.items():
                covering = {a for speaker in speakers for a in ancestors(self.actors, speaker, "affiliation")}
                for actor in covering:
                    counts[actor] += n
            self._with_affiliates = counts
        return self._with_affiliates[actor_id]

    def source_ref(self, source_id: str) -> Record:
        source = self.sources[source_id]
        published = source["published"]
        return {
            "id": source_id,
            "title": source["title"],
            "outlet": self.actor_ref(source["outlet"]),
            "published_start": published.start,
            "published_end": published.end,
            "published_basis": published.basis,
        }

    def place_keys(self, location: Record | None) -> list[str]:
        """What a location filter may name to find this location: its place, every place it lies
        within, and the region and country codes of them (``location=Kursk``, ``RU-KRS``, ``RU``)."""
        if location is None:
            return []
        keys: dict[str, None] = {}
        for place_id in ancestors(self.places, location["place"], "within"):
            place = self.places[place_id]
            keys.update(dict.fromkeys(k for k in (place_id, place["region"], place["country"]) if k))
        return list(keys)

    def place_ref(self, place_id: str | None) -> Record | None:
        return None if place_id is None else self.place(place_id)

    def place(self, place_id: str) -> Record:
        """The place as a reference: where it is, not what it is called besides."""
        place = self.places[place_id]
        return {k: place[k] for k in ("id", "name", "region", "country", "lat", "lon", "precision")}

    def location(self, location: Record | None) -> Record | None:
        """An annotated location: the registry's place, with the words the text names it by."""
        if location is None:
            return None
        return {**self.place(location["place"]), "as_written": location["as_written"]}

    def event_ref(self, event_id: str | None) -> Record | None:
        if event_id is None:
            return None
        ref = self.event_refs[event_id]
        return {**ref, "place": self.place_ref(ref["place"])}

    def casualty_ref(self, casualty_id: str | None) -> Record | None:
        return None if casualty_id is None else self.casualty_refs[casualty_id]

    def statement_ref(self, statement_id: str | None) -> Record | None:
        if statement_id is None:
            return None
        return {"id": statement_id, "summary": self.statement_summaries[statement_id]}

    def counts(self) -> dict[str, int]:
        return {
            "sources": len(self.sources),
            "actors": len(self.actors),
            "statements": len(self.statement_document),
            "events": len(self.event_refs),
            "casualties": len(self.casualty_refs),
        }
