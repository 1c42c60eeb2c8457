"""Schemas of what the API serves.

The build dumps every record through these schemas once (the database is immutable, so a record's
JSON never changes between requests); the API serves those bodies inside list envelopes dumped by
the envelope schemas below; apispec turns all of them into the OpenAPI document.

Every field is ``required`` so that the contract says it is always present; nullable ones say so.
The one exception is ``highlights``, which the build never renders: a list searched with ``q`` adds it.
"""

from marshmallow import Schema, fields, validate

from . import codebook, vocab

_VOCABULARY_OF = {values: name for name, values in codebook.VOCABULARIES.items()}


def enum(choices, **kwargs):
    """A required string of a vocabulary; its description lists what each value means, from the
    codebook (the same definitions seeds/README.md gives annotators)."""
    choices = tuple(choices)
    vocabulary = _VOCABULARY_OF.get(choices)
    if vocabulary is not None:
        metadata = dict(kwargs.pop("metadata", {}))
        meanings = "\n".join(f"- `{v}`: {codebook.definition(vocabulary, v)}" for v in choices)
        metadata["description"] = (metadata.get("description", "") + "\n\n" + meanings).strip()
        kwargs["metadata"] = metadata
    return fields.String(required=True, validate=validate.OneOf(choices), **kwargs)


def text(description, **kwargs):
    return fields.String(required=True, metadata={"description": description}, **kwargs)


def nullable(field_cls, description, *args, **kwargs):
    return field_cls(*args, required=True, allow_none=True, metadata={"description": description}, **kwargs)


class ActorRef(Schema):
    id = text("Actor id (a stable slug).")
    name = text("Display name.")
    kind = enum(vocab.ACTOR_KINDS, metadata={"description": "What sort of actor this is."})
    country = nullable(fields.String, "ISO 3166-1 alpha-2 country code.")


class SourceRef(Schema):
    id = text("Source id: the seed file name without extension.")
    title = nullable(fields.String, "Headline, when the text has one.")
    outlet = nullable(fields.Nested, "The outlet that published the source, if known.", ActorRef)
    published_start = nullable(fields.Date, "First day the source can have been published (null when unknown).")
    published_end = nullable(
        fields.Date, "Last day the source can have been published: the same day when the date is known exactly."
    )
    published_basis = enum(
        vocab.PUBLISHED_BASES,
        metadata={"description": "How the publication date was determined: given by the text, or inferred."},
    )


PLACE_PRECISION_HELP = "What the coordinates stand for: a point, or the centre of a city, district, region or country."


class PlaceRef(Schema):
    id = text("Place id in the place registry.")
    name = text("The place's canonical name.")
    region = nullable(fields.String, "ISO 3166-2 subdivision code, e.g. RU-KRS.")
    country = text("ISO 3166-1 alpha-2 country code.")
    lat = fields.Float(required=True, metadata={"description": "Latitude, WGS84 degrees."})
    lon = fields.Float(required=True, metadata={"description": "Longitude, WGS84 degrees."})
    precision = enum(vocab.PLACE_PRECISIONS, metadata={"description": PLACE_PRECISION_HELP})


class EventRef(Schema):
    id = text("Event id.")
    type = enum(vocab.EVENT_TYPES, metadata={"description": "Event type."})
    title = text("Short title.")
    date_start = nullable(fields.Date, "First day the event can be (null when unknown).")
    date_end = nullable(fields.Date, "Last day the event can be (null when unknown).")
    date_precision = enum(
        vocab.DATE_PRECISIONS,
        metadata={"description": "How precisely it is dated; `range`: only known to lie between the two days."},
    )
    place = nullable(fields.Nested, "Where it happened, if known.", PlaceRef)


class CasualtyRef(Schema):
    id = text("Casualty claim id.")
    category = enum(vocab.CASUALTY_CATEGORIES, metadata={"description": "What the figure counts."})
    value = fields.Integer(required=True, metadata={"description": "The figure."})


class StatementRef(Schema):
    id = text("Statement id.")
    summary = text("What was said, in one sentence.")


class SpanSchema(Schema):
    start = fields.Integer(
        required=True, metadata={"description": "Offset of the first character (Unicode code points)."}
    )
    end = fields.Integer(required=True, metadata={"description": "Offset one past the last character."})


def excerpt_span_field():
    """Where ``span`` falls inside ``excerpt``."""
    return fields.Nested(
        SpanSchema,
        required=True,
        metadata={
            "description": "Where `span` is inside `excerpt`: offsets into the excerpt (Unicode code points), "
            "clipped to it; `excerpt[start:end]` is the text at `span` in the source."
        },
    )


class Highlight(Schema):
    field = fields.String(
        required=True,
        validate=validate.OneOf(("quote", "summary", "title", "description")),
        metadata={"description": "The field of the record the match is in."},
    )
    start = fields.Integer(
        required=True, metadata={"description": "Offset of the match's first character in the field (code points)."}
    )
    end = fields.Integer(required=True, metadata={"description": "Offset one past its last character."})


def highlights_field(searched: str):
    """Where a full-text search matched; the build never renders it (a list adds it per request)."""
    return fields.List(
        fields.Nested(Highlight),
        metadata={
            "description": f"Present only in lists searched with `q`: every match of the search words in {searched}, "
            "field by field in text order (matched as `q` matches: case and Latin diacritics ignored, `word*` a "
            "prefix). Absent from single records and from lists without `q`."
        },
    )


DATE_BASIS_HELP = "How the date was determined."


def date_fields():
    """The five date fields of dated records, in the order they are declared where used."""
    return (
        nullable(fields.Date, "First day the date can be (null when unknown)."),
        nullable(fields.Date, "Last day the date can be (null when unknown)."),
        enum(
            vocab.DATE_PRECISIONS,
            metadata={"description": "How precisely it is dated; `range`: only known to lie between the two days."},
        ),
        nullable(fields.String, "The date as written in the source, e.g. 'on Monday'."),
        enum(vocab.DATE_BASES, metadata={"description": DATE_BASIS_HELP}),
    )


class Via(Schema):
    actor = nullable(fields.Nested, "Who carried it at this step (an outlet or agency), if the text says.", ActorRef)
    channel = nullable(fields.String, "How it was delivered at this step.", validate=validate.OneOf(vocab.CHANNELS))


class Speaker(Schema):
    actor = fields.Nested(ActorRef, required=True, metadata={"description": "The actor in the registry."})
    as_written = nullable(fields.String, "How the text names the speaker, verbatim ('member states', 'Some').")
    span = nullable(
        fields.Nested, "Where the text names the speaker (the occurrence nearest the statement).", SpanSchema
    )


class Statement(Schema):
    id = text("Statement id.")
    speakers = fields.List(
        fields.Nested(Speaker),
        required=True,
        metadata={"description": "Who made the statement: one or more, in the order the text names them."},
    )
    attribution = enum(
        vocab.ATTRIBUTIONS,
        metadata={"description": "Who the words are attributed to, and on whose authority."},
    )
    quote = nullable(fields.String, "The words quoted, verbatim from the source; null for a paraphrase.")
    summary = text("What was said, in one sentence.")
    kind = enum(vocab.STATEMENT_KINDS, metadata={"description": "Quoted in full, quoted in part, or reported."})
    stance = enum(vocab.STANCES, metadata={"description": "What the speaker does with the statement."})
    targets = fields.List(
        fields.Nested(ActorRef), required=True, metadata={"description": "Who the statement is about or aimed at."}
    )
    date_start, date_end, date_precision, date_text, date_basis = date_fields()
    via = fields.List(
        fields.Nested(Via),
        required=True,
        metadata={
            "description": "How it reached the source, in order: the original channel first, then each relay "
            "(a written statement, then reported by Yonhap). Empty when the text does not say."
        },
    )
    event = nullable(fields.Nested, "The event this statement belongs to.", EventRef)
    source = fields.Nested(SourceRef, required=True, metadata={"description": "The document it was coded from."})
    span = fields.Nested(
        SpanSchema,
        required=True,
        metadata={"description": "Where the quote (or, for a paraphrase, the reporting words) is in the source text."},
    )
    excerpt = text("The sentence of the source around the span.")
    excerpt_span = excerpt_span_field()
    note = nullable(fields.String, "Annotator's note.")
    highlights = highlights_field("`quote` and `summary`")


class Location(Schema):
    id = text("Place id in the place registry.")
    name = text("The place's canonical name.")
    as_written = nullable(fields.String, "The place as the text names it, verbatim ('Suzhansky district').")
    region = nullable(fields.String, "ISO 3166-2 subdivision code, e.g. RU-KRS.")
    country = text("ISO 3166-1 alpha-2 country code.")
    lat = fields.Float(required=True, metadata={"description": "Latitude, WGS84 degrees."})
    lon = fields.Float(required=True, metadata={"description": "Longitude, WGS84 degrees."})
    precision = enum(vocab.PLACE_PRECISIONS, metadata={"description": PLACE_PRECISION_HELP})


class Participant(Schema):
    actor = fields.Nested(ActorRef, required=True)
    role = enum(vocab.PARTICIPANT_ROLES, metadata={"description": "The actor's part in the event."})


class EventSupport(Schema):
    source = fields.Nested(SourceRef, required=True)
    span = fields.Nested(SpanSchema, required=True)
    excerpt = text("The sentence of the source that reports the event.")
    excerpt_span = excerpt_span_field()


class Event(Schema):
    id = text("Event id.")
    type = enum(vocab.EVENT_TYPES, metadata={"description": "Event type."})
    status = enum(
        vocab.EVENT_STATUSES, metadata={"description": "Whether it happened, is happening, or is planned or expected."}
    )
    certainty = enum(
        vocab.EVENT_CERTAINTIES,
        metadata={
            "description": "How sure the source is that it happened (`status` says when); who asserts it "
            "otherwise is in `asserted_by`."
        },
    )
    asserted_by = fields.List(
        fields.Nested(ActorRef),
        required=True,
        metadata={"description": "Who claims, hints at or speculates about it (empty when confirmed)."},
    )
    title = text("Short title.")
    description = text("What happened, in the annotator's words.")
    participants = fields.List(fields.Nested(Participant), required=True)
    location = nullable(fields.Nested, "Where it happened (a media release: where it was released).", Location)
    date_start, date_end, date_precision, date_text, date_basis = date_fields()
    plover = nullable(
        fields.String,
        "PLOVER event category, for interoperability with other event datasets (null where none applies).",
        validate=validate.OneOf(vocab.PLOVER_CATEGORIES),
    )
    sources = fields.List(
        fields.Nested(EventSupport),
        required=True,
        metadata={"description": "Every source that reports the event, with the span."},
    )
    related = fields.List(
        fields.Nested(EventRef),
        required=True,
        metadata={"description": "Events linked to this one, e.g. where sources disagree."},
    )
    note = nullable(fields.String, "Annotator's note.")
    highlights = highlights_field("`title` and `description`")


class AsOf(Schema):
    start = nullable(fields.Date, "First day the figure can hold for (null when unknown).")
    end = nullable(fields.Date, "Last day the figure can hold for (null when unknown).")
    precision = enum(vocab.DATE_PRECISIONS)
    text = nullable(fields.String, "The date as written, or null when the text gives none.")


class Casualty(Schema):
    id = text("Casualty claim id.")
    party = fields.Nested(ActorRef, required=True, metadata={"description": "Whose people the figure counts."})
    category = enum(vocab.CASUALTY_CATEGORIES, metadata={"description": "What the figure counts."})
    value = fields.Integer(required=True, metadata={"description": "The figure as claimed."})
    low = nullable(fields.Integer, "Low end of a claimed range.")
    high = nullable(fields.Integer, "High end of a claimed range.")
    qualifier = enum(vocab.CASUALTY_QUALIFIERS, metadata={"description": "How the claim qualifies the figure."})
    claimed_by = nullable(fields.Nested, "Who makes the claim.", ActorRef)
    as_of = fields.Nested(AsOf, required=True)
    as_of_basis = enum(
        vocab.DATE_BASES,
        metadata={
            "description": DATE_BASIS_HELP + " With no date in the text, a figure holds as of publication (`inferred`)."
        },
    )
    location = nullable(fields.Nested, "Where the casualties occurred.", Location)
    part_of = nullable(fields.Nested, "A larger figure this one is part of.", CasualtyRef)
    statement = nullable(fields.Nested, "The statement that makes the claim.", StatementRef)
    source = fields.Nested(SourceRef, required=True)
    span = fields.Nested(SpanSchema, required=True)
    excerpt = text("The sentence of the source that gives the figure.")
    excerpt_span = excerpt_span_field()
    note = nullable(fields.String, "Annotator's note.")


class Actor(Schema):
    id = text("Actor id (a stable slug).")
    name = text("Display name.")
    kind = enum(vocab.ACTOR_KINDS)
    country = nullable(fields.String, "ISO 3166-1 alpha-2 country code.")
    title = nullable(fields.String, "Title or role, as the sources give it.")
    aliases = fields.List(
        fields.String(), required=True, metadata={"description": "Other names, metonyms included ('Seoul')."}
    )
    affiliation = nullable(fields.Nested, "The body this actor belongs to or speaks for.", ActorRef)
    affiliates = fields.List(
        fields.Nested(ActorRef), required=True, metadata={"description": "Actors directly affiliated with this one."}
    )
    wikidata = nullable(fields.String, "Wikidata item id.")
    statement_count = fields.Integer(required=True, metadata={"description": "Statements this actor made."})
    statement_count_with_affiliates = fields.Integer(
        required=True,
        metadata={
            "description": "Statements made by this actor or any actor affiliated with it, at any depth "
            "(what `GET /statements?actor=<id>` counts)."
        },
    )
    event_count = fields.Integer(required=True, metadata={"description": "Events this actor took part in."})
    note = nullable(fields.String, "Annotator's note.")


class Place(Schema):
    id = text("Place id in the place registry.")
    name = text("The place's canonical name.")
    aliases = fields.List(
        fields.String(), required=True, metadata={"description": "Other names and spellings ('Kursk region')."}
    )
    region = nullable(fields.String, "ISO 3166-2 subdivision code, e.g. RU-KRS.")
    country = text("ISO 3166-1 alpha-2 country code.")
    lat = fields.Float(required=True, metadata={"description": "Latitude, WGS84 degrees."})
    lon = fields.Float(required=True, metadata={"description": "Longitude, WGS84 degrees."})
    precision = enum(vocab.PLACE_PRECISIONS, metadata={"description": PLACE_PRECISION_HELP})
    within = nullable(fields.Nested, "The place this one lies within (null when none of the registry).", PlaceRef)
    wikidata = nullable(fields.String, "Wikidata item id.")


class Byline(Schema):
    name = text("Author as printed.")
    email = nullable(fields.String, "Contact printed with the byline.")


class Image(Schema):
    url = text("Image URL as given in the text.")
    caption = text("Caption.")
    credit = nullable(fields.String, "Credit printed at the end of the caption.")


class Source(SourceRef):
    summary = text("What the document reports, in the annotator's words.")
    outlet_basis = text("How the outlet was determined.")
    published_note = text("How the publication date (or window) was determined, spelled out.")
    byline = nullable(fields.Nested, "The byline, when the text has one.", Byline)
    language = text("ISO 639-1 language code.")
    url = nullable(fields.String, "Where the document was published, if known.")
    images = fields.List(fields.Nested(Image), required=True)
    sha256 = text("SHA-256 of the file's bytes.")
    bytes = fields.Integer(required=True, metadata={"description": "File length in bytes."})
    length = fields.Integer(
        required=True, metadata={"description": "Text length in Unicode code points (the unit of spans)."}
    )
    statement_count = fields.Integer(required=True)
    event_count = fields.Integer(required=True)
    casualty_count = fields.Integer(required=True)


class SourceWithText(Source):
    text = text("The full text, exactly as received; spans index into it.")
