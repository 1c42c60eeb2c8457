"""Exports: every record a list's filters select, in one response, as CSV, NDJSON or (events)
GeoJSON: ``GET /statements.csv``, ``/statements.ndjson``, ``/events.geojson``, ...

An export takes the filters and ``sort`` of its list (not its paging), answers the same 400s, and
has the records in the same order (the sort key, then id). It is streamed: rows are read from one
cursor a batch at a time, and each batch is written (and gzip-compressed, when the client accepts
it) before the next is read, so memory stays bounded whatever the size of the set; what is written
goes out in chunks of ``CHUNK`` bytes or more (a write to the socket costs about as much for 1 KB
as for 256 KB). Its body depends only on the build and the URL, so it has the data routes' strong
ETag, 304s and caching.

The bodies are read as the bytes the file holds (UTF-8 JSON), never decoded to text: NDJSON and
GeoJSON copy them, CSV parses them (``orjson``) and writes each record's cells with the row function
``schemas.flatten.compiled`` generates from the record schema, and the rows with
``schemas.flatten.csv_bytes`` (the bytes ``csv.writer`` writes, at a fraction of its cost per
character). The build does that once per record and stores the row (the ``csv`` column): an
export streams those as it does bodies, and computes rows only when a search adds highlights.

``register_exports`` adds a resource's export routes from its declaration (``api.views.register``
calls it); the CSV columns derive from the record schema (``schemas.flatten``).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema

from schemas import flatten
from schemas.geojson import EventFeatureCollection
from schemas.queries import Paging

from .db import get_db
from .framework import Blueprint
from .http import data_etag
from .query.filters import conditions
from .query.highlight import SEARCHED_FIELDS, with_highlights
from .query.paging import every_record
from .views import ETAG_HEADERS, NOT_MODIFIED, Resource

BATCH = 500  # rows read from the cursor, and written, at a time
CHUNK = 256 * 1024  # the least a chunk of the body holds (but the last): batches are joined up to it
GZIP_LEVEL = 5  # as api.http compresses buffered bodies
Rows = Iterable[Sequence[tuple[str, bytes]]]  # batches of (id, the record's JSON as stored: UTF-8)
Writer = Callable[[Rows], Iterator[bytes]]  # one piece of the body per batch (the CSV header one more)


@dataclass(frozen=True)
class Format:
    extension: str  # of the path and of the file name: /statements.csv
    label: str  # in the operation id and the view name: exportStatementsCsv
    content_type: str
    media_type: str  # the key of the 200 response's content in the OpenAPI document
    schema: type[Schema] | dict  # of that content
    doc: str  # the operation's description; {noun}: one record ("statement"), {list}: the list operation
    writer: Callable[[Resource], Writer]  # built once per resource, at registration
    # The writer of what the build stored in the ``csv`` column (when no search adds highlights).
    stored: Callable[[Resource], Writer] | None = None


def _csv(resource: Resource) -> Writer:
    columns = flatten.columns(resource.record_schema)  # derived once, when the routes are registered
    cells = flatten.compiled(columns)  # flatten.row(columns, record), as one generated function
    header = flatten.csv_reference_bytes([flatten.header(columns)])

    def write(rows: Rows) -> Iterator[bytes]:
        yield header
        loads = orjson.loads
        for batch in rows:
            yield flatten.csv_bytes([cells(loads(body)) for _, body in batch])

    return write


def _stored_csv(resource: Resource) -> Writer:
    """The CSV rows the build wrote beside each record (the ``csv`` column: ``_csv``'s row of its
    body, made once), as they are: a record with ``highlights`` (a search) takes ``_csv``."""
    header = flatten.csv_reference_bytes([flatten.header(flatten.columns(resource.record_schema))])

    def write(rows: Rows) -> Iterator[bytes]:
        yield header
        for batch in rows:
            yield b"".join([line for _, line in batch])

    return write


def _ndjson(resource: Resource) -> Writer:
    def write(rows: Rows) -> Iterator[bytes]:
        for batch in rows:  # the records as the list has them: one line each (compact JSON has no newline)
            yield b"\n".join([*(body for _, body in batch), b""])

    return write


def _geojson(resource: Resource) -> Writer:
    def write(rows: Rows) -> Iterator[bytes]:
        yield b'{"type":"FeatureCollection","features":['
        separator = b"\n"
        for batch in rows:
            chunk = []
            for record_id, body in batch:
                chunk.append(separator + feature(record_id, body))
                separator = b",\n"
            yield b"".join(chunk)
        yield b"\n]}\n"

    return write


def feature(record_id: str, body: bytes) -> bytes:
    """A GeoJSON Feature: the record as its properties, its ``location`` as a [lon, lat] point."""
    location = orjson.loads(body).get("location")
    geometry = None
    if isinstance(location, dict) and _number(location.get("lon")) and _number(location.get("lat")):
        geometry = {"type": "Point", "coordinates": [location["lon"], location["lat"]]}
    return (
        b'{"type":"Feature","id":'
        + orjson.dumps(record_id)
        + b',"geometry":'
        + orjson.dumps(geometry)
        + b',"properties":'
        + body
        + b"}"
    )


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_FILTERED = (
    "Every {noun} the filters select, with no paging: the filters and `sort` of `{list}` (not `limit` or "
    "`cursor`), the same errors, the same order (the sort key, then id). Streamed; gzip-compressed "
    "when asked (`Accept-Encoding: gzip`). The body depends only on the data build and the URL, so "
    "the `ETag` and `If-None-Match` work as on the list."
)
CSV = Format(
    "csv",
    "Csv",
    "text/csv; charset=utf-8; header=present",
    "text/csv",
    {"type": "string"},
    _FILTERED + "\n\nRFC 4180 CSV, UTF-8, CRLF line ends, a header row. One row per record; its columns "
    "follow the record's fields: a nested object as `<field>_<subfield>` (`source_id`, `span_start`), "
    'a list as one column per subfield, its values joined with "; " in the list\'s order '
    "(`speakers_actor_name`); null as an empty cell. Cells are the data unaltered (nothing is "
    "prefixed to keep a spreadsheet from reading `=`, `+`, `-` or `@` as a formula): import the "
    "file as text.",
    _csv,
    _stored_csv,
)
NDJSON = Format(
    "ndjson",
    "Ndjson",
    "application/x-ndjson",
    "application/x-ndjson",
    {"type": "string"},
    _FILTERED + "\n\nNewline-delimited JSON: one record per line, exactly as the list and `GET` by id serve it.",
    _ndjson,
)
GEOJSON = Format(
    "geojson",
    "Geojson",
    "application/geo+json",
    "application/geo+json",
    EventFeatureCollection,
    _FILTERED + "\n\nA GeoJSON (RFC 7946) FeatureCollection: one Feature per {noun}, its `id` the "
    "{noun}'s id, its `properties` the record, its `geometry` a Point at `[lon, lat]` of its "
    "`location` (null when it has none).",
    _geojson,
)
# What each resource (by table) is exported as.
EXPORTS: dict[str, tuple[Format, ...]] = {
    "statements": (CSV, NDJSON),
    "events": (CSV, NDJSON, GEOJSON),
    "casualties": (CSV, NDJSON),
    "actors": (CSV, NDJSON),
}
_TITLES = {"csv": "CSV", "ndjson": "NDJSON", "geojson": "GeoJSON"}


def register_exports(resource: Resource) -> None:
    """Add the resource's export routes (``<prefix>.<extension>``), if it has any."""
    formats = EXPORTS.get(resource.table, ())
    if not formats:
        return
    # The list's query less what a page adds (limit, cursor, ...): its filters and sort.
    query = resource.query()
    paging = [name for name in Paging().fields if name in query.fields]
    for fmt in formats:
        _add_route(resource.blp, "." + fmt.extension, _export_view(resource, fmt, resource.query(exclude=paging)))


def _add_route(blp: Blueprint, suffix: str, view: type[MethodView]) -> None:
    """Flask joins a blueprint's prefix and a rule with "/", so "/statements.csv" cannot be a rule of
    the statements blueprint. It is added to the app instead, under the blueprint's endpoint
    namespace (so ``request.blueprint`` is the resource's, and with it the data routes' ETag, 304s
    and caching), and documented by flask-smorest as the blueprint's own routes are."""
    endpoint = view.__name__

    def add(state: Any) -> None:
        name = f"{state.name_prefix}.{state.name}.{endpoint}".lstrip(".")
        state.app.add_url_rule(f"{state.url_prefix or ''}{suffix}", name, view.as_view(endpoint))

    blp.record(add)
    blp._store_endpoint_docs(endpoint, view, None, None)  # what flask-smorest's add_url_rule stores


def _export_view(resource: Resource, fmt: Format, query: Schema) -> type[MethodView]:
    blp, list_op = resource.blp, resource.list_op
    writer = fmt.writer(resource)
    stored = fmt.stored(resource) if fmt.stored else None
    header = flatten.csv_reference_bytes([flatten.header(flatten.columns(resource.record_schema))]).decode()
    filename = f"{resource.table}.{fmt.extension}"
    title = _TITLES[fmt.extension]

    @blp.doc(operationId="export" + list_op.operation_id.removeprefix("list") + fmt.label)
    @blp.arguments(query, location="query", as_kwargs=True)
    @blp.alt_response(**NOT_MODIFIED)
    @blp.response(
        200,
        fmt.schema,
        content_type=fmt.media_type,
        description=f"Every {resource.noun} the filters select, as {title}.",
        headers={
            **ETAG_HEADERS,
            "Content-Disposition": {
                "description": f'A download: `attachment; filename="{filename}"`.',
                "schema": {"type": "string"},
            },
        },
    )
    def get(self: MethodView, **args: Any) -> Response:
        db = get_db()
        sort = args.get("sort") or resource.default_sort
        searched = request.args.get("q")
        # The stored rows, unless a search adds highlights or the build wrote other columns.
        write, value = writer, "body"
        if stored is not None and not searched and db.csv_headers.get(resource.table) == header:
            write, value = stored, "csv"
        # Executed here, so that an error is a problem response rather than a cut-off stream.
        cursor = every_record(db, resource.table, conditions(db, resource.filters, args), sort, value)
        rows = _highlighted(
            _batches(cursor, current_app.config.get("WORKER_HEARTBEAT")), SEARCHED_FIELDS.get(blp.name), searched
        )
        return _streamed(_chunked(write(rows)), fmt.content_type, filename, cursor)

    get.__doc__ = f"Export {resource.table} as {title}\n\n" + fmt.doc.format(
        noun=resource.noun, list=list_op.operation_id
    )
    return type(list_op.view + fmt.label, (MethodView,), {"get": get, "__module__": blp.import_name})


def _batches(cursor: sqlite3.Cursor | None, heartbeat: Callable[[], Any] | None) -> Iterator[list[tuple[str, bytes]]]:
    """(id, body) of the cursor's rows, a batch at a time. Under gunicorn, each batch tells the
    arbiter the worker is alive (``WORKER_HEARTBEAT``, set in api/gunicorn_conf.py): a sync worker
    is otherwise killed ``timeout`` seconds into any response, however steadily it streams, while a
    client that stops reading still stalls it, and it is still killed then.

    The bodies are the bytes the file holds: sqlite3 reads a text value as ``text_factory`` makes
    it when it is fetched, so the connection's is ``bytes`` for the fetch alone (this thread's
    connection, and nothing else runs on it meanwhile). Decoding ~1 KB of UTF-8 per record, and
    encoding it again, would cost as much as the rest of an NDJSON export."""
    if cursor is None:
        return
    connection = cursor.connection
    try:
        while True:
            factory = connection.text_factory
            connection.text_factory = bytes
            try:
                rows = cursor.fetchmany(BATCH)
            finally:
                connection.text_factory = factory
            if not rows:
                break
            yield [(r[0].decode("utf-8"), r[2]) for r in rows]
            if heartbeat is not None:
                heartbeat()
    finally:
        cursor.close()


def _highlighted(rows: Rows, searched: Sequence[str] | None, query: str | None) -> Rows:
    """With ``q``, the records with their ``highlights``, as the list has them."""
    if searched is None or query is None:
        return rows

    def highlighted(batch: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        bodies = with_highlights([body.decode("utf-8") for _, body in batch], searched, query)
        return [(record_id, body.encode("utf-8")) for (record_id, _), body in zip(batch, bodies, strict=True)]

    return (highlighted(batch) for batch in rows)


def _chunked(pieces: Iterable[bytes], size: int | None = None) -> Iterator[bytes]:
    """``pieces`` joined into chunks of ``size`` (``CHUNK``) bytes or more, but the last; a piece
    is never split, so a chunk holds less than ``size`` plus one batch's piece."""
    size = CHUNK if size is None else size
    held: list[bytes] = []
    length = 0
    for piece in pieces:
        if not piece:
            continue
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield held[0] if len(held) == 1 else b"".join(held)
            held, length = [], 0
    if held:
        yield b"".join(held)


def _gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The gzip stream of ``chunks``, compressed as they come (the same bytes for the same chunks)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def _accepts_gzip() -> bool:
    return "gzip" in request.accept_encodings and request.accept_encodings["gzip"] != 0


class StreamedResponse(Response):
    """A streamed export. The app's after-request hook sets the data routes' ETag, which names the
    uncompressed bytes; a compressed stream is other bytes, so it gets the "-gzip" variant, as
    api.http gives the buffered bodies it compresses (and whose ``If-None-Match`` it accepts). The
    hook runs after the view, so the variant is set here, when the headers are sent."""

    def get_wsgi_headers(self, environ: Any) -> Any:
        headers = super().get_wsgi_headers(environ)
        etag = headers.get("ETag")
        if headers.get("Content-Encoding") == "gzip" and etag and etag.endswith('"') and not etag.endswith('-gzip"'):
            headers["ETag"] = etag[:-1] + '-gzip"'
        return headers


def _streamed(chunks: Iterator[bytes], content_type: str, filename: str, cursor: sqlite3.Cursor | None) -> Response:
    compress = _accepts_gzip()
    response = StreamedResponse(_gzipped(chunks) if compress else chunks, content_type=content_type)
    if cursor is not None:
        response.call_on_close(cursor.close)  # also when the stream is never read (HEAD) or cut short
    headers = response.headers
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    headers["ETag"] = data_etag()
    response.vary.add("Accept-Encoding")
    if compress:
        headers["Content-Encoding"] = "gzip"
    return response
