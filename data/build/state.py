"""What a build keeps of each document for the next one, in the database it writes.

Table ``build_documents``: per document, in corpus order, its source id, a signature of its two
files (size and modification time, as ``make`` and ``git`` use them to skip unchanged files), a
digest of their bytes and the document's facts (``DocumentFacts``, pickled; the build only ever
reads back what it wrote itself). With it, an incremental build (``update.py``) knows which
documents changed without reading the others, and rebuilds the corpus index without parsing them.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .check import DocumentFacts

TABLE = "build_documents"


@dataclass
class DocumentState:
    source_id: str
    signature: str
    digest: str
    facts: bytes  # pickled DocumentFacts

    def unpacked(self) -> DocumentFacts:
        facts: DocumentFacts = pickle.loads(self.facts)
        return facts


def pack(facts: DocumentFacts) -> bytes:
    return pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)


def signature(txt_path: Path) -> str:
    """Size and modification time of a text and its annotation: unchanged, the bytes are taken
    to be unchanged."""
    parts = []
    for path in (txt_path, txt_path.with_suffix(".yaml")):
        try:
            st = os.stat(path)
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "/".join(parts)


def create(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE TABLE {TABLE} (number INTEGER PRIMARY KEY, source_id TEXT NOT NULL UNIQUE, "
        "signature TEXT NOT NULL, digest TEXT NOT NULL, facts BLOB NOT NULL)"
    )


def write(conn: sqlite3.Connection, states: list[DocumentState]) -> None:
    """Every document's state, numbered in corpus order (replacing what was there)."""
    conn.execute(f"DELETE FROM {TABLE}")
    conn.executemany(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?)",
        ((n, s.source_id, s.signature, s.digest, s.facts) for n, s in enumerate(states)),
    )


def read(conn: sqlite3.Connection) -> list[DocumentState]:
    rows = conn.execute(f"SELECT source_id, signature, digest, facts FROM {TABLE} ORDER BY number")
    return [DocumentState(*row) for row in rows]
