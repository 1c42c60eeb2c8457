"""/actors: people, states, bodies and groups, with aliases and affiliation."""

from flask.views import MethodView
from werkzeug.exceptions import NotFound

from schemas.names import normalize_name
from schemas.envelopes import ActorList
from schemas.queries import ActorQuery
from schemas.resources import Actor

from .common import ETAG_HEADERS, documented
from .db import get_db
from .errors import Blueprint
from .listing import Filters, item_response, list_response, page

blp = Blueprint(
    "actors",
    __name__,
    url_prefix="/actors",
    description="Actors shared across sources: aliases (metonyms included), affiliation, Wikidata ids.",
)


def actor_filters(db, args) -> Filters:
    f = Filters()
    if args.get("q") is not None:
        prefix = normalize_name(args["q"])
        # A range on the key is an index seek; LIKE 'x%' would not be (keys are case-folded).
        f.add("t.id IN (SELECT actor_id FROM actor_search WHERE key >= ? AND key < ?)", prefix, prefix + "\U0010ffff")
    if args.get("kind") is not None:
        f.add("t.kind = ?", args["kind"])
    if args.get("country") is not None:
        f.add("t.country = ?", args["country"].upper())
    if args.get("affiliated_with") is not None:
        depth = "depth >= 1" if args["include_affiliates"] else "depth = 1"
        f.actor(
            db,
            "affiliated_with",
            args["affiliated_with"],
            False,  # the named actor itself; its affiliates are what the subquery lists
            lambda ph: f"t.id IN (SELECT affiliate_id FROM actor_affiliates WHERE actor_id IN ({ph}) AND {depth})",
        )
        if f.resolved and f.resolved[-1].matched:
            f.resolved[-1].include_affiliates = args["include_affiliates"]
    return f


@blp.route("")
class Actors(MethodView):
    @blp.doc(operationId="listActors")
    @blp.arguments(ActorQuery(), location="query", as_kwargs=True)
    @blp.response(200, ActorList, description="A page of actors.", headers=ETAG_HEADERS)
    @documented(blp)
    def get(self, **args):
        """List actors

        Search names and aliases by prefix (`q`), filter by `kind`, `country` and
        `affiliated_with` (everything that belongs to an actor). Paged by cursor.
        """
        db = get_db()
        sort = args.get("sort") or "name"
        filters = actor_filters(db, args)
        bodies, total, next_cursor = page(db, "actors", filters, sort, args["limit"], args.get("cursor"))
        return list_response(db, bodies, total, next_cursor, sort=sort, limit=args["limit"], resolved=filters.resolved)


@blp.route("/<slug_id:actor_id>")
class ActorById(MethodView):
    @blp.doc(operationId="getActor")
    @blp.response(200, Actor, description="The actor.", headers=ETAG_HEADERS)
    @documented(blp, not_found=True)
    def get(self, actor_id):
        """Get an actor

        One actor by id, with its aliases, affiliation, direct affiliates and counts of the
        statements it made and the events it took part in.
        """
        response = item_response(get_db(), "actors", actor_id)
        if response is None:
            raise NotFound(f"No actor has id {actor_id!r}.")
        return response
