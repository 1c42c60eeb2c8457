"""/actors: people, states, bodies and groups, with aliases and affiliation."""

from schemas.envelopes import ActorList
from schemas.names import normalize_name
from schemas.queries import ActorQuery
from schemas.resources import Actor

from .db import Database
from .framework import Blueprint
from .query.filters import AffiliatesOf, Args, Condition, Equal, Linked
from .query.resolve import resolve_actor
from .views import Operation, Resource, register

blp = Blueprint(
    "actors",
    __name__,
    url_prefix="/actors",
    description="Actors shared across sources: aliases (metonyms included), affiliation, Wikidata ids.",
)


def name_prefix(db: Database, args: Args) -> Condition | None:
    """`q`: a prefix of any word-start of a name or alias, on the case-folded search keys."""
    if args.get("q") is None:
        return None
    prefix = normalize_name(args["q"])
    return Linked("actor_search", "actor_id", "key", prefix, prefix + "\U0010ffff")


def affiliated_with(db: Database, args: Args) -> Condition | None:
    """`affiliated_with`: the actors that belong to the named one; only its direct affiliates
    with include_affiliates=false."""
    if args.get("affiliated_with") is None:
        return None
    include = args["include_affiliates"]
    resolution = resolve_actor(db, "affiliated_with", args["affiliated_with"], include, expand=False)
    return AffiliatesOf(resolution, direct_only=not include)


register(
    Resource(
        blp,
        table="actors",
        query=ActorQuery,
        page_schema=ActorList,
        record_schema=Actor,
        default_sort="name",
        filters=(name_prefix, Equal("kind"), Equal("country", upper=True), affiliated_with),
        noun="actor",
        item_path="/<slug_id:actor_id>",
        list_op=Operation(
            view="Actors",
            operation_id="listActors",
            response="A page of actors.",
            doc="""List actors

            Search names and aliases by prefix (`q`), filter by `kind`, `country` and
            `affiliated_with` (everything that belongs to an actor). Paged by cursor.
            """,
        ),
        get_op=Operation(
            view="ActorById",
            operation_id="getActor",
            response="The actor.",
            doc="""Get an actor

            One actor by id, with its aliases, affiliation, direct affiliates and counts of the
            statements it made and the events it took part in.
            """,
        ),
    )
)
