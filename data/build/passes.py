"""The two passes over documents that every build makes, one document per call (in worker
processes for a large corpus): load and check (``check_document``), then render
(``render_document``) with the complete corpus index. A full build runs them over every document,
an incremental one over the documents that changed and those that depend on them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .check import DocumentChecker, DocumentFacts, Record
from .errors import BuildError
from .index import CorpusIndex
from .load import DocumentCache, load_document
from .render import Rows, document_rows
from .spool import Spool
from .state import pack, signature
from .write import SCHEMA_VERSION

# Code whose change must change the build id (and so every ETag), and makes a full build.
_ROOT = Path(__file__).resolve().parent.parent.parent
_CODE_DIRS = ("data", "schemas")


@dataclass
class BuildReport:
    path: Path
    build_id: str
    counts: dict[str, int]
    incremental: bool = False
    rebuilt: list[str] = field(default_factory=list)  # an incremental build: the documents it rendered again


def registry_key(registry_digest: str, seeds_dir: Path) -> str:
    """What an incremental build must find unchanged besides the code: the registries, and the
    folder name that errors and the documents' recorded facts name files by (``seeds/x.yaml``)."""
    return hashlib.sha256(f"{registry_digest}\0{seeds_dir.name}".encode()).hexdigest()


def build_id_of(inputs: str, code: str) -> str:
    """The build id: of every input's digest and of the code that built them."""
    return hashlib.sha256((inputs + code).encode()).hexdigest()[:16]


@dataclass
class CheckContext:
    actors: dict[str, Record]
    places: dict[str, Record]
    others: DocumentCache
    keep: bool  # whether checked documents are wanted for rendering


@dataclass
class Checked:
    """One document's outcome, as a worker returns it."""

    source_id: str
    signature: str  # of its files, read before them (a change while building shows next time)
    digest: str  # of the bytes read, for the build id
    load_errors: list[BuildError]
    facts: DocumentFacts | None  # None: the document did not load
    check_errors: list[BuildError]
    packed: bytes | None  # the checked document, pickled for the spool
    # The facts, pickled where they were made (for the build's state: the same bytes whether a
    # worker or this process checked the document).
    packed_facts: bytes = b""


def check_document(context: CheckContext, txt_path: Path) -> Checked:
    stamp = signature(txt_path)
    load_errors: list[BuildError] = []
    document, digest = load_document(txt_path, load_errors)
    context.others.remember(txt_path.stem, document)  # the next documents may report its events too
    if document is None:
        return Checked(txt_path.stem, stamp, digest, load_errors, None, [], None)
    checker = DocumentChecker(document, context.actors, context.places, context.others)
    checked, facts = checker.check()
    packed = Spool.pack(checked) if context.keep and not checker.errors else None
    return Checked(txt_path.stem, stamp, digest, load_errors, facts, checker.errors, packed, pack(facts))


@dataclass
class RenderContext:
    index: CorpusIndex
    spool: Spool


def render_document(context: RenderContext, entry: tuple[int, int, int]) -> Rows:
    """The rows of a spooled document; ``entry[0]``: its number in the corpus."""
    return document_rows(context.spool.read(entry), context.index, position=entry[0])


def code_hash() -> str:
    hasher = hashlib.sha256(SCHEMA_VERSION.encode())
    for folder in _CODE_DIRS:
        for path in sorted((_ROOT / folder).rglob("*.py")):
            hasher.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
