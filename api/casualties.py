"""/casualties: casualty figures, each a claim by someone, as of a date."""

from schemas.envelopes import CasualtyList
from schemas.queries import CasualtyFilters, CasualtyQuery
from schemas.resources import Casualty

from .framework import Blueprint
from .query.facets import DATES, Facet
from .query.filters import Actor, ActorLink, DateRange, Equal, Place, RecordIds
from .views import Operation, Resource, register

blp = Blueprint(
    "casualties",
    __name__,
    url_prefix="/casualties",
    description="Casualty figures as claims: whose people, what category, how qualified, claimed by whom.",
)

FACETS = (
    Facet("party", "t.party_id", "Whose people the figure counts.", ignores=("actor",), resource="actors"),
    Facet(
        "claimed_by",
        "t.claimed_by_id",
        "Who makes the claim (null: unattributed).",
        ignores=("claimed_by",),
        resource="actors",
    ),
    Facet("category", "t.category", "What the figure counts.", ignores=("category",)),
    Facet(
        "place",
        "f.place_key",
        "Where: the place and every place that contains it, as `location=` selects (null: not placed).",
        join="LEFT JOIN casualty_places f ON f.casualty_id = t.id AND f.place_key IN (SELECT id FROM places)",
        ignores=("location",),
        resource="places",
    ),
    Facet("source", "t.source_id", "The source that gives the figure.", ignores=("source",), resource="sources"),
    *DATES,
)

register(
    Resource(
        blp,
        table="casualties",
        query=CasualtyQuery,
        page_schema=CasualtyList,
        record_schema=Casualty,
        default_sort="-date",
        filters=(
            Equal("id"),
            Actor("actor", ActorLink("party_id", scope="party")),
            Actor("claimed_by", ActorLink("claimed_by_id", scope="claimed_by")),
            Equal("category"),
            RecordIds("source", "source_id", "sources", "source"),
            Place("location", "casualty_places", "casualty_id", scope="casualty_place"),
            DateRange("as_of_start", "as_of_end"),
        ),
        noun="casualty claim",
        item_path="/<slug_id:casualty_id>",
        list_op=Operation(
            view="Casualties",
            operation_id="listCasualties",
            response="A page of casualty claims.",
            doc="""List casualty claims

            Filter by the party whose people are counted (`actor`), the claimant (`claimed_by`),
            `category`, `source`, `location` (as on /events), `id` and the date the figure holds
            for (`since`/`until`; `undated`). Several values of a filter, comma-separated, match
            any of them. Paged by cursor; `include` adds the records the page refers to.
            """,
        ),
        filters_schema=CasualtyFilters,
        facets=FACETS,
        facets_op=Operation(
            view="CasualtyFacets",
            operation_id="listCasualtyFacets",
            response="Counts of the filtered casualty claims by each facet asked for.",
            doc="""Count casualty claims by facet

            Takes every filter of the list, and `facet`: the fields to count by (party,
            claimed_by, category, place, source; year, month or day of the date the figure holds
            for). Each facet applies every filter but its own (a date facet's own is the date range); undated claims count under null.
            """,
        ),
        get_op=Operation(
            view="CasualtyById",
            operation_id="getCasualty",
            response="The casualty claim.",
            doc="""Get a casualty claim

            One figure with its party, category, qualifier, claimant, date, the larger figure it is
            part of, and the span of the source that gives it.
            """,
        ),
    )
)
