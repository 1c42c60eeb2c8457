"""schemathesis hooks: the rules of this API's query strings that JSON Schema cannot state.

OpenAPI 3.1 describes each query parameter on its own. Five rules of this API span more than one
parameter or the whole request, so the spec states them in prose (the parameter descriptions and
the API description) and the server enforces them with a 400 or 414 problem:

1. ``cursor`` is opaque: a valid one is a keyset position the API encoded, for the same ``sort``.
2. ``role`` (``/events``, its facets and its exports) qualifies ``actor``: alone it is refused.
3. ``since`` must not be after ``until``.
4. ``undated=only`` lists the records with no date, so it takes no ``since`` or ``until``.
5. The query string is at most 2048 bytes; longer is refused with 414.

``positive_data_acceptance`` asserts that every schema-valid request is accepted, so for
*positive* cases only (the ones schemathesis generates to be valid) these hooks bring a case
inside those rules: a generated cursor becomes a position in the API's own cursor encoding (the
generated text is the position, so keyset paging is still fuzzed with arbitrary keys), a lone
``role`` gets an ``actor``, ``since``/``until`` are put in order, ``undated=only`` with a date
range becomes ``undated=include``, and a case whose query string would exceed 2048 bytes is not
sent. Negative cases are never touched: they must be refused, and every check still runs on every
case that is sent. The server's refusals of each rule are asserted by tests/test_errors.py,
tests/test_filters.py and tests/reliability/.

A case is edited only when a rule needs it. schemathesis revalidates the query of a case a hook
assigns, and (4.32.5) cannot read a comma-joined array (``style: form, explode: false``) back into
the array it was generated from, so it would relabel every edited case with an array filter as
negative; assigning an unchanged query did that to every case of the facets operations (whose
``facet`` is a required array), leaving them without any positive case.
"""

from __future__ import annotations

import datetime as dt
import zlib
from urllib.parse import urlencode

import schemathesis

from api.http import MAX_QUERY_STRING
from api.query import encode_cursor

DEFAULT_SORT = {"/actors": "name"}  # every other list is "-date" first
# Real actor ids of the contract corpus, for a lone `role` (any id or name would be valid).
ROLE_ACTORS = ("north-korea", "russia", "south-korea", "ukraine")
KEY_CHARS = 150  # keeps the encoded cursor within its maxLength of 512
# The operations that take the event filters, `role` among them: the list, its facets, its exports.
EVENT_FILTER_PATHS = ("/events", "/events/facets", "/events.csv", "/events.ndjson", "/events.geojson")


def _is_positive(case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _wire(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def query_string(query: dict) -> str:
    """The query string as sent (requests encodes a dict the same way)."""
    pairs = []
    for name, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, _wire(item)))
    return urlencode(pairs)


def within_rules(path: str, query: dict) -> dict:
    """``query`` (a positive case's) with rules 1-4 applied; the input is not modified."""
    query = dict(query)
    cursor = query.get("cursor")
    if isinstance(cursor, str):
        sort = query.get("sort") or DEFAULT_SORT.get(path, "-date")
        position = cursor[:KEY_CHARS]
        query["cursor"] = encode_cursor(sort, position, position)
    if path in EVENT_FILTER_PATHS and "role" in query and "actor" not in query:
        query["actor"] = ROLE_ACTORS[zlib.crc32(str(query).encode()) % len(ROLE_ACTORS)]
    since, until = query.get("since"), query.get("until")
    if isinstance(since, str) and isinstance(until, str):
        try:
            if dt.date.fromisoformat(since) > dt.date.fromisoformat(until):
                query["since"], query["until"] = until, since
        except ValueError:
            pass
    if query.get("undated") == "only" and ("since" in query or "until" in query):
        query["undated"] = "include"
    return query


@schemathesis.hook
def filter_case(context, case) -> bool:
    if not _is_positive(case) or not case.query:
        return True
    return len(query_string(within_rules(case.path, case.query)).encode()) <= MAX_QUERY_STRING


@schemathesis.hook
def map_case(context, case):
    if _is_positive(case) and case.query:
        query = within_rules(case.path, case.query)
        if query != case.query:  # see the module's docstring: an assignment is a revalidation
            case.query = query
    return case
