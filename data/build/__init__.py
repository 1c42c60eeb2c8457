"""seeds/ in, a database out: the build as four stages, run in order by this module.

    load    read the registry and each document, check their shape     (load.py, workers.py)
    check   the rules across records, the mechanics (spans, dates),    (check.py, index.py)
            then the references across documents
    render  every record through the resource schemas, once            (render.py)
    write   tables, indexes, full text, atomic replace                 (tables.py, write.py)

Both ``check_corpus`` (``flask build-db --check``) and ``build_database`` run the same first
pass: every document is loaded and checked (in worker processes for a large corpus) and its facts
gathered into a ``CorpusIndex``; every error is collected and raised together as ``BuildFailed``.
``build_database`` then renders the checked documents, which the first pass spooled to disk, with
the complete index to look references and counts up in, and writes them to a new file that
replaces the old one only when everything succeeded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .check import DocumentChecker, DocumentFacts, Record
from .errors import BuildError, BuildFailed, in_record_order
from .index import CorpusIndex
from .load import DocumentCache, load_document, read_registry
from .registry import check_actors, check_places
from .render import Rows, actor_rows, document_rows, place_rows
from .spool import Spool
from .workers import ordered_map
from .write import SCHEMA_VERSION, DatabaseWriter, atomic_output

__all__ = ["BuildError", "BuildFailed", "BuildReport", "build_database", "check_corpus"]

# Code whose change must change the build id (and so every ETag).
_ROOT = Path(__file__).resolve().parent.parent.parent
_CODE_DIRS = ("data", "schemas")


@dataclass
class BuildReport:
    path: Path
    build_id: str
    counts: dict[str, int]


def check_corpus(seeds_dir: Path) -> dict[str, int]:
    """Check every annotation in ``seeds_dir``; the row counts a build would write, or BuildFailed."""
    return _check(Path(seeds_dir), spool=None)[0].counts()


def build_database(seeds_dir: Path, out_path: Path) -> BuildReport:
    """Check ``seeds_dir`` and build ``out_path`` atomically; on BuildFailed (with every error
    found) the file at ``out_path`` is untouched."""
    seeds_dir, out_path = Path(seeds_dir), Path(out_path)
    with Spool(out_path.parent) as spool:
        index, inputs = _check(seeds_dir, spool)
        build_id = hashlib.sha256((inputs + _code_hash()).encode()).hexdigest()[:16]
        with atomic_output(out_path) as tmp, DatabaseWriter(tmp) as writer:
            context = _RenderContext(index, spool)
            for rows in ordered_map(_render_document, spool.entries(), context):
                writer.insert(rows)
            counts = writer.finish(index.actors, actor_rows(index), index.places, place_rows(index), build_id)
    return BuildReport(out_path, build_id, counts)


# -- the first pass: load and check ---------------------------------------------------------


@dataclass
class _CheckContext:
    actors: dict[str, Record]
    places: dict[str, Record]
    others: DocumentCache
    keep: bool  # whether checked documents are wanted for rendering


@dataclass
class _Checked:
    """One document's outcome, as a worker returns it."""

    digest: str  # of the bytes read, for the build id
    load_errors: list[BuildError]
    facts: DocumentFacts | None  # None: the document did not load
    check_errors: list[BuildError]
    packed: bytes | None  # the checked document, pickled for the spool


def _check_document(context: _CheckContext, txt_path: Path) -> _Checked:
    load_errors: list[BuildError] = []
    document, digest = load_document(txt_path, load_errors)
    context.others.remember(txt_path.stem, document)  # the next documents may report its events too
    if document is None:
        return _Checked(digest, load_errors, None, [], None)
    checker = DocumentChecker(document, context.actors, context.places, context.others)
    checked, facts = checker.check()
    packed = Spool.pack(checked) if context.keep and not checker.errors else None
    return _Checked(digest, load_errors, facts, checker.errors, packed)


def _check(seeds_dir: Path, spool: Spool | None) -> tuple[CorpusIndex, str]:
    """(the complete index, a digest of every input) or BuildFailed. Errors come in this order:
    the registry's; every document that cannot be read or does not have the annotation shape;
    each document's record errors, in file order and, within a file, in record order (a
    repeated id first among its record's errors); then references across documents, left out
    when a document failed to load (they would report its records as unknown: noise that hides
    the real error)."""
    registry_errors: list[BuildError] = []
    registry = read_registry(seeds_dir, registry_errors)
    actors = check_actors(registry.actors, registry.file, registry_errors)
    index = CorpusIndex(actors, check_places(registry.places, registry.places_file, registry_errors))
    load_errors: list[BuildError] = []
    record_errors: list[BuildError] = []
    digest = hashlib.sha256()
    context = _CheckContext(index.actors, index.places, DocumentCache(seeds_dir), keep=spool is not None)
    for result in ordered_map(_check_document, registry.texts, context):
        digest.update(result.digest.encode())
        load_errors += result.load_errors
        if result.facts is None:
            continue
        record_errors += in_record_order(result.check_errors, index.add(result.facts))
        if spool is not None and result.packed is not None and not (registry_errors or load_errors or record_errors):
            spool.append(result.packed)
    digest.update(registry.digest.encode())
    errors = registry_errors + load_errors + record_errors
    if not load_errors:
        errors += index.check_references()
    if errors:
        raise BuildFailed(errors)
    if spool is not None:
        spool.seal(expected=len(index.documents))
        index.statement_summaries.update(spool.statement_summaries(index.cited_statements_elsewhere()))
    return index, digest.hexdigest()


# -- the second pass: render and write ------------------------------------------------------


@dataclass
class _RenderContext:
    index: CorpusIndex
    spool: Spool


def _render_document(context: _RenderContext, entry: tuple[int, int, int]) -> Rows:
    return document_rows(context.spool.read(entry), context.index, position=entry[0])


def _code_hash() -> str:
    hasher = hashlib.sha256(SCHEMA_VERSION.encode())
    for folder in _CODE_DIRS:
        for path in sorted((_ROOT / folder).rglob("*.py")):
            hasher.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
