"""Immutable release files: what a replica serves is a hard link (or a copy) of a built database
under the releases dir, named by its build id. The build renames a new file over data/corpus.db,
so the link keeps the old inode: rebuilding never changes what a running replica has open."""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Release:
    path: Path
    build_id: str


def build_id_of(database: Path) -> str:
    """The build id recorded in a built database (table meta), read without locking or writing;
    ValueError when ``database`` is missing or not a built database."""
    uri = f"file:{database.resolve()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'build_id'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ValueError(f"{database}: not a built database ({exc}); rebuild it with `make db`") from None
    if row is None:
        raise ValueError(f"{database}: no build id in its meta table; rebuild it with `make db`")
    return str(row[0])


def make_release(database: Path, releases_dir: Path) -> Release:
    """The release file of ``database``'s current build: <releases_dir>/<build_id>.db, made once
    (a hard link when on the same file system, else a copy, renamed into place atomically)."""
    if not database.is_file():
        raise FileNotFoundError(f"{database}: no database; build it with `make db`")
    build_id = build_id_of(database)
    releases_dir.mkdir(parents=True, exist_ok=True)
    target = releases_dir / f"{build_id}.db"
    if target.exists():
        return Release(target, build_id)
    incoming = releases_dir / f".{build_id}.{os.getpid()}.tmp"
    incoming.unlink(missing_ok=True)
    try:
        os.link(database, incoming)
    except OSError:
        shutil.copy2(database, incoming)  # another file system, or links not allowed
    if build_id_of(incoming) != build_id:  # the build renamed a newer file in between: try again
        incoming.unlink()
        return make_release(database, releases_dir)
    os.replace(incoming, target)
    return Release(target, build_id)


def prune_releases(releases_dir: Path, keep: set[Path]) -> list[Path]:
    """Delete the release files not in ``keep`` (no replica serves them any more)."""
    kept = {p.resolve() for p in keep}
    removed = []
    for path in releases_dir.glob("*.db"):
        if path.resolve() not in kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
