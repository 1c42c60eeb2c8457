"""/actors: people, states, bodies and groups, with aliases and affiliation."""

from schemas.envelopes import ActorList
from schemas.names import normalize_name
from schemas.queries import ActorFilters, ActorQuery
from schemas.resources import Actor

from .db import Database
from .framework import Blueprint
from .query.facets import Facet
from .query.filters import AffiliatedWith, Args, Condition, Equal, Linked
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


FACETS = (
    Facet("kind", "t.kind", "Actor kind.", ignores=("kind",)),
    Facet("country", "t.country", "ISO 3166-1 country code (null: none).", ignores=("country",)),
    Facet(
        "affiliation",
        "t.affiliation_id",
        "The body an actor directly belongs to (null: none); `affiliated_with` applies to it, as it "
        "selects actors at any depth below the one named.",
        resource="actors",
    ),
)

register(
    Resource(
        blp,
        table="actors",
        query=ActorQuery,
        page_schema=ActorList,
        record_schema=Actor,
        default_sort="name",
        filters=(
            Equal("id"),
            name_prefix,
            Equal("kind"),
            Equal("country", upper=True),
            AffiliatedWith("affiliated_with"),
        ),
        noun="actor",
        item_path="/<slug_id:actor_id>",
        list_op=Operation(
            view="Actors",
            operation_id="listActors",
            response="A page of actors.",
            doc="""List actors

            Search names and aliases by prefix (`q`), filter by `id`, `kind`, `country` and
            `affiliated_with` (everything that belongs to an actor). Several values of a filter,
            comma-separated, match any of them. Paged by cursor; `include` adds the records the
            page refers to.
            """,
        ),
        filters_schema=ActorFilters,
        facets=FACETS,
        facets_op=Operation(
            view="ActorFacets",
            operation_id="listActorFacets",
            response="Counts of the filtered actors by each facet asked for.",
            doc="""Count actors by facet

            Takes every filter of the list, and `facet`: the fields to count by (kind, country,
            affiliation). Each facet applies every filter but its own.
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
