"""Schemas of the human-edited annotation files in ``seeds/`` (see seeds/README.md).

They check shape, types and vocabularies. Cross-record rules (ids that must exist, quotes that must
be verbatim, affiliation cycles, uncovered quotations) need the whole corpus and live in
``data.build``.
"""

import datetime as dt
import functools

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


# Path segments the API gives a meaning of its own (GET /statements/facets): no record may have them as id.
reserved = validate.NoneOf(vocab.RESERVED_IDS, error="is a path the API reserves: choose another id")


class Slug(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=[slug, reserved], **kwargs)


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
    """A date as written (``text``), resolved by the build; or, when the text gives none, a window
    the annotator inferred from other evidence (``not_before``/``not_after`` with the ``reason``).

    ``basis: inferred`` (with the ``reason``) marks a date as written elsewhere in the text and
    carried over to this record (a statement that elaborates one the text dated): the words are
    resolved as usual, but the text does not give the date of this record itself."""

    text = Text(load_default=None)
    relative_to = Text(load_default=None)
    direction = fields.String(load_default="past", validate=one_of(vocab.DATE_DIRECTIONS))
    precision = fields.String(load_default=None, validate=one_of(vocab.DATE_PRECISIONS))
    not_before = fields.Date(load_default=None)
    not_after = fields.Date(load_default=None)
    basis = fields.String(load_default=None, validate=one_of(("inferred",)))
    reason = Text(load_default=None)

    @validates_schema
    def written_or_inferred(self, data, **kwargs):
        bounds = data.get("not_before") is not None or data.get("not_after") is not None
        if data.get("text") is None:
            if data.get("not_before") is None or data.get("not_after") is None:
                raise ValidationError(
                    "give the date as written, or an inferred window with both not_before and not_after", "text"
                )
            if data.get("relative_to") is not None:
                raise ValidationError("only a date as written can be relative", "relative_to")
        elif bounds:
            raise ValidationError("a date as written is resolved by the build; leave out not_before/not_after", "text")
        if (data.get("text") is None or data.get("basis") is not None) and data.get("reason") is None:
            raise ValidationError("an inferred date needs the reasoning behind it", "reason")
        if data.get("not_before") and data.get("not_after") and data["not_before"] > data["not_after"]:
            raise ValidationError("must not be after not_after", "not_before")


class WindowAnnotation(StrictSchema):
    """The first and the last possible day: a window has both ends."""

    not_before = fields.Date(required=True)
    not_after = fields.Date(required=True)

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["not_before"] > data["not_after"]:
            raise ValidationError("must not be after not_after", "not_before")


@functools.cache
def _window_schema() -> WindowAnnotation:
    return WindowAnnotation()  # instantiating a schema costs more than a load: once per process


class DayOrWindow(fields.Field):
    """A day (``2025-04-30``) or a window (``{not_before: 2025-04-28, not_after: 2025-05-04}``),
    loaded as a (first day, last day) pair."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            window = _window_schema().load(value)
            return window["not_before"], window["not_after"]
        if isinstance(value, dt.date):
            return value, value
        day = fields.Date()._deserialize(value, attr, data)
        return day, day


class LocationAnnotation(StrictSchema):
    place = Slug(required=True)  # an id of seeds/places.yaml
    as_written = Text(load_default=None)  # the words of the text that name it, verbatim


class PlaceAnnotation(StrictSchema):
    id = Slug(required=True)
    name = Text(required=True)
    aliases = fields.List(Text(), load_default=list)
    precision = fields.String(required=True, validate=one_of(vocab.PLACE_PRECISIONS))
    within = Slug(load_default=None, allow_none=True)
    region = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{2}-[A-Z0-9]{1,3}$", error="must be an ISO 3166-2 code"),
    )
    country = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="must be an ISO 3166-1 alpha-2 code"),
    )
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    wikidata = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^Q[1-9][0-9]*$", error="must be a Wikidata item id like Q884"),
    )
    note = Text(load_default=None)

    @validates_schema
    def region_in_country(self, data, **kwargs):
        if data.get("region") and not data["region"].startswith(data["country"] + "-"):
            raise ValidationError("region must belong to country", "region")


class PlaceRegistryAnnotation(StrictSchema):
    places = fields.List(fields.Nested(PlaceAnnotation), required=True, validate=non_empty)


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
    published = DayOrWindow(load_default=(None, None), allow_none=True)  # a day, a window, or null
    published_basis = fields.String(required=True, validate=one_of(vocab.PUBLISHED_BASES))
    published_note = Text(required=True)  # how the date (or window) was determined
    language = fields.String(load_default="en", validate=validate.Regexp(r"^[a-z]{2}$"))
    summary = Text(required=True)
    url = fields.Url(load_default=None, allow_none=True)


class ViaAnnotation(StrictSchema):
    """One link of the chain a statement came through: how it was first delivered, then each relay."""

    actor = Slug(load_default=None)
    channel = fields.String(load_default=None, validate=one_of(vocab.CHANNELS))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if data.get("actor") is None and data.get("channel") is None:
            raise ValidationError("give the actor, the channel or both", "channel")


class SpeakerAnnotation(StrictSchema):
    actor = Slug(required=True)
    as_written = Text(load_default=None)  # how the text names the speaker, verbatim ("member states")


class StatementAnnotation(StrictSchema):
    id = Slug(required=True)
    speakers = fields.List(fields.Nested(SpeakerAnnotation), required=True, validate=non_empty)
    attribution = fields.String(load_default="explicit", validate=one_of(vocab.ATTRIBUTIONS))
    quote = Text(load_default=None)
    anchor = Text(load_default=None)
    kind = fields.String(required=True, validate=one_of(vocab.STATEMENT_KINDS))
    stance = fields.String(required=True, validate=one_of(vocab.STANCES))
    summary = Text(required=True)
    targets = fields.List(Slug(), load_default=list)
    via = fields.List(fields.Nested(ViaAnnotation), load_default=list)
    when = fields.Nested(WhenAnnotation, load_default=None)
    event = Slug(load_default=None)
    note = Text(load_default=None)

    @validates_schema
    def speakers_as_written(self, data, **kwargs):
        explicit = data.get("attribution") == "explicit"
        for i, speaker in enumerate(data["speakers"]):
            if explicit and speaker["as_written"] is None:
                message = "an explicit speaker is named by the text: give its words"
            elif not explicit and speaker["as_written"] is not None:
                message = f"an {data['attribution']} speaker is not named by the text: leave as_written out"
            else:
                continue
            raise ValidationError({i: {"as_written": [message]}}, "speakers")

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
    certainty = fields.String(required=True, validate=one_of(vocab.EVENT_CERTAINTIES))
    asserted_by = fields.List(Slug(), load_default=list)  # who claims it, when it is not confirmed
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

    @validates_schema
    def asserted_unless_confirmed(self, data, **kwargs):
        if data["certainty"] != "confirmed" and not data.get("asserted_by"):
            raise ValidationError(f"a {data['certainty']} event needs who asserts it", "asserted_by")


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
