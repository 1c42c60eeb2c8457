"""Schemas around the records: list envelopes, problems, health."""

from marshmallow import Schema, fields, validate

from . import resources as res

# A state in a large corpus has hundreds of affiliates; listing them all on every page would make
# the meta block bigger than the page. The first ones say what the value meant; the count says the rest.
RESOLVED_SHOWN = 25
RESOURCES = ("actors", "events", "sources", "places")


class RecordRef(Schema):
    id = fields.String(required=True, metadata={"description": "The record's id."})
    name = fields.String(
        required=True, metadata={"description": "An actor's or place's name, an event's or source's title."}
    )
    kind = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "An actor's kind, a place's precision, an event's type; null for a source."},
    )


class Resolution(Schema):
    """What one value of a parameter that names records (``actor``, ``target``, ``event``,
    ``source``, ``location``…) matched."""

    parameter = fields.String(required=True, metadata={"description": "The query parameter, e.g. `actor`."})
    value = fields.String(required=True, metadata={"description": "The value as given (one of several, if several)."})
    resource = fields.String(
        required=True,
        validate=validate.OneOf(RESOURCES),
        metadata={"description": "What the parameter names: actors, events, sources or places."},
    )
    matched = fields.Nested(
        RecordRef,
        required=True,
        allow_none=True,
        metadata={
            "description": "The record the value names, or null (nothing matched; or, for `location`, a "
            "country or region code or words of several places' names: see `covers`)."
        },
    )
    include_affiliates = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "Actor-valued parameters: whether affiliates are covered; null for others."},
    )
    count = fields.Integer(
        required=True,
        metadata={
            "description": "How many records the value covers: an actor and, unless "
            "`include_affiliates=false`, every actor affiliated with it; a place and every place within "
            "it; one event or source (0 when nothing matched)."
        },
    )
    covers = fields.List(
        fields.Nested(RecordRef),
        required=True,
        metadata={
            "description": f"The records the value covers, the matched one first, then (actors) its affiliates "
            f"nearest first: at most {RESOLVED_SHOWN} (`count` says how many there are in all; "
            "`GET /actors?affiliated_with=<id>` lists every affiliate)."
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
        fields.Nested(Resolution),
        required=True,
        metadata={
            "description": "What each value of a parameter naming records (actors, places, events, sources) "
            "matched: parameter by parameter in the order of the operation's filters, each parameter's values "
            "in the order given."
        },
    )


class Links(Schema):
    self = fields.String(required=True, metadata={"description": "This page."})
    next = fields.String(required=True, allow_none=True, metadata={"description": "The next page, or null."})


class Included(Schema):
    """The full records a page refers to (``include=``), each once, sorted by id; a key for each
    kind asked for. Records of the page's own resource that are on the page are not repeated."""

    actors = fields.List(fields.Nested(res.Actor), metadata={"description": "With `include=actors`."})
    events = fields.List(fields.Nested(res.Event), metadata={"description": "With `include=events`."})
    sources = fields.List(
        fields.Nested(res.Source), metadata={"description": "With `include=sources`: without their text."}
    )
    places = fields.List(fields.Nested(res.Place), metadata={"description": "With `include=places`."})


def list_of(item_schema, name):
    """The envelope ``{"data": [...], "meta": {...}, "links": {...}}`` for one resource, and
    ``included`` when the request asks for it."""
    return Schema.from_dict(
        {
            "data": fields.List(fields.Nested(item_schema), required=True),
            "meta": fields.Nested(ListMeta, required=True),
            "links": fields.Nested(Links, required=True),
            "included": fields.Nested(Included, metadata={"description": "Present only with `include`."}),
        },
        name=name,
    )


StatementList = list_of(res.Statement, "StatementList")
EventList = list_of(res.Event, "EventList")
CasualtyList = list_of(res.Casualty, "CasualtyList")
ActorList = list_of(res.Actor, "ActorList")
SourceList = list_of(res.Source, "SourceList")


class FacetBucket(Schema):
    value = fields.String(
        required=True, allow_none=True, metadata={"description": "The value; null counts the records with none."}
    )
    count = fields.Integer(required=True, metadata={"description": "Records with this value."})
    label = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The name of the actor, place, event or source a value names; null for other "
            "facets (`GET /vocabularies` labels vocabulary values)."
        },
    )
    actor = fields.Nested(
        res.ActorRef,
        required=True,
        allow_none=True,
        metadata={"description": "The actor, for facets whose values are actors; else null."},
    )


class FacetMeta(Schema):
    total = fields.Integer(
        required=True, metadata={"description": "Records matching every filter (what the list's `meta.total` says)."}
    )
    facet_size = fields.Integer(required=True, metadata={"description": "The most values shown per facet."})
    truncated = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The facets that have more values than `facet_size` (the least frequent are cut)."},
    )
    resolved = fields.List(
        fields.Nested(Resolution),
        required=True,
        metadata={"description": "What each value of a parameter naming records matched, as on the list."},
    )


class SelfLink(Schema):
    self = fields.String(required=True, metadata={"description": "This response."})


def facets_of(facets: dict[str, str], name: str) -> type[Schema]:
    """The envelope of a facets operation: ``data`` has one bucket list per facet asked for
    (``facets``: each facet's description)."""
    buckets: dict[str, fields.Field] = {
        facet: fields.List(fields.Nested(FacetBucket), metadata={"description": description})
        for facet, description in facets.items()
    }
    data = Schema.from_dict(buckets, name=f"{name}Data")
    return Schema.from_dict(
        {
            "data": fields.Nested(
                data,
                required=True,
                metadata={
                    "description": "For each facet asked for, its values with their counts: most frequent "
                    "first, ties by value, null last."
                },
            ),
            "meta": fields.Nested(FacetMeta, required=True),
            "links": fields.Nested(SelfLink, required=True),
        },
        name=name,
    )


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
