"""Path converters for record ids: they document, in the OpenAPI document, the form every id of a
resource has (the annotation schemas enforce it at build time), so clients and fuzzers know it.

They match any path segment, as Flask's ``string`` converter does: an id of another form is simply
not a record, and gets the same 404 (naming the id) as any unknown id."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

from schemas import vocab


class SlugIdConverter(BaseConverter):
    """Ids of statements, actors, events and casualty claims: lowercase slugs."""

    pattern = vocab.SLUG_PATTERN


class SourceIdConverter(BaseConverter):
    """Ids of sources: the text's file name without ``.txt``."""

    pattern = vocab.SOURCE_ID_PATTERN


CONVERTERS = {"slug_id": SlugIdConverter, "source_id": SourceIdConverter}


def init_app(app, api) -> None:
    app.url_map.converters.update(CONVERTERS)
    for converter in CONVERTERS.values():
        api.register_converter(converter, lambda c: {"type": "string", "pattern": c.pattern})
