"""/casualties: casualty figures, each a claim by someone, as of a date."""

from flask.views import MethodView
from werkzeug.exceptions import NotFound

from schemas.envelopes import CasualtyList
from schemas.queries import CasualtyQuery
from schemas.resources import Casualty

from .common import ETAG_HEADERS, documented
from .db import get_db
from .errors import Blueprint
from .listing import Filters, item_response, list_response, page

blp = Blueprint(
    "casualties",
    __name__,
    url_prefix="/casualties",
    description="Casualty figures as claims: whose people, what category, how qualified, claimed by whom.",
)


def casualty_filters(db, args) -> Filters:
    f = Filters()
    affiliates = args["include_affiliates"]
    f.actor(db, "actor", args.get("actor"), affiliates, lambda ph: f"t.party_id IN ({ph})", scope_role="party")
    f.actor(
        db, "claimed_by", args.get("claimed_by"), affiliates, lambda ph: f"t.claimed_by_id IN ({ph})", scope_role="claimed_by"
    )
    for name, column in (("category", "category"), ("source", "source_id")):
        if args.get(name) is not None:
            f.add(f"t.{column} = ?", args[name])
    f.overlap(args.get("since"), args.get("until"), start="t.as_of", end="t.as_of")
    return f


@blp.route("")
class Casualties(MethodView):
    @blp.doc(operationId="listCasualties")
    @blp.arguments(CasualtyQuery(), location="query", as_kwargs=True)
    @blp.response(200, CasualtyList, description="A page of casualty claims.", headers=ETAG_HEADERS)
    @documented(blp)
    def get(self, **args):
        """List casualty claims

        Filter by the party whose people are counted (`actor`), the claimant (`claimed_by`),
        `category`, `source` and the date the figure holds for (`since`/`until`). Paged by cursor.
        """
        db = get_db()
        sort = args.get("sort") or "-date"
        filters = casualty_filters(db, args)
        bodies, total, next_cursor = page(db, "casualties", filters, sort, args["limit"], args.get("cursor"))
        return list_response(db, bodies, total, next_cursor, sort=sort, limit=args["limit"], resolved=filters.resolved)


@blp.route("/<slug_id:casualty_id>")
class CasualtyById(MethodView):
    @blp.doc(operationId="getCasualty")
    @blp.response(200, Casualty, description="The casualty claim.", headers=ETAG_HEADERS)
    @documented(blp, not_found=True)
    def get(self, casualty_id):
        """Get a casualty claim

        One figure with its party, category, qualifier, claimant, date, the larger figure it is
        part of, and the span of the source that gives it.
        """
        response = item_response(get_db(), "casualties", casualty_id)
        if response is None:
            raise NotFound(f"No casualty claim has id {casualty_id!r}.")
        return response
