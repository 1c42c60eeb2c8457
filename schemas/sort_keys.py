"""How records sort by date: one rule for the build (the keys and rowids it writes) and the API
(the pages it reads in that order).

A record's date sort key is its start date (ISO, '' when unknown): undated records come first
ascending, last descending; ties are broken by id. Records that are searched in full text
(statements, events) also get a rowid in that order, because FTS5 lists its matches in rowid
order: a full-text page can then be read from the index in page order instead of fetching and
sorting every match. A rowid is ``bucket << BUCKET_SHIFT | document << 16 | record``:

* the bucket orders the records as their (sort key, id) does, up to ties within a bucket, which
  a page sorts: a dated record's bucket is its day; an undated record's is taken from the first
  characters of its id (all undated records sharing one bucket would make a page sort them all);
* the document's number and the record's place in it make the rowid unique. The rowid depends on
  nothing but the record and its document, so an incremental build writes the same rowids as a
  full one.
"""

from __future__ import annotations

import datetime as dt

BUCKET_SHIFT = 41
_DOCUMENT_SHIFT = 16
_MAX_DOCUMENTS = 1 << (BUCKET_SHIFT - _DOCUMENT_SHIFT)
_MAX_RECORDS = 1 << _DOCUMENT_SHIFT
# Buckets below this are undated records' (19 bits of their id); days are above it, so every
# undated bucket sorts before every day, as '' does before every date.
_UNDATED_BUCKETS = 1 << 19
MAX_ROWID = (1 << 63) - 1


def date_sort(day: dt.date | None) -> str:
    """The sort key of a date: unknown dates are '', first ascending and last descending."""
    return day.isoformat() if day else ""


def bucket(key: str, record_id: str) -> int:
    """The rowid bucket of a record with this date sort key and id. Ascending buckets never
    contradict ascending (key, id): dated buckets are days after every undated bucket, and an
    undated record's bucket is a prefix of its id that keeps id order (byte by byte, 7 bits each
    from the first three bytes, a byte past ASCII ending the prefix as its maximum)."""
    if key:
        return _UNDATED_BUCKETS + dt.date.fromisoformat(key).toordinal()
    prefix = 0
    raw = record_id.encode()[:3].ljust(3, b"\0")
    ended = False
    for byte in raw:
        value = 0 if ended else min(byte, 0x7F)
        ended = ended or byte >= 0x7F
        prefix = (prefix << 7) | value
    return prefix >> 2  # 21 bits -> 19


def rowid(key: str, record_id: str, document: int, record: int) -> int:
    """The rowid of the ``record``-th record (of its kind) of the ``document``-th document."""
    if document >= _MAX_DOCUMENTS or record >= _MAX_RECORDS:
        raise ValueError(f"document {document}, record {record}: beyond what a rowid can number")
    return (bucket(key, record_id) << BUCKET_SHIFT) | (document << _DOCUMENT_SHIFT) | record


def first_rowid(key: str, record_id: str) -> int:
    """The first rowid of the bucket of (key, id)."""
    return bucket(key, record_id) << BUCKET_SHIFT


def last_rowid(key: str, record_id: str) -> int:
    """The last rowid of the bucket of (key, id)."""
    return ((bucket(key, record_id) + 1) << BUCKET_SHIFT) - 1
