"""Schemas of ``GET /vocabularies``: every controlled vocabulary the records use, each value with a
label and its codebook definition (the same sentence the records' schemas give in their enums)."""

from marshmallow import RAISE, Schema, fields

from . import codebook

# Property of the response -> (vocabulary name in schemas/vocab.py, where the API uses it), in
# codebook order. DATE_DIRECTIONS is not here: it is a field of annotations only, no record has it.
VOCABULARIES: dict[str, tuple[str, str]] = {
    "actor_kind": ("ACTOR_KINDS", "`kind` of actors."),
    "statement_kind": ("STATEMENT_KINDS", "`kind` of statements."),
    "stance": ("STANCES", "`stance` of statements."),
    "channel": ("CHANNELS", "`channel` of each step of a statement's `via`."),
    "event_type": ("EVENT_TYPES", "`type` of events."),
    "event_status": ("EVENT_STATUSES", "`status` of events."),
    "event_certainty": ("EVENT_CERTAINTIES", "`certainty` of events."),
    "participant_role": ("PARTICIPANT_ROLES", "`role` of an event's participants."),
    "casualty_category": ("CASUALTY_CATEGORIES", "`category` of casualty figures."),
    "casualty_qualifier": ("CASUALTY_QUALIFIERS", "`qualifier` of casualty figures."),
    "date_basis": ("DATE_BASES", "`date_basis` of statements and events, and `as_of_basis` of casualty figures."),
    "published_basis": ("PUBLISHED_BASES", "`published_basis` of sources."),
    "attribution": ("ATTRIBUTIONS", "`attribution` of statements."),
    "place_precision": ("PLACE_PRECISIONS", "`precision` of places."),
    "date_precision": ("DATE_PRECISIONS", "`date_precision` of statements and events, and `as_of.precision`."),
}
NOT_SERVED = ("DATE_DIRECTIONS",)


def label(value: str) -> str:
    """A value as a person reads it: `troop_deployment` -> "Troop deployment"."""
    return value.replace("_", " ").capitalize()


def vocabularies() -> dict[str, list[dict[str, str]]]:
    """The response's ``data``: each vocabulary's values, in vocab order."""
    return {
        prop: [
            {"value": value, "label": label(value), "description": codebook.definition(name, value)}
            for value in codebook.VOCABULARIES[name]
        ]
        for prop, (name, _) in VOCABULARIES.items()
    }


class VocabularyValue(Schema):
    value = fields.String(required=True, metadata={"description": "The value, as records and filters write it."})
    label = fields.String(required=True, metadata={"description": "A human-readable name, e.g. 'Troop deployment'."})
    description = fields.String(
        required=True, metadata={"description": "What the value means, in one sentence from the codebook."}
    )


Vocabularies = Schema.from_dict(
    {
        prop: fields.List(
            fields.Nested(VocabularyValue), required=True, metadata={"description": f"The values of {where}"}
        )
        for prop, (_, where) in VOCABULARIES.items()
    },
    name="Vocabularies",
)


class VocabulariesDocument(Schema):
    data = fields.Nested(Vocabularies, required=True, metadata={"description": "Each vocabulary, by name."})


class VocabulariesQuery(Schema):
    """No parameters; unknown ones are errors, as everywhere."""

    class Meta:
        unknown = RAISE
