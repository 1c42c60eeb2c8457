"""seeds/ in, data/<name>.db out.

``load_corpus`` reads and validates every annotation (shape through the marshmallow annotation
schemas, then the rules that need the whole corpus) and computes the mechanics: spans, excerpts,
dates, bylines, images. ``write_database`` renders every record through the resource schemas and
writes the relational tables. ``build_database`` does both atomically: it writes a temporary file
beside the target and renames it over the target only when everything succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from marshmallow import ValidationError

from schemas import annotations as ann
from schemas import resources as res
from schemas import vocab

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


def normalize_name(value: str) -> str:
    """How names, aliases and ``actor=`` values are compared: case- and width-insensitively."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


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


def _read_yaml(path: Path, display: str, errors: list[BuildError]):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
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


def load_corpus(seeds_dir: Path) -> Corpus:
    seeds_dir = Path(seeds_dir)
    errors: list[BuildError] = []
    hasher = hashlib.sha256()

    actors_file = seeds_dir / "actors.yaml"
    actors_display = _display(seeds_dir, "actors.yaml")
    if not actors_file.exists():
        raise BuildFailed([BuildError(actors_display, "", "missing: the actor registry is required")])
    registry = _validate(
        ann.ActorRegistryAnnotation(), _read_yaml(actors_file, actors_display, errors), actors_display, errors
    )
    actors = _check_actors(registry["actors"] if registry else [], actors_display, errors)

    txts = sorted(seeds_dir.glob("*.txt"))
    yamls = {p.stem for p in seeds_dir.glob("*.yaml")} - {"actors"}
    for stray in sorted(yamls - {p.stem for p in txts}):
        errors.append(BuildError(_display(seeds_dir, f"{stray}.yaml"), "", f"has no text: {stray}.txt is missing"))
    if not txts:
        errors.append(BuildError(seeds_dir.name, "", "no source texts (*.txt) found"))

    sources: dict[str, SourceDoc] = {}
    for txt_path in txts:
        doc_display = _display(seeds_dir, txt_path.stem + ".yaml")
        raw = txt_path.read_bytes()
        hasher.update(txt_path.name.encode() + b"\0" + raw + b"\0")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(BuildError(_display(seeds_dir, txt_path.name), "", f"is not UTF-8: {exc}"))
            continue
        if not re.match(vocab.SOURCE_ID_PATTERN, txt_path.stem):
            errors.append(BuildError(_display(seeds_dir, txt_path.name), "", "file name must be NNN_<16 hex digits>.txt"))
            continue
        yaml_path = txt_path.with_suffix(".yaml")
        if not yaml_path.exists():
            errors.append(BuildError(doc_display, "", f"missing: {txt_path.name} has no annotation file"))
            continue
        hasher.update(yaml_path.name.encode() + b"\0" + yaml_path.read_bytes() + b"\0")
        loaded = _validate(ann.SourceAnnotation(), _read_yaml(yaml_path, doc_display, errors), doc_display, errors)
        if loaded is None:
            continue
        sources[txt_path.stem] = SourceDoc(
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
    hasher.update(actors_file.read_bytes())

    statements, events, casualties = _check_records(actors, sources, errors)
    if errors:
        raise BuildFailed(errors)
    return Corpus(actors, sources, statements, events, casualties, hasher.hexdigest())


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


def _check_records(actors, sources, errors):
    statements, events, casualties = [], [], []
    statement_ids, event_ids, casualty_ids = {}, {}, {}

    def claim(registry, record_id, where, checker, kind):
        if record_id in registry:
            checker.error(where, f"duplicate {kind} id {record_id!r} (first in {registry[record_id]})")
            return False
        registry[record_id] = checker.source.yaml_name
        return True

    for source in sources.values():
        check = _Checker(source, errors)
        doc = source.document
        check.actor("document.outlet", doc["outlet"], actors)
        quoted = []  # (span, statement index) of every quote, for coverage

        for i, st in enumerate(source.statements):
            p = f"statements[{i}]"
            claim(statement_ids, st["id"], f"{p}.id", check, "statement")
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
            claim(event_ids, ev["id"], f"{p}.id", check, "event")
            for j, part in enumerate(ev["participants"]):
                check.actor(f"{p}.participants[{j}].actor", part["actor"], actors)
            supports = [(source.id, check.locate(f"{p}.anchor", ev["anchor"]))]
            for j, extra in enumerate(ev["also_reported_in"]):
                other = sources.get(extra["source"])
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

        for i, cas in enumerate(source.casualties):
            p = f"casualties[{i}]"
            claim(casualty_ids, cas["id"], f"{p}.id", check, "casualty")
            check.actor(f"{p}.party", cas["party"], actors)
            check.actor(f"{p}.claimed_by", cas["claimed_by"], actors)
            span = check.locate(f"{p}.anchor", cas["anchor"])
            if span is not None and not _figure_in(cas["value"], cas["anchor"]):
                check.error(f"{p}.value", f"{cas['value']} does not appear in its anchor")
            as_of = check.when(f"{p}.as_of", cas["as_of"])
            if cas["as_of"] is None and doc["published"] is not None:
                as_of = DateRange(doc["published"], doc["published"], "day", None)
            casualties.append(dict(cas, _path=p, source_id=source.id, span=span, as_of_range=as_of))

    # References between records, now that every id is known.
    def check_for(rec):
        return _Checker(sources[rec["source_id"]], errors)

    for rec in statements:
        if rec["event"] is not None and rec["event"] not in event_ids:
            check_for(rec).error(f"{rec['_path']}.event", f"unknown event id {rec['event']!r}")
    for rec in events:
        for j, rel in enumerate(rec["related"]):
            if rel not in event_ids:
                check_for(rec).error(f"{rec['_path']}.related[{j}]", f"unknown event id {rel!r}")
            elif rel == rec["id"]:
                check_for(rec).error(f"{rec['_path']}.related[{j}]", "an event cannot be related to itself")
    casualty_by_id = {c["id"]: c for c in casualties}
    for rec in casualties:
        path = rec["_path"]
        if rec["statement"] is not None and rec["statement"] not in statement_ids:
            check_for(rec).error(f"{path}.statement", f"unknown statement id {rec['statement']!r}")
        parent = rec["part_of"]
        if parent is None:
            continue
        if parent not in casualty_by_id:
            check_for(rec).error(f"{path}.part_of", f"unknown casualty id {parent!r}")
        elif parent == rec["id"]:
            check_for(rec).error(f"{path}.part_of", "a figure cannot be part of itself")
        elif casualty_by_id[parent]["value"] < rec["value"]:
            check_for(rec).error(f"{path}.part_of", f"{rec['value']} cannot be part of {casualty_by_id[parent]['value']}")
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


class _Renderer:
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

    def source_ref(self, source_id):
        source = self.corpus.sources[source_id]
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
        source = self.corpus.sources[st["source_id"]]
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
                {"source": self.source_ref(sid), "span": span, "excerpt": _excerpt(self.corpus.sources[sid], span)}
                for sid, span in ev["supports"]
            ],
            "related": [self.event_ref(r) for r in ev["related"]],
            "note": ev["note"],
        }

    def casualty(self, cas):
        parent = self.casualties.get(cas["part_of"]) if cas["part_of"] else None
        statement = self.statements.get(cas["statement"]) if cas["statement"] else None
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
            "excerpt": _excerpt(self.corpus.sources[cas["source_id"]], cas["span"]),
            "note": cas["note"],
        }


def _date_sort(day) -> str:
    # Unknown dates sort as the empty string: first ascending, last descending.
    return day.isoformat() if day else ""


def write_database(corpus: Corpus, path: Path, build_id: str) -> dict:
    """Write every table into a new SQLite file at ``path``; returns the row counts."""
    import sqlite_utils

    db = sqlite_utils.Database(str(path))
    db.conn.execute("PRAGMA journal_mode = OFF")
    db.conn.execute("PRAGMA synchronous = OFF")
    render = _Renderer(corpus)
    actors = corpus.actors

    children: dict[str, list[str]] = {a: [] for a in actors}
    for actor in actors.values():
        if actor["affiliation"]:
            children[actor["affiliation"]].append(actor["id"])
    statement_count = {a: 0 for a in actors}
    for st in corpus.statements:
        statement_count[st["speaker"]] += 1
    event_count = {a: 0 for a in actors}
    for ev in corpus.events:
        for actor_id in {p["actor"] for p in ev["participants"]}:
            event_count[actor_id] += 1

    db["actors"].create(
        {
            "id": str, "name": str, "name_sort": str, "kind": str, "country": str, "title": str,
            "affiliation_id": str, "wikidata": str, "statement_count": int, "event_count": int, "body": str,
        },
        pk="id",
        not_null={"name", "name_sort", "kind", "body"},
        foreign_keys=[("affiliation_id", "actors", "id")],
    )
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
            "statement_count": statement_count[actor["id"]],
            "event_count": event_count[actor["id"]],
            "note": actor["note"],
        }
        actor_rows.append(
            {
                "id": actor["id"], "name": actor["name"], "name_sort": normalize_name(actor["name"]),
                "kind": actor["kind"], "country": actor["country"], "title": actor["title"],
                "affiliation_id": actor["affiliation"], "wikidata": actor["wikidata"],
                "statement_count": statement_count[actor["id"]], "event_count": event_count[actor["id"]],
                "body": _dump(res.Actor(), obj),
            }
        )
    db["actors"].insert_all(actor_rows)

    db["aliases"].create(
        {"alias": str, "alias_norm": str, "actor_id": str},
        pk="alias_norm",
        not_null={"alias", "actor_id"},
        foreign_keys=[("actor_id", "actors", "id")],
    )
    db["aliases"].insert_all(
        {"alias": alias, "alias_norm": normalize_name(alias), "actor_id": a["id"]}
        for a in actors.values()
        for alias in a["aliases"]
    )

    # The affiliation tree, pre-resolved: every (ancestor, descendant) pair, itself included.
    db["actor_affiliates"].create(
        {"actor_id": str, "affiliate_id": str, "depth": int},
        pk=("actor_id", "affiliate_id"),
        foreign_keys=[("actor_id", "actors", "id"), ("affiliate_id", "actors", "id")],
    )
    closure = []
    for actor_id in actors:
        node, depth = actor_id, 0
        while node is not None:
            closure.append({"actor_id": node, "affiliate_id": actor_id, "depth": depth})
            node, depth = actors[node]["affiliation"], depth + 1
    db["actor_affiliates"].insert_all(closure)
    db["actor_affiliates"].create_index(["affiliate_id", "actor_id"])

    # Prefix search over every word-start of every name and alias ("jong un" finds Kim Jong Un).
    db["actor_search"].create(
        {"key": str, "actor_id": str}, pk=("key", "actor_id"), foreign_keys=[("actor_id", "actors", "id")]
    )
    search_rows = set()
    for actor in actors.values():
        for label in [actor["id"].replace("-", " "), actor["name"], *actor["aliases"]]:
            words = normalize_name(label).split()
            for k in range(len(words)):
                search_rows.add((" ".join(words[k:]), actor["id"]))
    db["actor_search"].insert_all({"key": k, "actor_id": a} for k, a in sorted(search_rows))

    db["sources"].create(
        {
            "id": str, "position": int, "published": str, "date_sort": str, "outlet_id": str,
            "sha256": str, "body": str, "text_body": str,
        },
        pk="id",
        not_null={"position", "date_sort", "sha256", "body", "text_body"},
        foreign_keys=[("outlet_id", "actors", "id")],
    )
    counts_by_source = {sid: {"statement_count": 0, "event_count": 0, "casualty_count": 0} for sid in corpus.sources}
    for st in corpus.statements:
        counts_by_source[st["source_id"]]["statement_count"] += 1
    for ev in corpus.events:
        for sid in {s for s, _ in ev["supports"]}:
            counts_by_source[sid]["event_count"] += 1
    for cas in corpus.casualties:
        counts_by_source[cas["source_id"]]["casualty_count"] += 1
    source_rows = []
    for position, source in enumerate(corpus.sources.values()):
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
            **counts_by_source[source.id],
        }
        source_rows.append(
            {
                "id": source.id, "position": position, "published": _iso(doc["published"]),
                "date_sort": _date_sort(doc["published"]), "outlet_id": doc["outlet"], "sha256": source.sha256,
                "body": _dump(res.Source(), obj), "text_body": _dump(res.SourceWithText(), {**obj, "text": source.text}),
            }
        )
    db["sources"].insert_all(source_rows)

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
    for ev in corpus.events:
        loc = ev["location"] or {}
        db["events"].insert(
            {
                "id": ev["id"], "type": ev["type"], "status": ev["status"], "title": ev["title"],
                "description": ev["description"], "plover": ev["plover"] or vocab.EVENT_TYPES[ev["type"]],
                "location_name": loc.get("name"), "location_region": loc.get("region"),
                "location_country": loc.get("country"), "date_start": _iso(ev["when"].start),
                "date_end": _iso(ev["when"].end), "date_sort": _date_sort(ev["when"].start),
                "source_id": ev["source_id"], "body": _dump(res.Event(), render.event(ev)),
            }
        )
    db["event_participants"].insert_all(
        {"event_id": ev["id"], "actor_id": p["actor"], "role": p["role"]} for ev in corpus.events for p in ev["participants"]
    )
    db["event_sources"].insert_all(
        {"event_id": ev["id"], "source_id": sid, "span_start": span.start, "span_end": span.end}
        for ev in corpus.events
        for sid, span in ev["supports"]
    )
    db["event_relations"].insert_all(
        {"event_id": ev["id"], "related_id": rel} for ev in corpus.events for rel in ev["related"]
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
    db["statements"].insert_all(
        {
            "id": st["id"], "speaker_id": st["speaker"], "stance": st["stance"], "kind": st["kind"],
            "event_id": st["event"], "source_id": st["source_id"], "quote": st["quote"], "summary": st["summary"],
            "date_start": _iso(st["when"].start), "date_end": _iso(st["when"].end),
            "date_sort": _date_sort(st["when"].start), "span_start": st["span"].start, "span_end": st["span"].end,
            "body": _dump(res.Statement(), render.statement(st)),
        }
        for st in corpus.statements
    )
    db["statement_targets"].insert_all(
        {"statement_id": st["id"], "actor_id": t} for st in corpus.statements for t in dict.fromkeys(st["targets"])
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
    db["casualties"].insert_all(
        {
            "id": c["id"], "party_id": c["party"], "claimed_by_id": c["claimed_by"], "category": c["category"],
            "qualifier": c["qualifier"], "value": c["value"], "low": c["low"], "high": c["high"],
            "as_of": _iso(c["as_of_range"].start), "date_sort": _date_sort(c["as_of_range"].start),
            "part_of_id": c["part_of"], "statement_id": c["statement"], "source_id": c["source_id"],
            "span_start": c["span"].start, "span_end": c["span"].end, "body": _dump(res.Casualty(), render.casualty(c)),
        }
        for c in corpus.casualties
    )

    create_indexes(db)
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
        ],
        pk="key",
    )
    db.conn.execute("ANALYZE")
    db.conn.commit()
    db.conn.close()
    return counts


def create_indexes(db) -> None:
    """An index behind every filter and sort the API offers (tests check the query plans)."""
    for table in ("statements", "events", "casualties", "sources"):
        db[table].create_index(["date_sort", "id"])
    for column in ("speaker_id", "stance", "kind", "event_id", "source_id"):
        db["statements"].create_index([column, "date_sort", "id"])
    db["statements"].create_index(["date_end"])
    db["statement_targets"].create_index(["actor_id", "statement_id"])
    for column in ("type", "status", "location_region", "location_country", "source_id"):
        db["events"].create_index([column, "date_sort", "id"])
    db["event_participants"].create_index(["actor_id", "event_id"])
    db["event_sources"].create_index(["source_id", "event_id"])
    for column in ("party_id", "claimed_by_id", "category", "source_id"):
        db["casualties"].create_index([column, "date_sort", "id"])
    db["actors"].create_index(["name_sort", "id"])
    for column in ("kind", "country", "affiliation_id"):
        db["actors"].create_index([column, "name_sort", "id"])
    db["actor_search"].create_index(["actor_id"])


@dataclass
class BuildReport:
    path: Path
    build_id: str
    counts: dict


def build_database(seeds_dir: Path, out_path: Path) -> BuildReport:
    """Validate ``seeds_dir`` and build ``out_path`` atomically.

    Raises BuildFailed with every error found; the file at ``out_path`` is then untouched.
    """
    corpus = load_corpus(Path(seeds_dir))
    build_id = hashlib.sha256((corpus.input_hash + _code_hash()).encode()).hexdigest()[:16]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # sqlite-utils creates the file itself
        counts = write_database(corpus, tmp, build_id)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)  # atomic on POSIX: readers see the old file or the new one
    finally:
        tmp.unlink(missing_ok=True)
    return BuildReport(out_path, build_id, counts)
