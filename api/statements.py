"""/statements: who said what, each anchored in its source."""

from flask.views import MethodView
from werkzeug.exceptions import NotFound

from schemas.envelopes import StatementList
from schemas.queries import StatementQuery
from schemas.resources import Statement

from .common import ETAG_HEADERS, documented
from .db import get_db
from .errors import Blueprint
from .listing import Filters, item_response, list_response, page

blp = Blueprint(
    "statements",
    __name__,
    url_prefix="/statements",
    description="Statements made or reported in the sources: quotes verbatim, paraphrases as reported.",
)


def statement_filters(db, args) -> Filters:
    f = Filters()
    affiliates = args["include_affiliates"]
    f.actor(db, "actor", args.get("actor"), affiliates, lambda ph: f"t.speaker_id IN ({ph})", scope_role="speaker")
    f.actor(
        db,
        "target",
        args.get("target"),
        affiliates,
        lambda ph: f"t.id IN (SELECT statement_id FROM statement_targets WHERE actor_id IN ({ph}))",
        scope_role="target",
    )
    for name, column in (("stance", "stance"), ("kind", "kind"), ("event", "event_id"), ("source", "source_id")):
        if args.get(name) is not None:
            f.add(f"t.{column} = ?", args[name])
    f.overlap(args.get("since"), args.get("until"))
    f.search("statements_fts", args.get("q"))
    return f


@blp.route("")
class Statements(MethodView):
    @blp.doc(operationId="listStatements")
    @blp.arguments(StatementQuery(), location="query", as_kwargs=True)
    @blp.response(200, StatementList, description="A page of statements.", headers=ETAG_HEADERS)
    @documented(blp)
    def get(self, **args):
        """List statements

        Filter by speaker (`actor`, by id, name or alias such as `Seoul`, with affiliates unless
        `include_affiliates=false`), `target`, `stance`, `kind`, `event`, `source`, a date range
        (`since`/`until`, overlap) and full text (`q`). Paged by cursor.
        """
        db = get_db()
        sort = args.get("sort") or "-date"
        filters = statement_filters(db, args)
        bodies, total, next_cursor = page(db, "statements", filters, sort, args["limit"], args.get("cursor"))
        return list_response(db, bodies, total, next_cursor, sort=sort, limit=args["limit"], resolved=filters.resolved)


@blp.route("/<slug_id:statement_id>")
class StatementById(MethodView):
    @blp.doc(operationId="getStatement")
    @blp.response(200, Statement, description="The statement.", headers=ETAG_HEADERS)
    @documented(blp, not_found=True)
    def get(self, statement_id):
        """Get a statement

        One statement with its speaker, quote or paraphrase, date, source and the span of the
        source text it was coded from.
        """
        response = item_response(get_db(), "statements", statement_id)
        if response is None:
            raise NotFound(f"No statement has id {statement_id!r}.")
        return response
