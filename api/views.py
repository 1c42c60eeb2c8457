"""The list and get-by-id operations every record resource has, built from its declaration.

A resource module declares a ``Resource`` (blueprint, table, schemas, default sort, filters, and
the two operations' documentation); ``register`` adds its two MethodViews to the blueprint, with
the same decorators (and so the same OpenAPI operations) for every resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema
from werkzeug.exceptions import NotFound

from schemas.envelopes import Problem, facets_of
from schemas.queries import facet_query

from .db import get_db
from .errors import PROBLEM_JSON
from .framework import Blueprint
from .query.envelope import facets_response, item_response, list_response
from .query.facets import Facet, count_facets
from .query.filters import FilterSpec, conditions, resolutions
from .query.include import included
from .query.paging import page

NOT_FOUND = {
    "status_code": 404,
    "schema": Problem,
    "content_type": PROBLEM_JSON,
    "description": "No record has this id.",
}
NOT_MODIFIED = {"status_code": 304, "description": "Not modified: the `If-None-Match` ETag is current."}
ETAG_HEADERS = {
    "ETag": {"description": "Strong validator derived from the build id and the URL.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "How long the response may be cached.", "schema": {"type": "string"}},
}
PAGE_HEADERS = {
    **ETAG_HEADERS,
    "Link": {
        "description": 'The next page, as RFC 8288 has it (`<…>; rel="next"`, the URL of `links.next`); absent '
        "on the last page.",
        "schema": {"type": "string"},
    },
}


@dataclass(frozen=True)
class Operation:
    """One documented operation: its MethodView's name (the endpoint), operationId, the description
    of its 200 response, and its docstring (summary, blank line, description)."""

    view: str
    operation_id: str
    response: str
    doc: str


@dataclass(frozen=True)
class Resource:
    blp: Blueprint
    table: str
    query: type[Schema]  # the list operation's query-string schema
    page_schema: type[Schema]  # the list envelope
    record_schema: type[Schema]
    default_sort: str
    filters: tuple[FilterSpec, ...]  # parameter(s) -> condition, in the order the SQL has them
    noun: str  # "No <noun> has id ..."
    item_path: str  # the get-by-id route under the blueprint's prefix, with its id converter
    list_op: Operation
    get_op: Operation
    item_column: str = "body"  # the column holding the record's JSON
    # The facets operation (GET <prefix>/facets): the list's filters schema, the facets, its doc.
    filters_schema: type[Schema] | None = None
    facets: tuple[Facet, ...] = ()
    facets_op: Operation | None = None


def register(resource: Resource) -> None:
    """Add the resource's list and get-by-id MethodViews to its blueprint, in that order."""
    resource.blp.route("")(_list_view(resource))
    if resource.facets:
        resource.blp.route("/facets")(_facets_view(resource))
    resource.blp.route(resource.item_path)(_item_view(resource))
    from .exports import register_exports  # <prefix>.csv etc.; imported here, as api.exports imports this module

    register_exports(resource)


def _documented(
    blp: Blueprint, op: Operation, schema: type[Schema], *, not_found: bool, headers: dict = ETAG_HEADERS
) -> Callable:
    """The decorators of every data operation; the innermost first."""

    def decorate(func: Callable) -> Callable:
        func.__doc__ = op.doc
        func = blp.alt_response(**NOT_MODIFIED)(func)
        if not_found:
            func = blp.alt_response(**NOT_FOUND)(func)
        return blp.response(200, schema, description=op.response, headers=headers)(func)

    return decorate


def _list_view(resource: Resource) -> type[MethodView]:
    blp, op = resource.blp, resource.list_op

    @blp.doc(operationId=op.operation_id)
    @blp.arguments(resource.query(), location="query", as_kwargs=True)
    @_documented(blp, op, resource.page_schema, not_found=False, headers=PAGE_HEADERS)
    def get(self: MethodView, **args: Any) -> Response:
        db = get_db()
        sort = args.get("sort") or resource.default_sort
        found = conditions(db, resource.filters, args)
        result = page(db, resource.table, found, sort, args["limit"], args.get("cursor"))
        resolved = resolutions(found)
        extra = included(db, resource.table, result.bodies, args.get("include"), resolved)
        return list_response(db, result, sort=sort, limit=args["limit"], resolved=resolved, included=extra)

    return type(op.view, (MethodView,), {"get": get, "__module__": blp.import_name})


def _facets_view(resource: Resource) -> type[MethodView]:
    blp, op, filters = resource.blp, resource.facets_op, resource.filters_schema
    assert op is not None and filters is not None, "a resource with facets declares their operation and filters"
    declared = {f.name: f for f in resource.facets}
    name = op.view  # e.g. StatementFacets: the names of the query and envelope schemas derive from it
    query = facet_query(filters, tuple(declared), f"{name}Query")
    envelope = facets_of({f.name: f.description for f in resource.facets}, name)

    @blp.doc(operationId=op.operation_id)
    @blp.arguments(query(), location="query", as_kwargs=True)
    @_documented(blp, op, envelope, not_found=False)
    def get(self: MethodView, **args: Any) -> Response:
        db = get_db()
        counted = count_facets(db, resource.table, resource.filters, declared, args)
        return facets_response(db, counted, facet_size=args["facet_size"])

    return type(op.view, (MethodView,), {"get": get, "__module__": blp.import_name})


def _item_view(resource: Resource) -> type[MethodView]:
    blp, op = resource.blp, resource.get_op

    @blp.doc(operationId=op.operation_id)
    @_documented(blp, op, resource.record_schema, not_found=True)
    def get(self: MethodView, **path: str) -> Response:
        (record_id,) = path.values()
        response = item_response(get_db(), resource.table, record_id, column=resource.item_column)
        if response is None:
            raise NotFound(f"No {resource.noun} has id {record_id!r}.")
        return response

    return type(op.view, (MethodView,), {"get": get, "__module__": blp.import_name})
