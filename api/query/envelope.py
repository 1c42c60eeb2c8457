"""Responses: a page in the ``{"data", "meta", "links"}`` envelope, and a single record.

Record bodies were rendered by the resource schemas at build time; a page is those bodies joined
into the envelope, whose ``meta`` and ``links`` are dumped here by their own schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Response, current_app, request

from schemas.envelopes import Links, ListMeta
from schemas.envelopes import Resolution as ResolutionSchema

from ..db import Database
from .facets import FacetCounts
from .highlight import SEARCHED_FIELDS, with_highlights
from .paging import Page
from .resolve import Resolution

_meta_schema = ListMeta()
_links_schema = Links()
_resolution_schema = ResolutionSchema()


def _url(args: Sequence[tuple[str, str]]) -> str:
    query = urlencode(args)
    return request.path + (f"?{query}" if query else "")


def _rows(bodies: Sequence[str]) -> Sequence[str]:
    """The page's record bodies, with ``highlights`` when the list was searched with ``q``."""
    fields = SEARCHED_FIELDS.get(request.blueprint or "")
    query = request.args.get("q")
    return bodies if fields is None or query is None else with_highlights(bodies, fields, query)


def _dumped_resolution(db: Database, resolution: Resolution) -> Any:
    """A resolution depends only on the database and the parameter, so its dump is kept."""
    return db.remember(("resolution", resolution), lambda: _resolution_schema.dump(resolution.dump(db)))


def list_response(
    db: Database,
    page: Page,
    *,
    sort: str,
    limit: int,
    resolved: Sequence[Resolution],
    included: str | None = None,  # the `included` object as JSON text (query/include.py), or None
) -> Response:
    args = list(request.args.items(multi=True))  # a repeated parameter (id=a&id=b) stays repeated
    meta = _meta_schema.dump(
        {"total": page.total, "limit": limit, "sort": sort, "next_cursor": page.next_cursor, "resolved": []}
    )
    meta["resolved"] = [_dumped_resolution(db, r) for r in resolved]
    links = _links_schema.dump(
        {
            "self": _url(args),
            "next": _url([*(a for a in args if a[0] != "cursor"), ("cursor", page.next_cursor)])
            if page.next_cursor
            else None,
        }
    )
    body = (
        '{"data":['
        + ",".join(_rows(page.bodies))
        + '],"meta":'
        + orjson.dumps(meta).decode()  # the same compact UTF-8 JSON as json.dumps(ensure_ascii=False), faster
        + ',"links":'
        + orjson.dumps(links).decode()
        + (',"included":' + included if included is not None else "")
        + "}"
    )
    response = current_app.response_class(body, mimetype="application/json")
    if links["next"]:
        response.headers["Link"] = f'<{links["next"]}>; rel="next"'  # RFC 8288, for clients that page by headers
    return response


def item_response(db: Database, table: str, record_id: str, column: str = "body") -> Response | None:
    """The record's JSON as the build rendered it, or None when there is no such record."""
    row = db.execute(f"SELECT {column} FROM {table} WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        return None
    return current_app.response_class(row[0], mimetype="application/json")


def facets_response(db: Database, counted: FacetCounts, *, facet_size: int) -> Response:
    """Facet counts in the ``{"data", "meta", "links"}`` envelope."""
    meta = {
        "total": counted.total,
        "facet_size": facet_size,
        "truncated": counted.truncated,
        "resolved": [_dumped_resolution(db, r) for r in counted.resolved],
    }
    body = {"data": counted.buckets, "meta": meta, "links": {"self": request.full_path.rstrip("?")}}
    return current_app.response_class(orjson.dumps(body), mimetype="application/json")
