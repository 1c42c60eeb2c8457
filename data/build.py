"""seeds/ in, data/<name>.db out.

``load_corpus`` reads and validates every annotation (shape through the marshmallow annotation
schemas, then the rules that need the whole corpus) and computes the mechanics: spans, excerpts,
dates, bylines, images. ``write_database`` renders every record through the resource schemas and
writes the relational tables. ``build_database`` does both atomically: it writes a temporary file
beside the target and renames it over the target only when everything succeeded.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError

from schemas import annotations as ann
from schemas import resources as res
from schemas import vocab
from schemas.names import normalize_name

from . import dates, text
from .dates import DateRange

SCHEMA_VERSION = "1"
# Code whose change must change the build id (and so every ETag).
_CODE_DIRS = ("data", "schemas")


@dataclass
class BuildError:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}" if self.path else f"{self.file}: {self.message}"


class BuildFailed(Exception):
    def __init__(self, errors: list[BuildError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _flatten(messages, path=""):
    """marshmallow's nested error dict -> [(path, message)], e.g. statements[4].quote."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield path, message
        return
    if isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, path)
        return
    for key, value in messages.items():
        if key == "_schema":
            sub = path
        elif isinstance(key, int):
            sub = f"{path}[{key}]"
        else:
            sub = f"{path}.{key}" if path else str(key)
        yield from _flatten(value, sub)


# --------------------------------------------------------------------------------------------
# Loading and validating


@dataclass
class SourceDoc:
    id: str
    txt_path: Path
    yaml_name: str
    text: str
    sha256: str
    size: int
    document: dict
    statements: list
    events: list
    casualties: list
    dated: dict = field(default_factory=dict)  # when-text -> DateRange, for relative_to


@dataclass
class Corpus:
    actors: dict  # id -> actor annotation
    sources: dict  # id -> SourceDoc
    statements: list  # computed statement records
    events: list
    casualties: list
    input_hash: str


def _display(seeds_dir: Path, name: str) -> str:
    return f"{seeds_dir.name}/{name}"


# libyaml's parser when PyYAML has it (its wheels do): the same safe loading, about 10x faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _schema(cls):
    """One instance per schema class: instantiating a marshmallow schema deep-copies its fields,
    which cost more than the dump itself when done per record."""
    return cls()


def _read_yaml(path: Path, display: str, errors: list[BuildError]):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.append(BuildError(display, "", f"cannot be read: {exc}".replace("\n", " ")))
        return None


def _validate(schema, data, display, errors, prefix=""):
    if data is None:
        data = {}
    try:
        return schema.load(data)
    except ValidationError as exc:
        for path, message in _flatten(exc.messages, prefix):
            errors.append(BuildError(display, path, message))
        return None


def _registry_and_texts(seeds_dir: Path, errors: list[BuildError]):
    """The actor registry (validated) and the texts of ``seeds_dir``: (registry file, actors by id,
    sorted text paths). Annotations without a text, and a folder without texts, are errors."""
    actors_file = seeds_dir / "actors.yaml"
    actors_display = _display(seeds_dir, "actors.yaml")
    if not actors_file.exists():
        raise BuildFailed([BuildError(actors_display, "", "missing: the actor registry is required")])
    registry = _validate(
        _schema(ann.ActorRegistryAnnotation), _read_yaml(actors_file, actors_display, errors), actors_display, errors
    )
    actors = _check_actors(registry["actors"] if registry else [], actors_display, errors)
    txts = sorted(seeds_dir.glob("*.txt"))
    yamls = {p.stem for p in seeds_dir.glob("*.yaml")} - {"actors"}
    for stray in sorted(yamls - {p.stem for p in txts}):
        errors.append(BuildError(_display(seeds_dir, f"{stray}.yaml"), "", f"has no text: {stray}.txt is missing"))
    if not txts:
        errors.append(BuildError(seeds_dir.name, "", "no source texts (*.txt) found"))
    return actors_file, actors, txts


def load_corpus(seeds_dir: Path) -> Corpus:
    seeds_dir = Path(seeds_dir)
    errors: list[BuildError] = []
    hasher = hashlib.sha256()

    actors_file, actors, txts = _registry_and_texts(seeds_dir, errors)

    sources: dict[str, SourceDoc] = {}
    for txt_path, (source, doc_errors, yaml_read) in zip(txts, _load_sources(seeds_dir, txts)):
        hasher.update(txt_path.name.encode() + b"\0" + txt_path.read_bytes() + b"\0")
        if yaml_read:
            yaml_path = txt_path.with_suffix(".yaml")
            hasher.update(yaml_path.name.encode() + b"\0" + yaml_path.read_bytes() + b"\0")
        errors.extend(doc_errors)
        if source is not None:
            sources[source.id] = source
    hasher.update(actors_file.read_bytes())

    # References into a document that failed to load would all be reported as unknown: noise
    # that hides the real error, so they are checked only once every document loads.
    failed = {p.stem for p in txts} - set(sources)
    statements, events, casualties = _check_records(
        actors, sources, errors, check_references=not failed, failed_sources=failed
    )
    if errors:
        raise BuildFailed(errors)
    return Corpus(actors, sources, statements, events, casualties, hasher.hexdigest())


def _load_source(args) -> tuple[SourceDoc | None, list[BuildError], bool]:
    """Read and validate one text and its annotation: (source or None, errors, whether the
    annotation file was read, which decides whether it enters the input hash)."""
    seeds_dir, txt_path = args
    errors: list[BuildError] = []
    doc_display = _display(seeds_dir, txt_path.stem + ".yaml")
    raw = txt_path.read_bytes()
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(BuildError(_display(seeds_dir, txt_path.name), "", f"is not UTF-8: {exc}"))
        return None, errors, False
    if not re.match(vocab.SOURCE_ID_PATTERN, txt_path.stem):
        errors.append(BuildError(_display(seeds_dir, txt_path.name), "", "file name must be NNN_<16 hex digits>.txt"))
        return None, errors, False
    yaml_path = txt_path.with_suffix(".yaml")
    if not yaml_path.exists():
        errors.append(BuildError(doc_display, "", f"missing: {txt_path.name} has no annotation file"))
        return None, errors, False
    loaded = _validate(_schema(ann.SourceAnnotation), _read_yaml(yaml_path, doc_display, errors), doc_display, errors)
    if loaded is None:
        return None, errors, True
    source = SourceDoc(
        id=txt_path.stem,
        txt_path=txt_path,
        yaml_name=doc_display,
        text=body,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        document=loaded["document"],
        statements=loaded["statements"],
        events=loaded["events"],
        casualties=loaded["casualties"],
    )
    return source, errors, True


# Below this many documents a process pool costs more than it saves.
PARALLEL_MIN_SOURCES = 200


def _load_sources(seeds_dir: Path, txts: list[Path], func=None):
    """``func`` (``_load_source`` by default) for every text, in order; on several cores, in
    worker processes (parsing YAML, validating and rendering are most of a large build's time,
    and each document is independent)."""
    func = func or _load_source
    jobs = [(seeds_dir, txt_path) for txt_path in txts]
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(jobs) < PARALLEL_MIN_SOURCES:
        yield from map(func, jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = iter([jobs[i : i + 16] for i in range(0, len(jobs), 16)])
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        # A bounded window of chunks in flight: parsed documents never pile up in memory.
        pending = collections.deque(pool.submit(_run_chunk, func, c) for c in itertools.islice(chunks, 4 * workers))
        while pending:
            yield from pending.popleft().result()
            following = next(chunks, None)
            if following is not None:
                pending.append(pool.submit(_run_chunk, func, following))


def _run_chunk(func, jobs):
    return [func(job) for job in jobs]


class _TextsOnDisk:
    """Another document, for an event's ``also_reported_in``, read from disk when a build streams
    (the documents are not all in memory): None unless it loads and validates, as in load_corpus."""

    def __init__(self, seeds_dir: Path):
        self.seeds_dir = seeds_dir
        self._recent: collections.OrderedDict = collections.OrderedDict()

    def __call__(self, source_id: str) -> SourceDoc | None:
        if source_id in self._recent:
            self._recent.move_to_end(source_id)
            return self._recent[source_id]
        txt_path = self.seeds_dir / f"{source_id}.txt"
        source = _load_source((self.seeds_dir, txt_path))[0] if txt_path.is_file() else None
        self.remember(source, source_id)
        return source

    def remember(self, source: SourceDoc | None, source_id: str | None = None) -> None:
        """Keep a document this process has loaded anyway (valid, or None when it is not)."""
        self._recent[source_id or source.id] = source
        if len(self._recent) > 256:
            self._recent.popitem(last=False)


def _check_actors(actors_list, display, errors) -> dict:
    actors: dict[str, dict] = {}
    owner_of: dict[str, str] = {}  # normalized name/alias/id -> actor id
    for i, actor in enumerate(actors_list):
        if actor["id"] in actors:
            errors.append(BuildError(display, f"actors[{i}].id", f"duplicate id {actor['id']!r}"))
            continue
        actor["_index"] = i
        actors[actor["id"]] = actor
    for actor in actors.values():
        i = actor["_index"]
        keys = [("id", actor["id"]), ("name", actor["name"])] + [
            (f"aliases[{j}]", alias) for j, alias in enumerate(actor["aliases"])
        ]
        own = set()
        for where, value in keys:
            key = normalize_name(value)
            if where == "id":
                key = normalize_name(value.replace("-", " "))
                if owner_of.get(key, actor["id"]) != actor["id"]:
                    errors.append(BuildError(display, f"actors[{i}].id", f"{value!r} already names actor {owner_of[key]!r}"))
                owner_of[key] = actor["id"]
                owner_of[normalize_name(value)] = actor["id"]
                continue  # an id may spell the same as the name ("russia", "Russia")
            if key in own:
                errors.append(BuildError(display, f"actors[{i}].{where}", f"{value!r} repeats another name of this actor"))
                continue
            own.add(key)
            other = owner_of.get(key)
            if other is not None and other != actor["id"]:
                errors.append(
                    BuildError(display, f"actors[{i}].{where}", f"{value!r} already names actor {other!r}")
                )
                continue
            owner_of[key] = actor["id"]
        parent = actor["affiliation"]
        if parent is not None and parent not in actors:
            errors.append(BuildError(display, f"actors[{i}].affiliation", f"unknown actor id {parent!r}"))
    # Affiliation must be a tree: walk up from each actor and look for a repeat.
    reported = set()
    for actor in actors.values():
        seen, node = [], actor["id"]
        while node is not None and node in actors:
            if node in seen:
                cycle = seen[seen.index(node) :] + [node]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    errors.append(
                        BuildError(
                            display,
                            f"actors[{actors[node]['_index']}].affiliation",
                            "affiliation cycle: " + " -> ".join(cycle),
                        )
                    )
                break
            seen.append(node)
            node = actors[node]["affiliation"]
    return actors


class _Checker:
    """Collects errors for one document, with the record path in each message."""

    def __init__(self, source: SourceDoc, errors: list[BuildError]):
        self.source = source
        self.errors = errors

    def error(self, path, message):
        self.errors.append(BuildError(self.source.yaml_name, path, message))

    def locate(self, path, needle, within=None, source=None):
        source = source or self.source
        try:
            return text.locate(source.text, needle, within)
        except text.AnchorError as exc:
            where = f"{source.txt_path.name}" + (" (inside its anchor)" if within else "")
            self.error(path, f"{exc} in {where}" if "not found" in str(exc) else f"{exc} ({where})")
            return None

    def when(self, path, when, default_text=None):
        """Resolve a ``when`` annotation against the publication date (or its relative_to)."""
        if when is None:
            return DateRange.unknown(default_text)
        # Dates as written repeat ("Monday"); they need only occur, not be unique.
        if when["text"] not in self.source.text:
            self.error(f"{path}.text", f"not found verbatim in {self.source.txt_path.name}")
            return DateRange.unknown(when["text"])
        anchor = self.source.document["published"]
        if when["relative_to"] is not None:
            if when["relative_to"] not in self.source.text:
                self.error(f"{path}.relative_to", f"not found verbatim in {self.source.txt_path.name}")
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

    def actor(self, path, actor_id, actors):
        if actor_id is not None and actor_id not in actors:
            self.error(path, f"unknown actor id {actor_id!r}")
            return False
        return True


class _Records:
    """Checks the records of one document at a time (``check``) and, once every document has been
    seen, the references between records (``finish``). What it keeps between documents is the
    ids, and the few references still to check: never the documents themselves, so a build can
    stream through a corpus of any size."""

    def __init__(self, actors, errors: list[BuildError], other_source, defer_claims: bool = False):
        self.actors = actors
        # In a worker process, ids cannot be checked against the whole corpus: each claim is
        # noted (with where its error would go) for resolve_claims in the main process.
        self.defer_claims = defer_claims
        self.claims: list[tuple] = []
        self.errors = errors
        self.other_source = other_source  # source id -> SourceDoc or None (for also_reported_in)
        # Whether a text with that id is there (it then failed to load, and reports its own errors).
        self.source_exists = lambda source_id: False
        self.statement_ids: dict[str, str] = {}  # id -> file that has it first
        self.event_ids: dict[str, str] = {}
        self.casualty_ids: dict[str, str] = {}
        self.casualty_values: dict[str, int] = {}  # for part_of (the last record with an id wins)
        # References to check at the end: (file, path, referenced id, ...)
        self.statement_events: list[tuple] = []
        self.event_related: list[tuple] = []
        self.casualty_refs: list[tuple] = []

    def _claim(self, registry, record_id, where, checker, kind):
        if self.defer_claims:
            self.claims.append((len(self.errors), kind, record_id, where))
            return True
        if record_id in registry:
            checker.error(where, f"duplicate {kind} id {record_id!r} (first in {registry[record_id]})")
            return False
        registry[record_id] = checker.source.yaml_name
        return True

    def check(self, source: SourceDoc):
        """(statements, events, casualties) of ``source``, with spans and dates computed."""
        actors, errors, claim = self.actors, self.errors, self._claim
        statements, events, casualties = [], [], []
        check = _Checker(source, errors)
        doc = source.document
        check.actor("document.outlet", doc["outlet"], actors)
        quoted = []  # (span, statement index) of every quote, for coverage

        for i, st in enumerate(source.statements):
            p = f"statements[{i}]"
            claim(self.statement_ids, st["id"], f"{p}.id", check, "statement")
            check.actor(f"{p}.speaker", st["speaker"], actors)
            for j, target in enumerate(st["targets"]):
                check.actor(f"{p}.targets[{j}]", target, actors)
            if st["via"]:
                check.actor(f"{p}.via.actor", st["via"]["actor"], actors)
            anchor = check.locate(f"{p}.anchor", st["anchor"]) if st["anchor"] else None
            span = anchor
            if st["quote"] is not None:
                span = check.locate(f"{p}.quote", st["quote"], within=anchor)
                if span is not None:
                    quoted.append((span, i))
            record = dict(st, _path=p, source_id=source.id, span=span, when=check.when(f"{p}.when", st["when"]))
            statements.append(record)
            if st["event"] is not None:
                self.statement_events.append((source.yaml_name, p, st["event"]))

        # Every quotation in the text belongs to exactly one statement.
        for quotation in text.quotations(source.text):
            owners = [i for span, i in quoted if text.covers(span, quotation, source.text)]
            words = source.text[quotation.start : quotation.end]
            short = words if len(words) <= 60 else words[:57] + "..."
            if not owners:
                check.error(
                    "statements",
                    f"quotation at {quotation.start}-{quotation.end} is not covered by any statement: {short!r}",
                )
            elif len(owners) > 1:
                check.error(
                    f"statements[{owners[1]}].quote",
                    f"quotation {short!r} is already covered by statements[{owners[0]}]",
                )
        for span, i in quoted:
            if not any(text.covers(span, q, source.text) for q in text.quotations(source.text)):
                check.error(f"statements[{i}].quote", "is not a whole quotation: quote all the words between the marks")

        for i, ev in enumerate(source.events):
            p = f"events[{i}]"
            claim(self.event_ids, ev["id"], f"{p}.id", check, "event")
            for j, part in enumerate(ev["participants"]):
                check.actor(f"{p}.participants[{j}].actor", part["actor"], actors)
            supports = [(source.id, check.locate(f"{p}.anchor", ev["anchor"]))]
            for j, extra in enumerate(ev["also_reported_in"]):
                other = self.other_source(extra["source"])
                if other is None and self.source_exists(extra["source"]):
                    continue  # that document's own errors are reported; this would be noise
                if other is None:
                    check.error(f"{p}.also_reported_in[{j}].source", f"unknown source {extra['source']!r}")
                    continue
                if other.id == source.id:
                    check.error(f"{p}.also_reported_in[{j}].source", "is this event's own source")
                    continue
                supports.append(
                    (other.id, check.locate(f"{p}.also_reported_in[{j}].anchor", extra["anchor"], source=other))
                )
            events.append(dict(ev, _path=p, source_id=source.id, supports=supports, when=check.when(f"{p}.when", ev["when"])))
            for j, rel in enumerate(ev["related"]):
                self.event_related.append((source.yaml_name, f"{p}.related[{j}]", rel, ev["id"]))

        for i, cas in enumerate(source.casualties):
            p = f"casualties[{i}]"
            claim(self.casualty_ids, cas["id"], f"{p}.id", check, "casualty")
            check.actor(f"{p}.party", cas["party"], actors)
            check.actor(f"{p}.claimed_by", cas["claimed_by"], actors)
            span = check.locate(f"{p}.anchor", cas["anchor"])
            if span is not None and not _figure_in(cas["value"], cas["anchor"]):
                check.error(f"{p}.value", f"{cas['value']} does not appear in its anchor")
            as_of = check.when(f"{p}.as_of", cas["as_of"])
            if cas["as_of"] is None and doc["published"] is not None:
                as_of = DateRange(doc["published"], doc["published"], "day", None)
            casualties.append(dict(cas, _path=p, source_id=source.id, span=span, as_of_range=as_of))
            self.casualty_values[cas["id"]] = cas["value"]
            if cas["statement"] is not None or cas["part_of"] is not None:
                self.casualty_refs.append((source.yaml_name, p, cas["statement"], cas["part_of"], cas["id"], cas["value"]))
        return statements, events, casualties

    def resolve_claims(self, claims, doc_errors: list[BuildError], file: str) -> list[BuildError]:
        """A worker's document errors with the duplicate-id errors put where ``check`` would have."""
        registries = {"statement": self.statement_ids, "event": self.event_ids, "casualty": self.casualty_ids}
        out, offset = list(doc_errors), 0
        for position, kind, record_id, where in claims:
            registry = registries[kind]
            if record_id in registry:
                message = f"duplicate {kind} id {record_id!r} (first in {registry[record_id]})"
                out.insert(position + offset, BuildError(file, where, message))
                offset += 1
            else:
                registry[record_id] = file
        return out

    def absorb(self, refs) -> None:
        """A worker's references to check at the end."""
        statement_events, event_related, casualty_refs, casualty_values = refs
        self.statement_events += statement_events
        self.event_related += event_related
        self.casualty_refs += casualty_refs
        self.casualty_values.update(casualty_values)

    def finish(self) -> None:
        """References between records, now that every id is known (in the order statements,
        events, casualties, each in corpus order)."""
        errors = self.errors
        for file, path, event_id in self.statement_events:
            if event_id not in self.event_ids:
                errors.append(BuildError(file, f"{path}.event", f"unknown event id {event_id!r}"))
        for file, path, rel, own in self.event_related:
            if rel not in self.event_ids:
                errors.append(BuildError(file, path, f"unknown event id {rel!r}"))
            elif rel == own:
                errors.append(BuildError(file, path, "an event cannot be related to itself"))
        for file, path, statement, parent, own, value in self.casualty_refs:
            if statement is not None and statement not in self.statement_ids:
                errors.append(BuildError(file, f"{path}.statement", f"unknown statement id {statement!r}"))
            if parent is None:
                continue
            if parent not in self.casualty_values:
                errors.append(BuildError(file, f"{path}.part_of", f"unknown casualty id {parent!r}"))
            elif parent == own:
                errors.append(BuildError(file, f"{path}.part_of", "a figure cannot be part of itself"))
            elif self.casualty_values[parent] < value:
                errors.append(BuildError(file, f"{path}.part_of", f"{value} cannot be part of {self.casualty_values[parent]}"))


def _check_records(actors, sources, errors, check_references: bool = True, failed_sources=()):
    records = _Records(actors, errors, sources.get)
    records.source_exists = set(failed_sources).__contains__
    statements, events, casualties = [], [], []
    for source in sources.values():
        s, e, c = records.check(source)
        statements += s
        events += e
        casualties += c
    if check_references:
        records.finish()
    return statements, events, casualties


def _figure_in(value: int, words: str) -> bool:
    return f"{value:,}" in words or str(value) in words


# --------------------------------------------------------------------------------------------
# Rendering records through the resource schemas and writing the database


def _code_hash() -> str:
    hasher = hashlib.sha256(SCHEMA_VERSION.encode())
    root = Path(__file__).resolve().parent.parent
    for folder in _CODE_DIRS:
        for path in sorted((root / folder).glob("*.py")):
            hasher.update(path.name.encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()


def _dump(schema, obj) -> str:
    return json.dumps(schema.dump(obj), ensure_ascii=False, separators=(",", ":"))


def _iso(day):
    return day.isoformat() if day else None


def _excerpt(source: SourceDoc, span: text.Span) -> str:
    around = text.sentence_around(source.text, span)
    return source.text[around.start : around.end]


class Renderer:
    """Turns validated annotations into resource objects for the schemas to dump."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.events = {e["id"]: e for e in corpus.events}
        self.statements = {s["id"]: s for s in corpus.statements}
        self.casualties = {c["id"]: c for c in corpus.casualties}

    def actor_ref(self, actor_id):
        if actor_id is None:
            return None
        actor = self.corpus.actors[actor_id]
        return {"id": actor["id"], "name": actor["name"], "kind": actor["kind"]}

    def _source(self, source_id) -> SourceDoc:
        return self.corpus.sources[source_id]

    def _casualty(self, casualty_id) -> dict | None:
        return self.casualties.get(casualty_id)

    def _statement(self, statement_id) -> dict | None:
        return self.statements.get(statement_id)

    def source_ref(self, source_id):
        source = self._source(source_id)
        doc = source.document
        return {
            "id": source.id,
            "title": doc["title"],
            "outlet": self.actor_ref(doc["outlet"]),
            "published": doc["published"],
        }

    def event_ref(self, event_id):
        if event_id is None:
            return None
        ev = self.events[event_id]
        return {"id": ev["id"], "type": ev["type"], "title": ev["title"]}

    @staticmethod
    def dated(rng: DateRange):
        return {"date_start": rng.start, "date_end": rng.end, "date_precision": rng.precision, "date_text": rng.text}

    def statement(self, st):
        source = self._source(st["source_id"])
        via = st["via"]
        return {
            **self.dated(st["when"]),
            "id": st["id"],
            "speaker": self.actor_ref(st["speaker"]),
            "quote": st["quote"],
            "summary": st["summary"],
            "kind": st["kind"],
            "stance": st["stance"],
            "targets": [self.actor_ref(t) for t in st["targets"]],
            "via": {"actor": self.actor_ref(via["actor"]), "channel": via["channel"]} if via else None,
            "event": self.event_ref(st["event"]),
            "source": self.source_ref(st["source_id"]),
            "span": st["span"],
            "excerpt": _excerpt(source, st["span"]),
            "note": st["note"],
        }

    def event(self, ev):
        return {
            **self.dated(ev["when"]),
            "id": ev["id"],
            "type": ev["type"],
            "status": ev["status"],
            "title": ev["title"],
            "description": ev["description"],
            "participants": [{"actor": self.actor_ref(p["actor"]), "role": p["role"]} for p in ev["participants"]],
            "location": ev["location"],
            "plover": ev["plover"] or vocab.EVENT_TYPES[ev["type"]],
            "sources": [
                {"source": self.source_ref(sid), "span": span, "excerpt": _excerpt(self._source(sid), span)}
                for sid, span in ev["supports"]
            ],
            "related": [self.event_ref(r) for r in ev["related"]],
            "note": ev["note"],
        }

    def casualty(self, cas):
        parent = self._casualty(cas["part_of"]) if cas["part_of"] else None
        statement = self._statement(cas["statement"]) if cas["statement"] else None
        as_of = cas["as_of_range"]
        return {
            "id": cas["id"],
            "party": self.actor_ref(cas["party"]),
            "category": cas["category"],
            "value": cas["value"],
            "low": cas["low"],
            "high": cas["high"],
            "qualifier": cas["qualifier"],
            "claimed_by": self.actor_ref(cas["claimed_by"]),
            "as_of": {"date": as_of.start, "precision": as_of.precision, "text": as_of.text},
            "location": cas["location"],
            "part_of": {"id": parent["id"], "category": parent["category"], "value": parent["value"]} if parent else None,
            "statement": {"id": statement["id"], "summary": statement["summary"]} if statement else None,
            "source": self.source_ref(cas["source_id"]),
            "span": cas["span"],
            "excerpt": _excerpt(self._source(cas["source_id"]), cas["span"]),
            "note": cas["note"],
        }


def _date_sort(day) -> str:
    # Unknown dates sort as the empty string: first ascending, last descending.
    return day.isoformat() if day else ""


class _Missing(Exception):
    """A record refers to one the streaming writer has not seen yet; it is written at the end."""


class _StreamRenderer(Renderer):
    """The Renderer for a build that streams: what other documents hold comes from small
    registries (references) and from the database being written, not from a Corpus."""

    def __init__(self, actors, writer):
        self.corpus = Corpus(actors, {}, [], [], [], "")
        self.writer = writer

    def _source(self, source_id) -> SourceDoc:
        source = self.writer.open_sources.get(source_id) or self.writer.other_source(source_id)
        if source is None:
            raise _Missing(source_id)
        return source

    def source_ref(self, source_id):
        ref = self.writer.source_refs.get(source_id)
        if ref is None:
            raise _Missing(source_id)
        return ref

    def event_ref(self, event_id):
        if event_id is None:
            return None
        ref = self.writer.event_refs.get(event_id)
        if ref is None:
            raise _Missing(event_id)
        return ref

    def _casualty(self, casualty_id):
        ref = self.writer.casualty_refs.get(casualty_id)
        if ref is None:
            raise _Missing(casualty_id)
        return ref

    def _statement(self, statement_id):
        row = self.writer.db.execute("SELECT id, summary FROM statements WHERE id = ?", [statement_id]).fetchone()
        if row is None:
            raise _Missing(statement_id)
        return {"id": row[0], "summary": row[1]}


# Columns of the record tables, in order (the INSERTs below fill them positionally).
_SOURCE_COLUMNS = ("id", "position", "published", "date_sort", "outlet_id", "sha256", "body", "text_body")
_EVENT_COLUMNS = ("id", "type", "status", "title", "description", "plover", "location_name", "location_region",
                  "location_country", "date_start", "date_end", "date_sort", "source_id", "body")
_STATEMENT_COLUMNS = ("id", "speaker_id", "stance", "kind", "event_id", "source_id", "quote", "summary", "date_start",
                      "date_end", "date_sort", "span_start", "span_end", "body")
_CASUALTY_COLUMNS = ("id", "party_id", "claimed_by_id", "category", "qualifier", "value", "low", "high", "as_of",
                     "date_sort", "part_of_id", "statement_id", "source_id", "span_start", "span_end", "body")


def _insert_sql(table, columns) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_INSERT = {
    "sources": _insert_sql("sources", _SOURCE_COLUMNS),
    "events": _insert_sql("events", _EVENT_COLUMNS),
    "event_participants": _insert_sql("event_participants", ("event_id", "actor_id", "role")),
    "event_sources": _insert_sql("event_sources", ("event_id", "source_id", "span_start", "span_end")),
    "event_relations": _insert_sql("event_relations", ("event_id", "related_id")),
    "statements": _insert_sql("statements", _STATEMENT_COLUMNS),
    "statement_targets": _insert_sql("statement_targets", ("statement_id", "actor_id")),
    "casualties": _insert_sql("casualties", _CASUALTY_COLUMNS),
}


def _source_row(render, source: SourceDoc, counts: dict) -> tuple:
    doc = source.document
    obj = {
        **render.source_ref(source.id),
        "summary": doc["summary"],
        "outlet_basis": doc["outlet_basis"],
        "published_basis": doc["published_basis"],
        "byline": text.byline(source.text),
        "language": doc["language"],
        "url": doc["url"],
        "images": [{k: img[k] for k in ("url", "caption", "credit")} for img in text.images(source.text)],
        "sha256": source.sha256,
        "bytes": source.size,
        "length": len(source.text),
        **counts,
    }
    return (
        source.id, None, _iso(doc["published"]), _date_sort(doc["published"]), doc["outlet"], source.sha256,
        _dump(_schema(res.Source), obj), _dump(_schema(res.SourceWithText), {**obj, "text": source.text}),
    )


def _event_rows(render, ev) -> list:
    body = _dump(_schema(res.Event), render.event(ev))
    loc = ev["location"] or {}
    return [
        ("events", [(
            ev["id"], ev["type"], ev["status"], ev["title"], ev["description"],
            ev["plover"] or vocab.EVENT_TYPES[ev["type"]], loc.get("name"), loc.get("region"), loc.get("country"),
            _iso(ev["when"].start), _iso(ev["when"].end), _date_sort(ev["when"].start), ev["source_id"], body,
        )]),
        ("event_participants", [(ev["id"], p["actor"], p["role"]) for p in ev["participants"]]),
        ("event_sources", [(ev["id"], sid, span.start, span.end) for sid, span in ev["supports"]]),
        ("event_relations", [(ev["id"], rel) for rel in ev["related"]]),
    ]


def _statement_rows(render, st) -> list:
    body = _dump(_schema(res.Statement), render.statement(st))
    return [
        ("statements", [(
            st["id"], st["speaker"], st["stance"], st["kind"], st["event"], st["source_id"], st["quote"],
            st["summary"], _iso(st["when"].start), _iso(st["when"].end), _date_sort(st["when"].start),
            st["span"].start, st["span"].end, body,
        )]),
        ("statement_targets", [(st["id"], t) for t in dict.fromkeys(st["targets"])]),
    ]


def _casualty_rows(render, c) -> list:
    body = _dump(_schema(res.Casualty), render.casualty(c))
    return [
        ("casualties", [(
            c["id"], c["party"], c["claimed_by"], c["category"], c["qualifier"], c["value"], c["low"], c["high"],
            _iso(c["as_of_range"].start), _date_sort(c["as_of_range"].start), c["part_of"], c["statement"],
            c["source_id"], c["span"].start, c["span"].end, body,
        )]),
    ]


_ROW_BUILDERS = {"event": _event_rows, "statement": _statement_rows, "casualty": _casualty_rows}


class _DocRenderer(Renderer):
    """Renders one document's records where only that document is at hand (a worker process):
    references into other documents' records raise _Missing, and the writer renders those."""

    def __init__(self, actors, source: SourceDoc, events, statements, casualties, other_source):
        self.corpus = Corpus(actors, {source.id: source}, [], [], [], "")
        self.source = source
        self.events = {e["id"]: e for e in events}
        self.statements = {s["id"]: s for s in statements}
        self.casualties = {c["id"]: c for c in casualties}
        self.other_source = other_source

    def _source(self, source_id):
        if source_id == self.source.id:
            return self.source
        other = self.other_source(source_id)
        if other is None:
            raise _Missing(source_id)
        return other

    def event_ref(self, event_id):
        if event_id is not None and event_id not in self.events:
            raise _Missing(event_id)
        return super().event_ref(event_id)

    def _casualty(self, casualty_id):
        if casualty_id not in self.casualties:
            raise _Missing(casualty_id)
        return self.casualties[casualty_id]

    def _statement(self, statement_id):
        if statement_id not in self.statements:
            raise _Missing(statement_id)
        return self.statements[statement_id]


def _prepare(render, source: SourceDoc, statements, events, casualties) -> dict:
    """Everything the writer needs to write one document: rows with rendered bodies, and what
    the registries learn from it. Records that refer into other documents are left to the writer."""
    inserts, deferred = [], []
    own_events, also = 0, []
    for ev in events:
        for sid in {s for s, _ in ev["supports"]}:
            if sid == source.id:
                own_events += 1
            else:
                also.append(sid)
    counts = {"statement_count": len(statements), "event_count": own_events, "casualty_count": len(casualties)}
    for kind, records, build in (("event", events, _event_rows), ("statement", statements, _statement_rows),
                                 ("casualty", casualties, _casualty_rows)):
        for record in records:
            try:
                inserts.extend(build(render, record))
            except _Missing:
                deferred.append((kind, record))
    return {
        "source_id": source.id,
        "source": source if deferred else None,  # its text, for the excerpts still to render
        "source_ref": render.source_ref(source.id),
        "source_row": _source_row(render, source, counts),
        "also_supports": also,
        "event_refs": {e["id"]: {"id": e["id"], "type": e["type"], "title": e["title"]} for e in events},
        "casualty_refs": {c["id"]: {"id": c["id"], "category": c["category"], "value": c["value"]} for c in casualties},
        "speakers": [st["speaker"] for st in statements],
        "participants": [a for ev in events for a in {p["actor"] for p in ev["participants"]}],
        "inserts": inserts,
        "deferred": deferred,
    }


class _Writer:
    """Writes the database one document at a time.

    Memory holds the actor registry, the references later documents may need (source, event and
    casualty refs: a few fields each) and the records that refer to something not written yet
    (rare; written by ``finish``). Statement bodies, texts and rendered JSON go straight to
    SQLite. Tables are filled first and indexed at the end, which SQLite does fastest.
    """

    def __init__(self, path: Path, actors: dict, other_source):
        import sqlite_utils

        self.db = sqlite_utils.Database(str(path))
        self.db.conn.execute("PRAGMA journal_mode = OFF")
        self.db.conn.execute("PRAGMA synchronous = OFF")
        self.db.conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: index builds sort in memory
        self.actors = actors
        self.other_source = other_source
        self.render = _StreamRenderer(actors, self)
        self.open_sources: dict[str, SourceDoc] = {}  # the document being written
        self.source_refs: dict[str, dict] = {}
        self.event_refs: dict[str, dict] = {}
        self.casualty_refs: dict[str, dict] = {}
        self.statement_count = {a: 0 for a in actors}
        self.event_count = {a: 0 for a in actors}
        self.counts_by_source: dict[str, dict] = {}  # only until the source row is written
        self.supported_later: dict[str, int] = {}  # events of other documents a source also reports
        self.written_sources: set[str] = set()
        self.deferred: list[tuple] = []  # (kind, record, source)
        self.position = 0
        self._create_tables()

    def _create_tables(self) -> None:
        db = self.db
        db["actors"].create(
            {
                "id": str, "name": str, "name_sort": str, "kind": str, "country": str, "title": str,
                "affiliation_id": str, "wikidata": str, "statement_count": int, "event_count": int, "body": str,
            },
            pk="id",
            not_null={"name", "name_sort", "kind", "body"},
            foreign_keys=[("affiliation_id", "actors", "id")],
        )
        db["aliases"].create(
            {"alias": str, "alias_norm": str, "actor_id": str},
            pk="alias_norm",
            not_null={"alias", "actor_id"},
            foreign_keys=[("actor_id", "actors", "id")],
        )
        db["actor_affiliates"].create(
            {"actor_id": str, "affiliate_id": str, "depth": int},
            pk=("actor_id", "affiliate_id"),
            foreign_keys=[("actor_id", "actors", "id"), ("affiliate_id", "actors", "id")],
        )
        db["actor_search"].create(
            {"key": str, "actor_id": str}, pk=("key", "actor_id"), foreign_keys=[("actor_id", "actors", "id")]
        )
        db["sources"].create(
            {
                "id": str, "position": int, "published": str, "date_sort": str, "outlet_id": str,
                "sha256": str, "body": str, "text_body": str,
            },
            pk="id",
            not_null={"position", "date_sort", "sha256", "body", "text_body"},
            foreign_keys=[("outlet_id", "actors", "id")],
        )
        db["events"].create(
            {
                "id": str, "type": str, "status": str, "title": str, "description": str, "plover": str,
                "location_name": str, "location_region": str, "location_country": str,
                "date_start": str, "date_end": str, "date_sort": str, "source_id": str, "body": str,
            },
            pk="id",
            not_null={"type", "status", "title", "description", "date_sort", "source_id", "body"},
            foreign_keys=[("source_id", "sources", "id")],
        )
        db["event_participants"].create(
            {"event_id": str, "actor_id": str, "role": str},
            pk=("event_id", "actor_id", "role"),
            foreign_keys=[("event_id", "events", "id"), ("actor_id", "actors", "id")],
        )
        db["event_sources"].create(
            {"event_id": str, "source_id": str, "span_start": int, "span_end": int},
            pk=("event_id", "source_id", "span_start"),
            foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")],
        )
        db["event_relations"].create(
            {"event_id": str, "related_id": str},
            pk=("event_id", "related_id"),
            foreign_keys=[("event_id", "events", "id"), ("related_id", "events", "id")],
        )
        db["statements"].create(
            {
                "id": str, "speaker_id": str, "stance": str, "kind": str, "event_id": str, "source_id": str,
                "quote": str, "summary": str, "date_start": str, "date_end": str, "date_sort": str,
                "span_start": int, "span_end": int, "body": str,
            },
            pk="id",
            not_null={"speaker_id", "stance", "kind", "source_id", "summary", "date_sort", "span_start", "span_end", "body"},
            foreign_keys=[("speaker_id", "actors", "id"), ("event_id", "events", "id"), ("source_id", "sources", "id")],
        )
        db["statement_targets"].create(
            {"statement_id": str, "actor_id": str},
            pk=("statement_id", "actor_id"),
            foreign_keys=[("statement_id", "statements", "id"), ("actor_id", "actors", "id")],
        )
        db["casualties"].create(
            {
                "id": str, "party_id": str, "claimed_by_id": str, "category": str, "qualifier": str, "value": int,
                "low": int, "high": int, "as_of": str, "date_sort": str, "part_of_id": str, "statement_id": str,
                "source_id": str, "span_start": int, "span_end": int, "body": str,
            },
            pk="id",
            not_null={"party_id", "category", "qualifier", "value", "date_sort", "source_id", "body"},
            foreign_keys=[
                ("party_id", "actors", "id"), ("claimed_by_id", "actors", "id"), ("part_of_id", "casualties", "id"),
                ("statement_id", "statements", "id"), ("source_id", "sources", "id"),
            ],
        )

    # -- one document --------------------------------------------------------------------

    def add(self, source: SourceDoc, statements: list, events: list, casualties: list) -> None:
        """Render one document here and write it (see ``add_prepared`` for documents rendered in
        worker processes)."""
        self.add_prepared(_prepare(_DocRenderer(self.actors, source, events, statements, casualties,
                                                self.other_source), source, statements, events, casualties))

    def add_prepared(self, prep: dict) -> None:
        source_id, source = prep["source_id"], prep["source"]
        self.source_refs[source_id] = prep["source_ref"]
        for sid in prep["also_supports"]:
            self.supported_later[sid] = self.supported_later.get(sid, 0) + 1
        extra = self.supported_later.pop(source_id, 0)
        row = list(prep["source_row"])
        row[1] = self.position
        self.position += 1
        self._insert([("sources", [tuple(row)])])
        if extra:
            self._add_event_count(source_id, extra)
        self.written_sources.add(source_id)
        self.event_refs.update(prep["event_refs"])
        self.casualty_refs.update(prep["casualty_refs"])
        for actor_id in prep["speakers"]:
            self.statement_count[actor_id] += 1
        for actor_id in prep["participants"]:
            self.event_count[actor_id] += 1
        self._insert(prep["inserts"])
        # References back to documents already written resolve now; forward ones at the end.
        self.open_sources = {source_id: source}
        for kind, record in prep["deferred"]:
            try:
                self._insert(_ROW_BUILDERS[kind](self.render, record))
            except _Missing:
                self.deferred.append((kind, record, source))
        self.open_sources = {}

    def _insert(self, inserts) -> None:
        execute = self.db.conn.executemany
        for table, rows in inserts:
            if rows:
                execute(_INSERT[table], rows)

    def _add_event_count(self, source_id: str, extra: int) -> None:
        for column in ("body", "text_body"):
            self.db.execute(
                f"UPDATE sources SET {column} = json_set({column}, '$.event_count', "
                f"json_extract({column}, '$.event_count') + ?) WHERE id = ?",
                [extra, source_id],
            )

    # -- the end -------------------------------------------------------------------------

    def finish(self, build_id: str) -> dict:
        db = self.db
        # Records that referred forward: everything they refer to is written now.
        for kind, record, source in self.deferred:
            self.open_sources = {source.id: source}
            self._insert(_ROW_BUILDERS[kind](self.render, record))
        self.open_sources = {}
        # Sources that a later document's event also reports: their event_count grew.
        for sid, extra in self.supported_later.items():
            if sid in self.written_sources:
                self._add_event_count(sid, extra)
        self._write_actors()
        create_indexes(db)
        write_actor_scopes(db)
        db["statements"].enable_fts(["quote", "summary"], tokenize="unicode61 remove_diacritics 2")
        db["events"].enable_fts(["title", "description"], tokenize="unicode61 remove_diacritics 2")
        counts = {
            "sources": db["sources"].count,
            "actors": db["actors"].count,
            "statements": db["statements"].count,
            "events": db["events"].count,
            "casualties": db["casualties"].count,
        }
        db["meta"].insert_all(
            [
                {"key": "build_id", "value": build_id},
                {"key": "built_at", "value": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()},
                {"key": "schema_version", "value": SCHEMA_VERSION},
                {"key": "counts", "value": json.dumps(counts)},
                {"key": "date_spans", "value": json.dumps(_date_spans(db))},
            ],
            pk="key",
        )
        db.conn.execute("ANALYZE")
        db.conn.commit()
        db.conn.close()
        return counts

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.conn.close()

    def _write_actors(self) -> None:
        db, actors, render = self.db, self.actors, self.render
        children: dict[str, list[str]] = {a: [] for a in actors}
        for actor in actors.values():
            if actor["affiliation"]:
                children[actor["affiliation"]].append(actor["id"])
        actor_rows = []
        for actor in sorted(actors.values(), key=lambda a: a["id"]):
            obj = {
                "id": actor["id"],
                "name": actor["name"],
                "kind": actor["kind"],
                "country": actor["country"],
                "title": actor["title"],
                "aliases": actor["aliases"],
                "affiliation": render.actor_ref(actor["affiliation"]),
                "affiliates": [render.actor_ref(c) for c in sorted(children[actor["id"]])],
                "wikidata": actor["wikidata"],
                "statement_count": self.statement_count[actor["id"]],
                "event_count": self.event_count[actor["id"]],
                "note": actor["note"],
            }
            actor_rows.append(
                {
                    "id": actor["id"], "name": actor["name"], "name_sort": normalize_name(actor["name"]),
                    "kind": actor["kind"], "country": actor["country"], "title": actor["title"],
                    "affiliation_id": actor["affiliation"], "wikidata": actor["wikidata"],
                    "statement_count": self.statement_count[actor["id"]], "event_count": self.event_count[actor["id"]],
                    "body": _dump(_schema(res.Actor), obj),
                }
            )
        db["actors"].insert_all(actor_rows)
        db["aliases"].insert_all(
            {"alias": alias, "alias_norm": normalize_name(alias), "actor_id": a["id"]}
            for a in actors.values()
            for alias in a["aliases"]
        )
        # The affiliation tree, pre-resolved: every (ancestor, descendant) pair, itself included.
        closure = []
        for actor_id in actors:
            node, depth = actor_id, 0
            while node is not None:
                closure.append({"actor_id": node, "affiliate_id": actor_id, "depth": depth})
                node, depth = actors[node]["affiliation"], depth + 1
        db["actor_affiliates"].insert_all(closure)
        db["actor_affiliates"].create_index(["affiliate_id", "actor_id"])
        # Prefix search over every word-start of every name and alias ("jong un" finds Kim Jong Un).
        search_rows = set()
        for actor in actors.values():
            for label in [actor["id"].replace("-", " "), actor["name"], *actor["aliases"]]:
                words = normalize_name(label).split()
                for k in range(len(words)):
                    search_rows.add((" ".join(words[k:]), actor["id"]))
        db["actor_search"].insert_all({"key": k, "actor_id": a} for k, a in sorted(search_rows))


def write_database(corpus: Corpus, path: Path, build_id: str) -> dict:
    """Write every table of a loaded corpus into a new SQLite file at ``path``; returns the row
    counts. (``build_database`` streams instead, through the same writer.)"""
    writer = _Writer(path, corpus.actors, corpus.sources.get)
    by_source: dict[str, tuple[list, list, list]] = {sid: ([], [], []) for sid in corpus.sources}
    for st in corpus.statements:
        by_source[st["source_id"]][0].append(st)
    for ev in corpus.events:
        by_source[ev["source_id"]][1].append(ev)
    for cas in corpus.casualties:
        by_source[cas["source_id"]][2].append(cas)
    for sid, source in corpus.sources.items():
        writer.add(source, *by_source[sid])
    return writer.finish(build_id)


# (role, SQL selecting (actor id, date_sort, record id) for every record an actor has that role in).
SCOPE_ROLES = {
    "speaker": "SELECT speaker_id AS actor_id, date_sort, id AS record_id FROM statements",
    "target": "SELECT x.actor_id, t.date_sort, t.id AS record_id FROM statement_targets x "
              "JOIN statements t ON t.id = x.statement_id",
    "participant": "SELECT x.actor_id, t.date_sort, t.id AS record_id FROM event_participants x "
                   "JOIN events t ON t.id = x.event_id",
    "party": "SELECT party_id AS actor_id, date_sort, id AS record_id FROM casualties",
    "claimed_by": "SELECT claimed_by_id AS actor_id, date_sort, id AS record_id FROM casualties "
                  "WHERE claimed_by_id IS NOT NULL",
}


def write_actor_scopes(db) -> None:
    """Each record under every actor with affiliates that it falls under, in date order.

    ``actor=Seoul`` means South Korea and everything affiliated with it; as ``speaker_id IN (...)``
    that needs every match sorted by date before the first page can be cut (a temporary B-tree
    over 100k rows at 1M statements). This table holds, for every actor that has affiliates, its
    records and its affiliates' records keyed (role, actor, date_sort, id): a page is an index
    range, whatever the depth of the cursor.
    """
    db.execute(
        "CREATE TABLE actor_scopes (role TEXT NOT NULL, scope_id TEXT NOT NULL, date_sort TEXT NOT NULL, "
        "record_id TEXT NOT NULL, PRIMARY KEY (role, scope_id, date_sort, record_id)) WITHOUT ROWID"
    )
    for role, select in SCOPE_ROLES.items():
        db.execute(
            f"INSERT OR IGNORE INTO actor_scopes SELECT ?, a.actor_id, r.date_sort, r.record_id "
            f"FROM ({select}) AS r "
            "JOIN actor_affiliates a ON a.affiliate_id = r.actor_id "
            "WHERE a.actor_id IN (SELECT actor_id FROM actor_affiliates WHERE depth >= 1) ORDER BY 1, 2, 3, 4",
            [role],
        )


def _date_spans(db) -> dict:
    """Per table, the longest date range in days (date_end - date_start): it lets the API turn
    ``since`` into a lower bound on date_sort, which an index can seek."""
    columns = {"statements": ("date_start", "date_end"), "events": ("date_start", "date_end"),
               "casualties": ("as_of", "as_of"), "sources": ("published", "published")}
    return {
        table: int(db.execute(f"SELECT coalesce(max(julianday({end}) - julianday({start})), 0) FROM {table}").fetchone()[0])
        for table, (start, end) in columns.items()
    }


def create_indexes(db) -> None:
    """An index behind every filter and sort the API offers (tests check the query plans)."""
    for table in ("statements", "events", "casualties", "sources"):
        db[table].create_index(["date_sort", "id"])
    for column in ("speaker_id", "stance", "kind", "event_id", "source_id"):
        db["statements"].create_index([column, "date_sort", "id"])
    db["statements"].create_index(["date_end"])
    db["statement_targets"].create_index(["actor_id", "statement_id"])
    for column in ("type", "status", "location_region", "location_country", "location_name", "source_id"):
        db["events"].create_index([column, "date_sort", "id"])
    db["event_participants"].create_index(["actor_id", "event_id"])
    db["event_sources"].create_index(["source_id", "event_id"])
    for column in ("party_id", "claimed_by_id", "category", "source_id"):
        db["casualties"].create_index([column, "date_sort", "id"])
    db["actors"].create_index(["name_sort", "id"])
    for column in ("kind", "country", "affiliation_id"):
        db["actors"].create_index([column, "name_sort", "id"])
    db["actor_search"].create_index(["actor_id"])


_WORKER: dict = {}  # what worker processes need, set before they fork: actors, other_source


def _prepare_source(job) -> dict:
    """In a worker: load, check and render one document (see ``_stream_build``)."""
    source, load_errors, yaml_read = _load_source(job)
    result = {"loaded": source is not None, "load_errors": load_errors, "yaml_read": yaml_read}
    if source is None:
        return result
    actors, other_source = _WORKER["actors"], _WORKER["other_source"]
    other_source.remember(source)  # the next documents may report its events too
    check_errors: list[BuildError] = []
    records = _Records(actors, check_errors, other_source, defer_claims=True)
    records.source_exists = lambda source_id: (job[0] / f"{source_id}.txt").is_file()
    statements, events, casualties = records.check(source)
    prep = None
    if not load_errors and not check_errors:
        render = _DocRenderer(actors, source, events, statements, casualties, other_source)
        prep = _prepare(render, source, statements, events, casualties)
    result.update(
        file=source.yaml_name,
        check_errors=check_errors,
        claims=records.claims,
        refs=(records.statement_events, records.event_related, records.casualty_refs, records.casualty_values),
        prep=prep,
    )
    return result


def _stream_build(seeds_dir: Path, path: Path) -> tuple[str, dict]:
    """``load_corpus`` and ``write_database`` in one pass that streams: each document is read,
    checked and written before the next is read (documents are parsed ahead in worker
    processes), so memory does not grow with the corpus. Errors are collected, in the order
    ``load_corpus`` reports them, and raised as BuildFailed; after the first one nothing more is
    written, but every document is still checked."""
    errors: list[BuildError] = []
    hasher = hashlib.sha256()
    actors_file, actors, txts = _registry_and_texts(seeds_dir, errors)

    load_errors: list[BuildError] = []
    check_errors: list[BuildError] = []
    other_source = _TextsOnDisk(seeds_dir)
    records = _Records(actors, check_errors, other_source)
    writer = _Writer(path, actors, other_source)
    _WORKER.update(actors=actors, other_source=other_source)
    try:
        for txt_path, result in zip(txts, _load_sources(seeds_dir, txts, _prepare_source)):
            hasher.update(txt_path.name.encode() + b"\0" + txt_path.read_bytes() + b"\0")
            if result["yaml_read"]:
                yaml_path = txt_path.with_suffix(".yaml")
                hasher.update(yaml_path.name.encode() + b"\0" + yaml_path.read_bytes() + b"\0")
            load_errors.extend(result["load_errors"])
            if not result["loaded"]:
                continue
            check_errors += records.resolve_claims(result["claims"], result["check_errors"], result["file"])
            records.absorb(result["refs"])
            if result["prep"] is not None and not (errors or load_errors or check_errors):
                writer.add_prepared(result["prep"])
        hasher.update(actors_file.read_bytes())
        if not load_errors:  # as in load_corpus: no reference errors into a document that failed
            records.finish()
        errors += load_errors + check_errors
        if errors:
            raise BuildFailed(errors)
        build_id = hashlib.sha256((hasher.hexdigest() + _code_hash()).encode()).hexdigest()[:16]
        return build_id, writer.finish(build_id)
    finally:
        _WORKER.clear()
        writer.close()


@dataclass
class BuildReport:
    path: Path
    build_id: str
    counts: dict


def build_database(seeds_dir: Path, out_path: Path) -> BuildReport:
    """Validate ``seeds_dir`` and build ``out_path`` atomically.

    Raises BuildFailed with every error found; the file at ``out_path`` is then untouched.
    """
    seeds_dir = Path(seeds_dir)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # sqlite-utils creates the file itself
        build_id, counts = _stream_build(seeds_dir, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)  # atomic on POSIX: readers see the old file or the new one
    finally:
        tmp.unlink(missing_ok=True)
    return BuildReport(out_path, build_id, counts)
