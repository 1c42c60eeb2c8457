"""Query-string schemas: what each list, facets and export operation accepts.

Each resource has one filters schema (``StatementFilters``); its list adds paging
(``StatementQuery``), its facets operation adds the facets to count (``facet_query``). A filter takes
several values, comma-separated, where that makes sense (OR within a parameter, AND across them).
Unknown parameters are errors (``?actr=Seoul`` must not silently return everything), and so are
repeated scalar parameters; the API layer turns both into a 400 problem naming the parameter.
"""

import re

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)
from webargs.fields import DelimitedList

from . import vocab

MAX_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same rule for the OpenAPI document (as a pattern any JSON Schema tool can check): no control
# characters, and at least one character that str.strip() keeps.
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_SPACES = "\\x00-\\x20\\x7f" + "".join(f"\\u{c:04x}" for c in range(0x80, 0x10000) if chr(c).isspace())


def _text_pattern(excluded: str = "") -> str:
    allowed, kept = f"[^{_CONTROLS}{excluded}]", f"[^{_SPACES}{excluded}]"
    return f"^{allowed}*{kept}{allowed}*$"


TEXT_PATTERN = _text_pattern()
# One of several values of a filter: the same, and no comma. Commas separate the values, encoded or
# not (`a%2Cb` is `a,b`: query strings are percent-decoded before the split), so none is in a value.
VALUE_PATTERN = _text_pattern(",")
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"


class Param(fields.String):
    """A free-text query value: trimmed, bounded, no control characters."""

    def __init__(self, description, max_length=MAX_TEXT, validators=(), **kwargs):
        super().__init__(
            validate=[validate.Length(min=1, max=max_length), *validators],
            metadata={"description": description, "pattern": TEXT_PATTERN, **kwargs.pop("metadata", {})},
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(value):
            raise ValidationError("must not contain control characters")
        self._validate(value)  # the length limits hold for the value as sent, as the spec says
        value = value.strip()
        if not value:
            raise ValidationError("must not be empty")
        return value


MAX_VALUES = 20  # values in one comma-separated parameter
INCLUDE_CHOICES = ("actors", "events", "sources", "places")
UNDATED_CHOICES = ("include", "exclude", "only")


def choice(choices, description):
    return fields.String(validate=validate.OneOf(tuple(choices)), metadata={"description": description})


class Values(DelimitedList):
    """Several values of one filter, comma-separated (``stance=condemn,accuse``): any of them
    matches. A repeated parameter (``id=a&id=b``) is read as its values joined (see api.framework);
    a value given twice counts once, but counts against the limit on values as sent (the spec's
    ``maxItems``, which a client or a fuzzer checks on the list it sends)."""

    def __init__(
        self, item: fields.Field, description: str, max_values: int = MAX_VALUES, *, filter: bool = True, **kwargs
    ):
        super().__init__(
            item,
            validate=validate.Length(min=1, max=max_values, error=f"Give 1 to {max_values} values, comma-separated."),
            metadata={
                "description": f"{description} Several values, comma-separated: any of them matches."
                if filter
                else description
            },
            **kwargs,
        )

    def deserialize(self, *args, **kwargs):
        values = super().deserialize(*args, **kwargs)  # validated (1 to max_values) before duplicates go
        return list(dict.fromkeys(values)) if isinstance(values, list) else values


def values(description: str, max_length: int = MAX_TEXT) -> Values:
    """Several free-text values (ids, names); a value has no comma (ids and registry names have none)."""
    item = Param("One value; it has no comma.", max_length=max_length, metadata={"pattern": VALUE_PATTERN})
    return Values(item, description)


def choices(vocabulary, description: str) -> Values:
    """Several values of a vocabulary."""
    return Values(fields.String(validate=validate.OneOf(tuple(vocabulary))), description)


ACTOR_HELP = (
    "An actor id, name or alias, case-insensitively: `Seoul`, `seoul`, `south-korea` and `South Korea` "
    "all name South Korea. Unless include_affiliates=false, actors affiliated with it are included "
    "(Seoul: its Foreign Ministry, NIS and UN ambassador). `meta.resolved` says what each value matched."
)
ID_HELP = "Record ids: these records only (for fetching several known records in one request)."


class Filters(Schema):
    """The filters of a list, shared by its page, facets and export operations."""

    class Meta:
        unknown = RAISE
        ordered = True

    id = values(ID_HELP)


class DatedFilters(Filters):
    since = fields.Date(
        metadata={
            "description": "Only records whose date range ends on or after this day (ISO 8601). Undated "
            "records are left out unless `undated=include`."
        }
    )
    until = fields.Date(
        metadata={
            "description": "Only records whose date range starts on or before this day (ISO 8601). Undated "
            "records are left out unless `undated=include`."
        }
    )
    undated = choice(
        UNDATED_CHOICES,
        "Records with no known date: `include` them, `exclude` them, or list `only` them (not with "
        "`since`/`until`). The default: `exclude` when `since` or `until` is given, else `include`.",
    )

    @validates_schema
    def since_before_until(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("must not be after until", "since")

    @validates_schema
    def only_undated_has_no_range(self, data, **kwargs):
        if data.get("undated") == "only" and (data.get("since") or data.get("until")):
            raise ValidationError("only lists records with no date: since and until cannot apply", "undated")


class AffiliatesMixin(Schema):
    include_affiliates = fields.Boolean(
        load_default=True,
        metadata={"description": "Whether actor-valued filters also match the actors affiliated with the named one."},
    )


LOCATION_HELP = (
    "A place by id, name or any alias or spelling as written (`Sudzha`, `Suzhansky district`), "
    "case-insensitively, with every place within it (`Kursk` includes Sudzhansky District); an ISO "
    "3166-2 region (`RU-KRS`) or ISO 3166-1 country (`RU`) code; or words of a place name."
)

SEARCH_HELP = (
    "Full-text search. Words are matched as words (all must occur, any order); a trailing `*` makes a "
    "word a prefix. Other punctuation is ignored, so any text is safe to pass."
)


class StatementFilters(DatedFilters, AffiliatesMixin):
    actor = values(ACTOR_HELP + " Matches any of the speakers.")
    target = values("An actor the statement is about or aimed at; same matching as `actor`.")
    stance = choices(vocab.STANCES, "What the speaker does.")
    kind = choices(vocab.STATEMENT_KINDS, "Quoted in full, in part, or reported.")
    event = values("Event id: statements about this event.")
    certainty = choices(vocab.EVENT_CERTAINTIES, "How sure the sources are of the statement's event.")
    event_type = choices(vocab.EVENT_TYPES, "The type of the statement's event.")
    source = values("Source id.")
    q = Param(SEARCH_HELP + " Searches quotes and summaries.")


class EventFilters(DatedFilters, AffiliatesMixin):
    type = choices(vocab.EVENT_TYPES, "Event type.")
    status = choices(vocab.EVENT_STATUSES, "Event status.")
    certainty = choices(vocab.EVENT_CERTAINTIES, "How sure the source is that it happened.")
    plover = choices(vocab.PLOVER_CATEGORIES, "PLOVER category.")
    actor = values(ACTOR_HELP + " Matches any participant.")
    asserted_by = values("Who claims, hints at or speculates about the event; same matching as `actor`.")
    role = choices(vocab.PARTICIPANT_ROLES, "With `actor`: only where the actor has one of these roles.")
    location = values(LOCATION_HELP)
    source = values("Source id: events that this source reports.")
    q = Param(SEARCH_HELP + " Searches titles and descriptions.")

    @validates_schema
    def role_needs_actor(self, data, **kwargs):
        if data.get("role") and not data.get("actor"):
            raise ValidationError("needs actor", "role")


class CasualtyFilters(DatedFilters, AffiliatesMixin):
    actor = values("Whose people the figure counts (the party); same matching as on /statements.")
    claimed_by = values("Who makes the claim; same matching as `actor`.")
    category = choices(vocab.CASUALTY_CATEGORIES, "What the figure counts.")
    location = values(LOCATION_HELP)
    source = values("Source id.")


class ActorFilters(Filters, AffiliatesMixin):
    q = Param("Prefix of any word-start of a name or alias, case-insensitive: `seo`, `jong un`.")
    kind = choices(vocab.ACTOR_KINDS, "Actor kind.")
    country = Values(
        fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$", error="must be an ISO 3166-1 alpha-2 code")),
        "ISO 3166-1 alpha-2 country code, case-insensitive.",
    )
    affiliated_with = values(
        "Actors that belong to this one (id, name or alias); with include_affiliates=false, only its direct affiliates."
    )


class SourceFilters(DatedFilters):
    pass


class Paging(Schema):
    """Page size, cursor and related records: what a page adds to its filters."""

    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Page size, 1 to 100."},
    )
    cursor = Param(
        "Opaque cursor from `meta.next_cursor` of the previous page.",
        max_length=512,
        # unpadded base64url, as the API issues them (checked on the value as sent)
        validators=[validate.Regexp(CURSOR_PATTERN, error="Is not a cursor this API issued.")],
        metadata={"pattern": CURSOR_PATTERN},
    )
    include = Values(
        fields.String(validate=validate.OneOf(INCLUDE_CHOICES)),
        "Add the full records the page refers to, each once, under `included`: `actors`, `events`, "
        "`sources` (without their text), `places`; comma-separated. The records the filters name "
        "(`meta.resolved`'s matches, and for an actor the actors it is affiliated with, up the tree) "
        "are included too, so a page about an actor carries the actor.",
        max_values=len(INCLUDE_CHOICES),
        filter=False,
    )


DATE_SORT = ("date", "-date")


def _sort(sorts, description):
    return choice(sorts, description)


class StatementQuery(StatementFilters, Paging):
    sort = _sort(DATE_SORT, "Order by date (`-date`: newest first, the default); ties by id.")


class EventQuery(EventFilters, Paging):
    sort = _sort(DATE_SORT, "Order by date (`-date`: newest first, the default); ties by id.")


class CasualtyQuery(CasualtyFilters, Paging):
    sort = _sort(DATE_SORT, "Order by the date the figure holds for (`-date` first by default); ties by id.")


class ActorQuery(ActorFilters, Paging):
    sort = _sort(("name", "-name"), "Order by name (the default) or reverse; ties by id.")


class SourceQuery(SourceFilters, Paging):
    sort = _sort(DATE_SORT, "Order by publication date (`-date`: newest first, the default); ties by id.")


FACET_SIZE_MAX = 200


def facet_query(filters: type[Schema], facets: tuple[str, ...], name: str) -> type[Schema]:
    """The query of a facets operation: the list's filters, the facets asked for, and how many
    values each may show."""
    return type(
        name,
        (filters,),
        {
            "facet": Values(
                fields.String(validate=validate.OneOf(facets)),
                "The facets to count, comma-separated (or the parameter repeated).",
                max_values=len(facets),
                filter=False,
                required=True,
            ),
            "facet_size": fields.Integer(
                load_default=20,
                validate=validate.Range(min=1, max=FACET_SIZE_MAX),
                metadata={
                    "description": f"Values shown per facet, the most frequent first (1 to {FACET_SIZE_MAX}); "
                    "`meta.truncated` names the facets that had more."
                },
            ),
        },
    )
