"""Checked documents, kept on disk between the check pass and the render pass.

Rendering needs the whole corpus checked first (references and counts span documents), and a
large corpus does not fit in memory; re-parsing it would cost most of a build again. So each
checked document is pickled once, by the worker that checked it, into one temporary file beside
the output; render workers read their documents back by offset (``os.pread`` on the inherited
descriptor, safe in forked processes).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from types import TracebackType

from .check import CheckedDocument


class Spool:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=folder, prefix=".build-spool.")
        self._entries: list[tuple[int, int, int]] = []  # (number, offset, length) of each document
        self._end = 0

    @staticmethod
    def pack(document: CheckedDocument) -> bytes:
        return pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)

    def append(self, packed: bytes, number: int | None = None) -> None:
        """Keep a document: the ``number``-th of the corpus (by default, the next)."""
        self._file.write(packed)
        self._entries.append((len(self._entries) if number is None else number, self._end, len(packed)))
        self._end += len(packed)

    def __len__(self) -> int:
        return len(self._entries)

    def seal(self, expected: int) -> None:
        """No more documents: what was written becomes readable (also from forked workers).
        ``expected``: how many documents the index numbered, which must be every one spooled."""
        if len(self._entries) != expected:
            raise RuntimeError(f"the spool has {len(self._entries)} documents, the index {expected}")
        self._file.flush()

    def entries(self) -> list[tuple[int, int, int]]:
        """(number, offset, length) of every document, for ``read``; numbered as the index numbers
        documents."""
        return list(self._entries)

    def read(self, entry: tuple[int, int, int]) -> CheckedDocument:
        _number, offset, length = entry
        document: CheckedDocument = pickle.loads(os.pread(self._file.fileno(), length, offset))
        return document

    def statement_summaries(self, wanted: dict[int, set[str]]) -> dict[str, str]:
        """Summaries of the statements ``wanted`` by document number."""
        entries = {entry[0]: entry for entry in self._entries}
        found = {}
        for number, ids in sorted(wanted.items()):
            if number not in entries:
                continue  # not spooled (an incremental build reads those from the database)
            for statement in self.read(entries[number]).statements:
                if statement["id"] in ids:
                    found[statement["id"]] = statement["summary"]
        return found

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
