"""/events: typed events with participants, places, dates and every supporting source."""

from schemas.envelopes import EventList
from schemas.queries import EventQuery
from schemas.resources import Event

from .framework import Blueprint
from .query.filters import Actor, ActorLink, DateRange, Equal, LinkedBy, Place, Search
from .views import Operation, Resource, register

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="Events reported in the sources, typed, dated and placed, with a PLOVER category.",
)

register(
    Resource(
        blp,
        table="events",
        query=EventQuery,
        page_schema=EventList,
        record_schema=Event,
        default_sort="-date",
        filters=(
            Actor(
                "actor",
                ActorLink("actor_id", table="event_participants", record="event_id", scope="participant"),
                role="role",
            ),
            Actor("asserted_by", ActorLink("actor_id", table="event_claimants", record="event_id")),
            Equal("type"),
            Equal("status"),
            Equal("certainty"),
            Place("location", "event_places", "event_id", scope="event_place"),
            LinkedBy("source", "event_sources", "event_id", "source_id"),
            DateRange("date_start", "date_end"),
            Search("q", "events_fts"),
        ),
        noun="event",
        item_path="/<slug_id:event_id>",
        list_op=Operation(
            view="Events",
            operation_id="listEvents",
            response="A page of events.",
            doc="""List events

            Filter by `type`, `status`, `certainty`, participant (`actor`, optionally with its
            `role`), who asserts it (`asserted_by`), `location` (a place by any name or spelling,
            with the places within it; or a region or country code), `source`, date range
            (`since`/`until`, overlap) and full text (`q`). Paged by cursor.
            """,
        ),
        get_op=Operation(
            view="EventById",
            operation_id="getEvent",
            response="The event.",
            doc="""Get an event

            One event with its certainty and who asserts it, participants and roles, location with
            coordinates, dates with their basis, PLOVER category and every source that reports it,
            with spans.
            """,
        ),
    )
)
