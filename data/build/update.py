"""The incremental build: the database a full build would write, from the previous one and the
documents that changed.

It continues from the database at the output path when that was built by this code (same
layout, same source of ``data/`` and ``schemas/``) from the same actor and place registries;
otherwise the build is a full one. Then:

1. **What changed**: a document whose files have the size and timestamp recorded for it, and the
   same number in the corpus, is unchanged; with a new timestamp, its bytes decide (state.py).
2. **Check** the changed documents, then the documents whose check or rows depend on them: those
   whose records refer to a record the changed ones had (a statement's event, a related event, a
   casualty's statement or total), those that cite a changed source as reporting their events
   too (their anchors are in its text), and the sources whose counts the changed ones add to.
   The corpus index is rebuilt from every document's facts (the recorded ones for the others),
   so duplicate ids and references across the whole corpus are checked as a full build checks
   them, and the errors are the same.
3. **Write** a copy of the database: the rows of those documents (and of removed ones) are
   deleted with their full-text entries and scopes rows, their new rows inserted, the actors'
   counts, the meta table and the documents' state rewritten; the copy replaces the database
   atomically, as a full build's file does.

Row ids that the API reads (statements' and events', schemas/sort_keys.py) depend only on the
record and its document, so they are the same as a full build's. The planner's statistics
(ANALYZE) are kept from the full build the chain started with.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from . import state
from .check import DocumentFacts
from .errors import BuildError, BuildFailed, in_record_order
from .index import CorpusIndex
from .load import DocumentCache, document_digest, read_registry
from .passes import (
    BuildReport,
    CheckContext,
    Checked,
    RenderContext,
    build_id_of,
    check_document,
    code_hash,
    registry_key,
    render_document,
)
from .registry import check_actors, check_places
from .render import actor_rows
from .spool import Spool
from .state import DocumentState, signature
from .workers import ordered_map
from .write import (
    DATE_COLUMNS,
    SCHEMA_VERSION,
    TOUCHED,
    DatabaseWriter,
    atomic_output,
    date_spans,
    scope_rows,
    write_meta,
)

# Link tables, by the record table whose rows they belong to (and the column naming the record).
_LINKS = {
    "statements": (("statement_speakers", "statement_id"), ("statement_targets", "statement_id")),
    "events": (
        ("event_places", "event_id"),
        ("event_participants", "event_id"),
        ("event_claimants", "event_id"),
        ("event_sources", "event_id"),
        ("event_relations", "event_id"),
    ),
    "casualties": (("casualty_places", "casualty_id"),),
}
# Unchanged files with new timestamps that make a build record them (without anything to rebuild).
_REFRESH_AT = 1000
_FULL_TEXT = {"statements": ("quote", "summary"), "events": ("title", "description")}


@dataclass
class _Previous:
    meta: dict[str, str]
    states: list[DocumentState]


def update_database(seeds_dir: Path, out_path: Path) -> BuildReport | None:  # noqa: C901 (one plan, in order)
    """Bring ``out_path`` up to date with ``seeds_dir``; None when it holds no build this one
    can continue from (the caller then builds in full). BuildFailed as a full build would."""
    previous = _read_previous(out_path)
    if previous is None:
        return None
    registry_errors: list[BuildError] = []
    registry = read_registry(seeds_dir, registry_errors)
    code = code_hash()
    key = registry_key(registry.digest, seeds_dir)
    same_build = previous.meta.get("code_hash") == code and previous.meta.get("registry_digest") == key
    if registry_errors or not same_build:
        return None  # a full build reports the registry's errors, or rebuilds for new code or registries
    actors = check_actors(registry.actors, registry.file, registry_errors)
    places = check_places(registry.places, registry.places_file, registry_errors)
    if registry_errors:
        return None

    old = {s.source_id: (number, s) for number, s in enumerate(previous.states)}
    texts = {path.stem: path for path in registry.texts}
    numbers = {source_id: number for number, source_id in enumerate(texts)}
    states: dict[str, DocumentState] = {}  # the unchanged documents' (signature refreshed)
    changed: list[str] = []
    for source_id, path in texts.items():
        number, state = old.get(source_id, (None, None))
        if state is None or number != numbers[source_id]:
            changed.append(source_id)
            continue
        stamp = signature(path)
        if stamp != state.signature:
            try:
                same = document_digest(path) == state.digest
            except OSError:  # its annotation gone or unreadable: checking it says so, as a full build does
                same = False
            if not same:
                changed.append(source_id)
                continue
            state = DocumentState(source_id, stamp, state.digest, state.facts)
        states[source_id] = state
    removed = [source_id for source_id in old if source_id not in texts]
    refreshed = {s for s in states if states[s] is not old[s][1]}  # a new timestamp on the same bytes
    # Nothing to rebuild: the database stays as it is. New timestamps are recorded only when
    # many files have them (a checkout): a few files read again next time cost less than a copy.
    if not changed and not removed and len(refreshed) <= _REFRESH_AT:
        counts = {k: int(v) for k, v in _json(previous.meta["counts"]).items()}
        return BuildReport(out_path, previous.meta["build_id"], counts, incremental=True)

    with _without_gc():  # a few objects per record, none cyclic: the collector would only rescan them
        cached = {source_id: states[source_id].unpacked() for source_id in states}
        old_facts = {s: old[s][1].unpacked() for s in [*changed, *removed] if s in old}
    context = CheckContext(actors, places, DocumentCache(seeds_dir), keep=True)
    checked = {r.source_id: r for r in ordered_map(check_document, [texts[s] for s in changed], context)}
    new_facts = {s: r.facts for s, r in checked.items() if r.facts is not None}
    dependents = _dependents(cached, {**old_facts}, new_facts, set(changed) | set(removed)) - set(checked)
    ordered_dependents = [s for s in texts if s in dependents]
    checked.update(
        (r.source_id, r) for r in ordered_map(check_document, [texts[s] for s in ordered_dependents], context)
    )

    with Spool(out_path.parent) as spool:
        with _without_gc():
            index, inputs, errors = _index(actors, places, texts, cached, states, checked, spool, numbers)
        inputs.update(registry.digest.encode())
        if errors:
            raise BuildFailed(errors)
        spool.seal(expected=len(checked))
        index.registry_digest = key
        wanted = index.cited_statements_elsewhere()
        index.statement_summaries.update(spool.statement_summaries(wanted))
        build_id = build_id_of(inputs.hexdigest(), code)
        touched = [*checked, *removed]
        all_states = [states.get(s) or _state_of(checked[s]) for s in texts]
        with atomic_output(out_path) as tmp:
            shutil.copyfile(out_path, tmp)
            with _Updater(tmp) as updater:
                _fill_summaries(updater.db.conn, index, wanted, spool)
                updater.replace(touched, ordered_map(render_document, spool.entries(), RenderContext(index, spool)))
                counts = updater.complete(index, build_id, code, all_states, set(touched) | refreshed)
    return BuildReport(out_path, build_id, counts, incremental=True, rebuilt=[s for s in texts if s in checked])


@contextlib.contextmanager
def _without_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused: rebuilding the corpus index allocates millions of
    small objects, and each collection rescans all of them (it more than doubles the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_previous(out_path: Path) -> _Previous | None:
    if not out_path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{out_path}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("schema_version") != SCHEMA_VERSION:
                return None
            return _Previous(meta, state.read(conn))
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # not a database this build wrote: build it anew


def _json(value: str) -> dict[str, int]:
    loaded: dict[str, int] = json.loads(value)
    return loaded


def _record_ids(facts: DocumentFacts) -> set[str]:
    return {i for i, _ in (*facts.statement_ids, *facts.event_ids, *facts.casualty_ids)}


def _dependents(
    cached: dict[str, DocumentFacts],
    old_facts: dict[str, DocumentFacts],
    new_facts: dict[str, DocumentFacts],
    touched: set[str],
) -> set[str]:
    """The unchanged documents to check and render again because of the ``touched`` ones: they
    refer to a record a touched document had, they cite a touched source as also reporting their
    events, or a touched document cites them (their counts change)."""
    gone_ids: set[str] = set()
    for facts in old_facts.values():
        gone_ids |= _record_ids(facts)
    found = set()
    for facts in (*old_facts.values(), *new_facts.values()):
        found.update(facts.also_reports)
    for source_id, facts in cached.items():
        if touched.intersection(facts.also_reports) or any(ref.target in gone_ids for ref in facts.references):
            found.add(source_id)
    return {s for s in found if s in cached}


def _index(
    actors: dict,
    places: dict,
    texts: dict[str, Path],
    cached: dict[str, DocumentFacts],
    states: dict[str, DocumentState],
    checked: dict[str, Checked],
    spool: Spool,
    numbers: dict[str, int],
) -> tuple[CorpusIndex, hashlib._Hash, list[BuildError]]:
    """The corpus index from every document in corpus order, as a full build's first pass
    makes it (with the same errors, in the same order); the checked documents are spooled."""
    index = CorpusIndex(actors, places)
    inputs = hashlib.sha256()
    load_errors: list[BuildError] = []
    record_errors: list[BuildError] = []
    for source_id in texts:
        result = checked.get(source_id)
        if result is None:
            inputs.update(states[source_id].digest.encode())
            # Unchanged, yet its ids may now collide with a changed document's that comes first.
            record_errors += in_record_order([], index.add(cached[source_id]))
            continue
        inputs.update(result.digest.encode())
        load_errors += result.load_errors
        if result.facts is None:
            continue
        record_errors += in_record_order(result.check_errors, index.add(result.facts))
        if result.packed is not None and not (load_errors or record_errors):
            spool.append(result.packed, numbers[source_id])
    errors = load_errors + record_errors
    if not load_errors:
        errors += index.check_references()
    return index, inputs, errors


def _state_of(result: Checked) -> DocumentState:
    return DocumentState(result.source_id, result.signature, result.digest, result.packed_facts)


def _fill_summaries(conn: sqlite3.Connection, index: CorpusIndex, wanted: dict[int, set[str]], spool: Spool) -> None:
    """Summaries of statements cited by another document's casualty that were not spooled: the
    previous build wrote them."""
    missing = sorted({i for ids in wanted.values() for i in ids} - set(index.statement_summaries))
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        rows = conn.execute(f"SELECT id, summary FROM statements WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        index.statement_summaries.update(rows.fetchall())


class _Updater(DatabaseWriter):
    """A copy of the previous database, changed into the next one."""

    def __init__(self, path: Path):
        self.db = sqlite_utils.Database(str(path))
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144"):
            self.db.conn.execute(f"PRAGMA {pragma}")

    def replace(self, sources: list[str], rows: Iterable[list]) -> None:
        """Delete every row of ``sources`` (records, links, full text, scopes), then insert ``rows``."""
        conn = self.db.conn
        conn.execute(f"CREATE TABLE {TOUCHED} (id TEXT PRIMARY KEY)")
        conn.executemany(f"INSERT INTO {TOUCHED} VALUES (?)", [(s,) for s in sources])
        self.deleted_spans = date_spans(self.db, _of_touched)
        for select, params in scope_rows(touched_only=True):
            conn.execute(f"DELETE FROM scopes WHERE (role, scope_id, date_sort, record_id) IN ({select})", params)
        for table, columns in _FULL_TEXT.items():
            names = ", ".join(columns)
            conn.execute(
                f"INSERT INTO {table}_fts ({table}_fts, rowid, {names}) SELECT 'delete', rowid, {names} FROM {table} "
                f"WHERE source_id IN (SELECT id FROM {TOUCHED})"
            )
        for table, links in _LINKS.items():
            for link, column in links:
                conn.execute(
                    f"DELETE FROM {link} WHERE {column} IN "
                    f"(SELECT id FROM {table} WHERE source_id IN (SELECT id FROM {TOUCHED}))"
                )
            conn.execute(f"DELETE FROM {table} WHERE source_id IN (SELECT id FROM {TOUCHED})")
        conn.execute(f"DELETE FROM sources WHERE id IN (SELECT id FROM {TOUCHED})")
        for document_rows in rows:
            self.insert(document_rows)
        for table, columns in _FULL_TEXT.items():
            names = ", ".join(columns)
            conn.execute(
                f"INSERT INTO {table}_fts (rowid, {names}) SELECT rowid, {names} FROM {table} "
                f"WHERE source_id IN (SELECT id FROM {TOUCHED})"
            )
        for select, params in scope_rows(touched_only=True):
            conn.execute(f"INSERT OR IGNORE INTO scopes {select}", params)

    def __enter__(self) -> _Updater:
        return self

    def complete(
        self,
        index: CorpusIndex,
        build_id: str,
        code: str,
        states: list[DocumentState],
        restated: set[str],
    ) -> dict[str, int]:
        """Actors (their counts), date spans, the documents' state and the meta table."""
        db, conn = self.db, self.db.conn
        conn.execute("DELETE FROM actors")
        db.table("actors").insert_all(actor_rows(index))
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        old_spans, new_spans = _json(meta["date_spans"]), date_spans(db, _of_touched)
        spans = {}
        for table in DATE_COLUMNS:
            if self.deleted_spans[table] >= old_spans[table] > new_spans[table]:
                spans[table] = date_spans(db)[table]  # the longest range may be gone: measure again
            else:
                spans[table] = max(old_spans[table], new_spans[table])
        # The state of each document in ``restated`` (changed, removed, or a new timestamp).
        conn.executemany("DELETE FROM build_documents WHERE source_id = ?", [(s,) for s in sorted(restated)])
        numbered = [(n, s) for n, s in enumerate(states) if s.source_id in restated]
        conn.executemany(
            "INSERT INTO build_documents VALUES (?, ?, ?, ?, ?)",
            [(n, s.source_id, s.signature, s.digest, s.facts) for n, s in numbered],
        )
        counts = write_meta(db, build_id, spans, code, index.registry_digest)
        conn.execute(f"DROP TABLE {TOUCHED}")
        conn.commit()
        return counts


def _of_touched(table: str) -> str:
    return f"WHERE {'id' if table == 'sources' else 'source_id'} IN (SELECT id FROM {TOUCHED})"
