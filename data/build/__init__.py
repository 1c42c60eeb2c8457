"""seeds/ in, a database out: the build as four stages, run in order by this module.

    load    read the registry and each document, check their shape     (load.py, workers.py)
    check   the rules across records, the mechanics (spans, dates),    (check.py, index.py)
            then the references across documents
    render  every record through the resource schemas, once            (render.py)
    write   tables, indexes, full text, atomic replace                 (tables.py, write.py)

Both ``check_corpus`` (``flask build-db --check``) and ``build_database`` run the same first
pass (passes.py): every document is loaded and checked (in worker processes for a large corpus)
and its facts gathered into a ``CorpusIndex``; every error is collected and raised together as
``BuildFailed``. ``build_database`` then renders the checked documents, which the first pass
spooled to disk, with the complete index to look references and counts up in, and writes them to
a new file that replaces the old one only when everything succeeded.

When the output database exists and was built by the same code from the same registries,
``build_database`` is incremental (update.py): only the documents that changed, and those whose
records refer to theirs, are checked and rendered again, into a copy of the database, with the
same result as a full build. ``full=True`` always builds from scratch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import BuildError, BuildFailed, in_record_order
from .index import CorpusIndex
from .load import DocumentCache, read_registry
from .passes import (
    BuildReport,
    CheckContext,
    RenderContext,
    build_id_of,
    check_document,
    code_hash,
    registry_key,
    render_document,
)
from .registry import check_actors, check_places
from .render import actor_rows, place_rows
from .spool import Spool
from .state import DocumentState
from .update import update_database
from .workers import fewer_collections, ordered_map
from .write import DatabaseWriter, atomic_output

__all__ = ["BuildError", "BuildFailed", "BuildReport", "build_database", "check_corpus"]


def check_corpus(seeds_dir: Path) -> dict[str, int]:
    """Check every annotation in ``seeds_dir``; the row counts a build would write, or BuildFailed."""
    return _check(Path(seeds_dir), spool=None)[0].counts()


def build_database(seeds_dir: Path, out_path: Path, *, full: bool = False) -> BuildReport:
    """Check ``seeds_dir`` and build ``out_path`` atomically; on BuildFailed (with every error
    found) the file at ``out_path`` is untouched. Incremental when ``out_path`` holds a build it
    can continue from, unless ``full``."""
    seeds_dir, out_path = Path(seeds_dir), Path(out_path)
    with fewer_collections():
        report = None if full else update_database(seeds_dir, out_path)
        return report or _build_in_full(seeds_dir, out_path)


def _build_in_full(seeds_dir: Path, out_path: Path) -> BuildReport:
    with Spool(out_path.parent) as spool:
        index, inputs, states = _check(seeds_dir, spool)
        code = code_hash()
        build_id = build_id_of(inputs, code)
        with atomic_output(out_path) as tmp, DatabaseWriter(tmp) as writer:
            context = RenderContext(index, spool)
            for rows in ordered_map(render_document, spool.entries(), context):
                writer.insert(rows)
            counts = writer.finish(index, actor_rows(index), place_rows(index), build_id, states, code)
    return BuildReport(out_path, build_id, counts)


def _check(seeds_dir: Path, spool: Spool | None) -> tuple[CorpusIndex, str, list[DocumentState]]:
    """(the complete index, a digest of every input, each document's state) or BuildFailed.
    Errors come in this order:
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
    states: list[DocumentState] = []
    context = CheckContext(index.actors, index.places, DocumentCache(seeds_dir), keep=spool is not None)
    for result in ordered_map(check_document, registry.texts, context):
        digest.update(result.digest.encode())
        load_errors += result.load_errors
        if result.facts is None:
            continue
        record_errors += in_record_order(result.check_errors, index.add(result.facts))
        if spool is not None and result.packed is not None and not (registry_errors or load_errors or record_errors):
            spool.append(result.packed)
            states.append(DocumentState(result.source_id, result.signature, result.digest, result.packed_facts))
    digest.update(registry.digest.encode())
    errors = registry_errors + load_errors + record_errors
    if not load_errors:
        errors += index.check_references()
    if errors:
        raise BuildFailed(errors)
    if spool is not None:
        spool.seal(expected=len(index.documents))
        index.statement_summaries.update(spool.statement_summaries(index.cited_statements_elsewhere()))
    index.registry_digest = registry_key(registry.digest, seeds_dir)
    return index, digest.hexdigest(), states
