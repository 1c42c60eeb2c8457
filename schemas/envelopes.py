"""Schemas around the records: list envelopes, problems, health."""

from marshmallow import Schema, fields

from . import resources as res

# A state in a large corpus has hundreds of affiliates; listing them all on every page would make
# the meta block bigger than the page. The first ones say what the value meant; the count says the rest.
RESOLVED_ACTORS_SHOWN = 25


class ActorResolution(Schema):
    parameter = fields.String(required=True, metadata={"description": "The query parameter, e.g. `actor`."})
    value = fields.String(required=True, metadata={"description": "The value as given."})
    matched = fields.Nested(
        res.ActorRef, required=True, allow_none=True, metadata={"description": "The actor the value names, or null."}
    )
    include_affiliates = fields.Boolean(required=True)
    actor_count = fields.Integer(
        required=True,
        metadata={
            "description": "How many actors the filter covers: the matched actor and, unless "
            "`include_affiliates=false`, every actor affiliated with it (0 when nothing matched)."
        },
    )
    actors = fields.List(
        fields.Nested(res.ActorRef),
        required=True,
        metadata={
            "description": f"The actors the filter covers, the matched one first, then its affiliates "
            f"nearest first: at most {RESOLVED_ACTORS_SHOWN} (`actor_count` says how many there are in "
            "all; `GET /actors?affiliated_with=<id>` lists every affiliate)."
        },
    )
    message = fields.String(
        required=True, allow_none=True, metadata={"description": "Why nothing matched, with suggestions."}
    )


class ListMeta(Schema):
    total = fields.Integer(required=True, metadata={"description": "Records matching the filters, on all pages."})
    limit = fields.Integer(required=True, metadata={"description": "Page size used."})
    sort = fields.String(required=True, metadata={"description": "Order used."})
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null on the last."},
    )
    resolved = fields.List(
        fields.Nested(ActorResolution),
        required=True,
        metadata={"description": "How each actor-valued parameter was resolved."},
    )


class Links(Schema):
    self = fields.String(required=True, metadata={"description": "This page."})
    next = fields.String(required=True, allow_none=True, metadata={"description": "The next page, or null."})


def list_of(item_schema, name):
    """The envelope ``{"data": [...], "meta": {...}, "links": {...}}`` for one resource."""
    return Schema.from_dict(
        {
            "data": fields.List(fields.Nested(item_schema), required=True),
            "meta": fields.Nested(ListMeta, required=True),
            "links": fields.Nested(Links, required=True),
        },
        name=name,
    )


StatementList = list_of(res.Statement, "StatementList")
EventList = list_of(res.Event, "EventList")
CasualtyList = list_of(res.Casualty, "CasualtyList")
ActorList = list_of(res.Actor, "ActorList")
SourceList = list_of(res.Source, "SourceList")


class InvalidParam(Schema):
    name = fields.String(required=True, metadata={"description": "The parameter."})
    reason = fields.String(required=True, metadata={"description": "What is wrong with it."})


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"description": "A URI reference that identifies the problem type."})
    title = fields.String(required=True, metadata={"description": "Short summary of the problem type."})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = fields.String(required=True, metadata={"description": "What went wrong with this request."})
    instance = fields.String(
        metadata={
            "description": "The request path; absent when the HTTP server refused a request line or headers it could not read."
        }
    )
    invalid_params = fields.List(
        fields.Nested(InvalidParam),
        metadata={"description": "The bad query parameters, by name (400 only)."},
    )


class Counts(Schema):
    sources = fields.Integer(required=True)
    actors = fields.Integer(required=True)
    statements = fields.Integer(required=True)
    events = fields.Integer(required=True)
    casualties = fields.Integer(required=True)


class Health(Schema):
    status = fields.String(required=True, metadata={"description": "`ok` when the database is open and readable."})
    build_id = fields.String(
        required=True, metadata={"description": "Hash of the build's inputs; ETags derive from it."}
    )
    built_at = fields.DateTime(required=True)
    api_version = fields.String(required=True)
    counts = fields.Nested(Counts, required=True)
