"""Schemas of the human-edited annotation files in ``seeds/`` (see seeds/README.md).

They check shape, types and vocabularies. Cross-record rules (ids that must exist, quotes that must
be verbatim, affiliation cycles, uncovered quotations) need the whole corpus and live in
``data.build``.
"""

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from . import vocab

slug = validate.Regexp(vocab.SLUG_PATTERN, error="must be a lowercase slug like 'south-korea'")
non_empty = validate.Length(min=1)


def one_of(choices):
    return validate.OneOf(tuple(choices), error="must be one of: {choices}")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Slug(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=slug, **kwargs)


class Text(fields.String):
    """A non-empty string; surrounding whitespace is a typo, not meaning."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not value.strip():
            raise ValidationError("must not be empty")
        if value != value.strip():
            raise ValidationError("must not start or end with whitespace")
        return value


class WhenAnnotation(StrictSchema):
    text = Text(required=True)
    relative_to = Text(load_default=None)
    direction = fields.String(load_default="past", validate=one_of(vocab.DATE_DIRECTIONS))
    precision = fields.String(load_default=None, validate=one_of(vocab.DATE_PRECISIONS))


class LocationAnnotation(StrictSchema):
    name = Text(load_default=None)
    region = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Z]{2}-[A-Z0-9]{1,3}$", error="must be an ISO 3166-2 code"),
    )
    country = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 code"),
    )

    @validates_schema
    def region_in_country(self, data, **kwargs):
        if data.get("region") and data.get("country") and not data["region"].startswith(data["country"] + "-"):
            raise ValidationError("region must belong to country", "region")


class ActorAnnotation(StrictSchema):
    id = Slug(required=True)
    name = Text(required=True)
    kind = fields.String(required=True, validate=one_of(vocab.ACTOR_KINDS))
    country = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 code"),
    )
    aliases = fields.List(Text(), load_default=list)
    title = Text(load_default=None, allow_none=True)
    affiliation = Slug(load_default=None, allow_none=True)
    wikidata = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^Q[1-9][0-9]*$", error="must be a Wikidata item id like Q884"),
    )
    note = Text(load_default=None)


class ActorRegistryAnnotation(StrictSchema):
    actors = fields.List(fields.Nested(ActorAnnotation), required=True, validate=non_empty)


class DocumentAnnotation(StrictSchema):
    title = Text(load_default=None, allow_none=True)
    outlet = Slug(load_default=None, allow_none=True)
    outlet_basis = Text(required=True)
    published = fields.Date(load_default=None, allow_none=True)
    published_basis = Text(required=True)
    language = fields.String(load_default="en", validate=validate.Regexp(r"^[a-z]{2}$"))
    summary = Text(required=True)
    url = fields.Url(load_default=None, allow_none=True)


class ViaAnnotation(StrictSchema):
    actor = Slug(load_default=None)
    channel = fields.String(load_default=None, validate=one_of(vocab.CHANNELS))


class StatementAnnotation(StrictSchema):
    id = Slug(required=True)
    speaker = Slug(required=True)
    quote = Text(load_default=None)
    anchor = Text(load_default=None)
    kind = fields.String(required=True, validate=one_of(vocab.STATEMENT_KINDS))
    stance = fields.String(required=True, validate=one_of(vocab.STANCES))
    summary = Text(required=True)
    targets = fields.List(Slug(), load_default=list)
    via = fields.Nested(ViaAnnotation, load_default=None)
    when = fields.Nested(WhenAnnotation, load_default=None)
    event = Slug(load_default=None)
    note = Text(load_default=None)

    @validates_schema
    def quote_matches_kind(self, data, **kwargs):
        if data["kind"] == "paraphrase":
            if data.get("quote") is not None:
                raise ValidationError("a paraphrase has no quote", "quote")
            if data.get("anchor") is None:
                raise ValidationError("a paraphrase needs the words that report it", "anchor")
        elif data.get("quote") is None:
            raise ValidationError(f"a {data['kind']} needs its quote", "quote")


class ParticipantAnnotation(StrictSchema):
    actor = Slug(required=True)
    role = fields.String(required=True, validate=one_of(vocab.PARTICIPANT_ROLES))


class SupportAnnotation(StrictSchema):
    source = fields.String(required=True, validate=validate.Regexp(vocab.SOURCE_ID_PATTERN))
    anchor = Text(required=True)


class EventAnnotation(StrictSchema):
    id = Slug(required=True)
    type = fields.String(required=True, validate=one_of(vocab.EVENT_TYPES))
    status = fields.String(required=True, validate=one_of(vocab.EVENT_STATUSES))
    title = Text(required=True)
    description = Text(required=True)
    participants = fields.List(fields.Nested(ParticipantAnnotation), load_default=list)
    location = fields.Nested(LocationAnnotation, load_default=None)
    when = fields.Nested(WhenAnnotation, load_default=None)
    anchor = Text(required=True)
    also_reported_in = fields.List(fields.Nested(SupportAnnotation), load_default=list)
    related = fields.List(Slug(), load_default=list)
    plover = fields.String(load_default=None, validate=one_of(vocab.PLOVER_CATEGORIES))
    note = Text(load_default=None)


class CasualtyAnnotation(StrictSchema):
    id = Slug(required=True)
    party = Slug(required=True)
    category = fields.String(required=True, validate=one_of(vocab.CASUALTY_CATEGORIES))
    value = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    low = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    high = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=0))
    qualifier = fields.String(required=True, validate=one_of(vocab.CASUALTY_QUALIFIERS))
    claimed_by = Slug(load_default=None, allow_none=True)
    anchor = Text(required=True)
    as_of = fields.Nested(WhenAnnotation, load_default=None)
    location = fields.Nested(LocationAnnotation, load_default=None)
    part_of = Slug(load_default=None, allow_none=True)
    statement = Slug(load_default=None, allow_none=True)
    note = Text(load_default=None)

    @validates_schema
    def range_holds_value(self, data, **kwargs):
        low, high, value = data.get("low"), data.get("high"), data["value"]
        if low is not None and low > value:
            raise ValidationError("low must not exceed value", "low")
        if high is not None and high < value:
            raise ValidationError("high must not be below value", "high")


class SourceAnnotation(StrictSchema):
    """One ``seeds/NNN_<hash>.yaml`` file."""

    document = fields.Nested(DocumentAnnotation, required=True)
    statements = fields.List(fields.Nested(StatementAnnotation), load_default=list)
    events = fields.List(fields.Nested(EventAnnotation), load_default=list)
    casualties = fields.List(fields.Nested(CasualtyAnnotation), load_default=list)
