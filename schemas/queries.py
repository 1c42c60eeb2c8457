"""Query-string schemas: what each list operation accepts.

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

from . import vocab

MAX_TEXT = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same rule for the OpenAPI document (as a pattern any JSON Schema tool can check): no control
# characters, and at least one character that str.strip() keeps.
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_KEPT = "[^\\x00-\\x20\\x7f" + "".join(f"\\u{c:04x}" for c in range(0x80, 0x10000) if chr(c).isspace()) + "]"
TEXT_PATTERN = f"^{_ALLOWED}*{_KEPT}{_ALLOWED}*$"
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


def choice(choices, description):
    return fields.String(validate=validate.OneOf(tuple(choices)), metadata={"description": description})


ACTOR_HELP = (
    "An actor id, name or alias, case-insensitively: `Seoul`, `seoul`, `south-korea` and `South Korea` "
    "all name South Korea. Unless include_affiliates=false, actors affiliated with it are included "
    "(Seoul: its Foreign Ministry, NIS and UN ambassador). `meta.resolved` says what it matched."
)


class ListQuery(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

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


class DatedQuery(ListQuery):
    since = fields.Date(
        metadata={
            "description": "Only records whose date range ends on or after this day (ISO 8601). Records with unknown dates are left out."
        }
    )
    until = fields.Date(
        metadata={
            "description": "Only records whose date range starts on or before this day (ISO 8601). Records with unknown dates are left out."
        }
    )

    @validates_schema
    def since_before_until(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("must not be after until", "since")


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


class StatementQuery(DatedQuery, AffiliatesMixin):
    sort = choice(("date", "-date"), "Order by date (`-date`: newest first, the default); ties by id.")
    actor = Param(ACTOR_HELP + " Matches any of the speakers.")
    target = Param("An actor the statement is about or aimed at; same matching as `actor`.")
    stance = choice(vocab.STANCES, "What the speaker does.")
    kind = choice(vocab.STATEMENT_KINDS, "Quoted in full, in part, or reported.")
    event = Param("Event id.")
    source = Param("Source id.")
    q = Param(SEARCH_HELP + " Searches quotes and summaries.")


class EventQuery(DatedQuery, AffiliatesMixin):
    sort = choice(("date", "-date"), "Order by date (`-date`: newest first, the default); ties by id.")
    type = choice(vocab.EVENT_TYPES, "Event type.")
    status = choice(vocab.EVENT_STATUSES, "Event status.")
    certainty = choice(vocab.EVENT_CERTAINTIES, "How sure the source is that it happened.")
    actor = Param(ACTOR_HELP + " Matches any participant.")
    asserted_by = Param("Who claims, hints at or speculates about the event; same matching as `actor`.")
    role = choice(vocab.PARTICIPANT_ROLES, "With `actor`: only where the actor has this role.")
    location = Param(LOCATION_HELP)
    source = Param("Source id: events that this source reports.")
    q = Param(SEARCH_HELP + " Searches titles and descriptions.")

    @validates_schema
    def role_needs_actor(self, data, **kwargs):
        if data.get("role") and not data.get("actor"):
            raise ValidationError("needs actor", "role")


class CasualtyQuery(DatedQuery, AffiliatesMixin):
    sort = choice(("date", "-date"), "Order by the date the figure holds for (`-date` first by default); ties by id.")
    actor = Param("Whose people the figure counts (the party); same matching as on /statements.")
    claimed_by = Param("Who makes the claim; same matching as `actor`.")
    category = choice(vocab.CASUALTY_CATEGORIES, "What the figure counts.")
    location = Param(LOCATION_HELP)
    source = Param("Source id.")


class ActorQuery(ListQuery, AffiliatesMixin):
    sort = choice(("name", "-name"), "Order by name (the default) or reverse; ties by id.")
    q = Param("Prefix of any word-start of a name or alias, case-insensitive: `seo`, `jong un`.")
    kind = choice(vocab.ACTOR_KINDS, "Actor kind.")
    country = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{2}$", error="must be an ISO 3166-1 alpha-2 code"),
        metadata={"description": "ISO 3166-1 alpha-2 country code, case-insensitive."},
    )
    affiliated_with = Param(
        "Actors that belong to this one (id, name or alias); with include_affiliates=false, only its direct affiliates."
    )


class SourceQuery(DatedQuery):
    sort = choice(("date", "-date"), "Order by publication date (`-date`: newest first, the default); ties by id.")
