"""/sources: the documents everything is coded from."""

from schemas.envelopes import SourceList
from schemas.queries import SourceQuery
from schemas.resources import SourceWithText

from .framework import Blueprint
from .query.filters import DateRange, Equal
from .views import Operation, Resource, register

blp = Blueprint(
    "sources",
    __name__,
    url_prefix="/sources",
    description="Source documents, kept byte for byte, with their metadata; spans index into their text.",
)

register(
    Resource(
        blp,
        table="sources",
        query=SourceQuery,
        page_schema=SourceList,
        record_schema=SourceWithText,
        default_sort="-date",
        filters=(Equal("id"), DateRange("published_start", "published_end")),
        noun="source",
        item_path="/<source_id:source_id>",
        item_column="text_body",  # the record with its full text
        list_op=Operation(
            view="Sources",
            operation_id="listSources",
            response="A page of sources (without their text).",
            doc="""List sources

            Every document with its outlet, byline, publication date (and how it was determined),
            images, hash and counts. Filter by `id` and publication date (`since`/`until`; `undated`).
            Paged by cursor.
            """,
        ),
        get_op=Operation(
            view="SourceById",
            operation_id="getSource",
            response="The source, with its full text.",
            doc="""Get a source

            One document with its metadata and its full text, exactly as received: every span in
            the API indexes into this `text` (in Unicode code points).
            """,
        ),
    )
)
