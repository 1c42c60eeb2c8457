"""Stage 1: read and parse the seeds, and check each file's shape against the annotation schemas.

``read_registry`` reads seeds/actors.yaml and lists the texts; ``load_document`` reads one text
and its annotation (in a worker process when the corpus is large). Nothing here looks across
files; that is ``check``'s job.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError

from schemas import annotations as ann
from schemas import vocab

from .errors import BuildError, BuildFailed, flatten_messages

# libyaml's parser when PyYAML has it (its wheels do): the same safe loading, about 10x faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Registry:
    """seeds/actors.yaml and seeds/places.yaml, validated in shape, and the texts beside them."""

    file: str  # the actor registry, as shown in errors
    actors: list[dict[str, Any]]  # in file order; check_actors decides which are usable
    digest: str  # sha256 of both registries, for the build id
    texts: list[Path]  # every NNN_<hash>.txt, sorted
    places_file: str = ""
    places: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # in file order


@dataclass
class LoadedDocument:
    """One text and its annotation, parsed and validated in shape."""

    id: str
    file: str  # the annotation, as shown in errors: seeds/<id>.yaml
    text_name: str  # <id>.txt
    text: str
    sha256: str
    size: int
    document: dict[str, Any]
    statements: list[dict[str, Any]]
    events: list[dict[str, Any]]
    casualties: list[dict[str, Any]]


def display(seeds_dir: Path, name: str) -> str:
    return f"{seeds_dir.name}/{name}"


@functools.cache
def schema(cls: type[Schema]) -> Schema:
    """One instance per schema class: instantiating a marshmallow schema deep-copies its fields,
    which costs more than a load or dump when done per record."""
    return cls()


def read_yaml(path: Path, file: str, errors: list[BuildError]) -> tuple[Any, bytes]:
    """(the parsed file or None, its bytes for the build id)."""
    raw = b""
    try:
        raw = path.read_bytes()
        stream = io.StringIO(raw.decode("utf-8"))
        stream.name = str(path)  # for the parser's messages, as when it reads the file itself
        return yaml.load(stream, Loader=_YAML_LOADER), raw
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.append(BuildError(file, "", f"cannot be read: {exc}".replace("\n", " ")))
        return None, raw


def validate(cls: type[Schema], data: Any, file: str, errors: list[BuildError]) -> Any:
    """``data`` loaded through the annotation schema ``cls``, or None with its errors noted."""
    try:
        return schema(cls).load({} if data is None else data)
    except ValidationError as exc:
        errors.extend(BuildError(file, path, message) for path, message in flatten_messages(exc.messages))
        return None


REGISTRIES = ("actors", "places")
# What a draft annotation (``flask new-source``) says wherever the analyst has still to decide;
# a value that starts with the word ("TODO: check the speaker") is still to decide too.
TODO = "TODO"
_TODO = re.compile(r"^\s*TODO\b")


def todo_paths(data: Any) -> list[str]:
    """The path of every value still ``TODO`` in a parsed annotation, in file order, e.g.
    ``statements[0].speakers[0].actor`` (strings in mappings and in lists alike). A path is only
    spelled out for a hit: every annotation of every build goes through here."""
    found: list[str] = []
    keys: list[str | int] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if _TODO.match(node):
                found.append("".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip("."))
        elif isinstance(node, dict):
            for key, value in node.items():
                keys.append(str(key))
                walk(value)
                keys.pop()
        elif isinstance(node, list):
            for i, item in enumerate(node):
                keys.append(i)
                walk(item)
                keys.pop()

    walk(data)
    return found


def read_registry(seeds_dir: Path, errors: list[BuildError]) -> Registry:
    """The actor and place registries and the list of texts. A missing registry stops the build
    at once; annotations without a text, and a folder without texts, are errors."""
    file, places_file = display(seeds_dir, "actors.yaml"), display(seeds_dir, "places.yaml")
    for name, shown in (("actors", file), ("places", places_file)):
        if not (seeds_dir / f"{name}.yaml").exists():
            raise BuildFailed([BuildError(shown, "", f"missing: the {name[:-1]} registry is required")])
    data, raw = read_yaml(seeds_dir / "actors.yaml", file, errors)
    errors.extend(BuildError(file, path, f"{TODO}: not yet coded") for path in todo_paths(data))
    loaded = validate(ann.ActorRegistryAnnotation, data, file, errors)
    places_data, places_raw = read_yaml(seeds_dir / "places.yaml", places_file, errors)
    errors.extend(BuildError(places_file, path, f"{TODO}: not yet coded") for path in todo_paths(places_data))
    places = validate(ann.PlaceRegistryAnnotation, places_data, places_file, errors)
    texts = sorted(seeds_dir.glob("*.txt"), key=lambda p: p.name)  # (names: Paths compare slowly)
    annotations = {p.stem for p in seeds_dir.glob("*.yaml")} - set(REGISTRIES)
    for stray in sorted(annotations - {p.stem for p in texts}):
        errors.append(BuildError(display(seeds_dir, f"{stray}.yaml"), "", f"has no text: {stray}.txt is missing"))
    if not texts:
        errors.append(BuildError(seeds_dir.name, "", "no source texts (*.txt) found"))
    digest = hashlib.sha256(raw + b"\0" + places_raw).hexdigest()
    actors = loaded["actors"] if loaded else []
    return Registry(file, actors, digest, texts, places_file, places["places"] if places else [])


def load_document(txt_path: Path, errors: list[BuildError]) -> tuple[LoadedDocument | None, str]:
    """One text and its annotation: (the document or None, a digest of the bytes read)."""
    seeds_dir = txt_path.parent
    file = display(seeds_dir, txt_path.stem + ".yaml")
    raw = txt_path.read_bytes()
    text_sha256 = hashlib.sha256(raw).hexdigest()  # recorded on the source, and part of the digest
    hasher = hashlib.sha256(txt_path.name.encode() + b"\0" + text_sha256.encode() + b"\0")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(BuildError(display(seeds_dir, txt_path.name), "", f"is not UTF-8: {exc}"))
        return None, hasher.hexdigest()
    if not re.match(vocab.SOURCE_ID_PATTERN, txt_path.stem):
        errors.append(BuildError(display(seeds_dir, txt_path.name), "", "file name must be NNN_<16 hex digits>.txt"))
        return None, hasher.hexdigest()
    yaml_path = txt_path.with_suffix(".yaml")
    if not yaml_path.exists():
        errors.append(BuildError(file, "", f"missing: {txt_path.name} has no annotation file"))
        return None, hasher.hexdigest()
    data, yaml_raw = read_yaml(yaml_path, file, errors)
    hasher.update(yaml_path.name.encode() + b"\0" + yaml_raw + b"\0")
    todo = [BuildError(file, path, f"{TODO}: not yet coded") for path in todo_paths(data)]
    if todo:  # a draft: half-coded, it is neither validated (its TODOs would only be noise) nor built
        errors.extend(todo)
        return None, hasher.hexdigest()
    loaded = validate(ann.SourceAnnotation, data, file, errors)
    if loaded is None:
        return None, hasher.hexdigest()
    document = LoadedDocument(
        id=txt_path.stem,
        file=file,
        text_name=txt_path.name,
        text=body,
        sha256=text_sha256,
        size=len(raw),
        document=loaded["document"],
        statements=loaded["statements"],
        events=loaded["events"],
        casualties=loaded["casualties"],
    )
    return document, hasher.hexdigest()


def document_digest(txt_path: Path) -> str:
    """The digest ``load_document`` gives a document that has its annotation, from the bytes
    alone (an incremental build's test of whether a file with a new timestamp really changed)."""
    hasher = hashlib.sha256(txt_path.name.encode() + b"\0" + hashlib.sha256(txt_path.read_bytes()).hexdigest().encode())
    yaml_path = txt_path.with_suffix(".yaml")
    hasher.update(b"\0" + yaml_path.name.encode() + b"\0" + yaml_path.read_bytes() + b"\0")
    return hasher.hexdigest()


class DocumentCache:
    """Other documents, for an event's ``also_reported_in`` (its anchor is checked in the other
    text): loaded from disk on demand, None unless it loads, a few hundred kept per process."""

    SIZE = 256

    def __init__(self, seeds_dir: Path):
        self.seeds_dir = seeds_dir
        self._recent: collections.OrderedDict[str, LoadedDocument | None] = collections.OrderedDict()

    def get(self, source_id: str) -> LoadedDocument | None:
        if source_id in self._recent:
            self._recent.move_to_end(source_id)
            return self._recent[source_id]
        txt_path = self.seeds_dir / f"{source_id}.txt"
        document = load_document(txt_path, [])[0] if txt_path.is_file() else None
        self.remember(source_id, document)
        return document

    def exists(self, source_id: str) -> bool:
        """Whether there is a text with this id (it may still fail to load)."""
        return (self.seeds_dir / f"{source_id}.txt").is_file()

    def remember(self, source_id: str, document: LoadedDocument | None) -> None:
        """Keep a document this process has loaded anyway: the next ones often report its events."""
        self._recent[source_id] = document
        if len(self._recent) > self.SIZE:
            self._recent.popitem(last=False)
