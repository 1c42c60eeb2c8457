"""/casualties: casualty figures, each a claim by someone, as of a date."""

from schemas.envelopes import CasualtyList
from schemas.queries import CasualtyQuery
from schemas.resources import Casualty

from .framework import Blueprint
from .query.filters import Actor, ActorLink, DateRange, Equal, Place
from .views import Operation, Resource, register

blp = Blueprint(
    "casualties",
    __name__,
    url_prefix="/casualties",
    description="Casualty figures as claims: whose people, what category, how qualified, claimed by whom.",
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
            Actor("actor", ActorLink("party_id", scope="party")),
            Actor("claimed_by", ActorLink("claimed_by_id", scope="claimed_by")),
            Equal("category"),
            Equal("source", "source_id"),
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
            `category`, `source`, `location` (as on /events) and the date the figure holds for
            (`since`/`until`). Paged by cursor.
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
