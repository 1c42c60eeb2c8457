"""/sources: the documents everything is coded from."""

from flask.views import MethodView
from werkzeug.exceptions import NotFound

from schemas.envelopes import SourceList
from schemas.queries import SourceQuery
from schemas.resources import SourceWithText

from .common import ETAG_HEADERS, documented
from .db import get_db
from .errors import Blueprint
from .listing import Filters, item_response, list_response, page

blp = Blueprint(
    "sources",
    __name__,
    url_prefix="/sources",
    description="Source documents, kept byte for byte, with their metadata; spans index into their text.",
)


@blp.route("")
class Sources(MethodView):
    @blp.doc(operationId="listSources")
    @blp.arguments(SourceQuery(), location="query", as_kwargs=True)
    @blp.response(200, SourceList, description="A page of sources (without their text).", headers=ETAG_HEADERS)
    @documented(blp)
    def get(self, **args):
        """List sources

        Every document with its outlet, byline, publication date (and how it was determined),
        images, hash and counts. Filter by publication date (`since`/`until`). Paged by cursor.
        """
        db = get_db()
        sort = args.get("sort") or "-date"
        filters = Filters()
        filters.overlap(args.get("since"), args.get("until"), start="t.published", end="t.published")
        bodies, total, next_cursor = page(db, "sources", filters, sort, args["limit"], args.get("cursor"))
        return list_response(db, bodies, total, next_cursor, sort=sort, limit=args["limit"], resolved=[])


@blp.route("/<source_id:source_id>")
class SourceById(MethodView):
    @blp.doc(operationId="getSource")
    @blp.response(200, SourceWithText, description="The source, with its full text.", headers=ETAG_HEADERS)
    @documented(blp, not_found=True)
    def get(self, source_id):
        """Get a source

        One document with its metadata and its full text, exactly as received: every span in
        the API indexes into this `text` (in Unicode code points).
        """
        response = item_response(get_db(), "sources", source_id, column="text_body")
        if response is None:
            raise NotFound(f"No source has id {source_id!r}.")
        return response
