"""/events: typed events with participants, places, dates and every supporting source."""

import re

from schemas.envelopes import EventList
from schemas.queries import EventQuery
from schemas.resources import Event

from .db import Database
from .framework import Blueprint
from .query.filters import Actor, ActorLink, Args, Condition, DateRange, Equal, Equals, LinkedBy, OneOf, Search
from .views import Operation, Resource, register

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="Events reported in the sources, typed, dated and placed, with a PLOVER category.",
)

_REGION = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def location(db: Database, args: Args) -> Condition | None:
    """`location`: an ISO 3166-2 region, an ISO 3166-1 country, or words of the place name."""
    value = args.get("location")
    if value is None:
        return None
    if _REGION.match(value):
        return Equals("location_region", value.upper())
    if _COUNTRY.match(value):
        return Equals("location_country", value.upper())
    # Words of the place name, matched as SQLite's LIKE '%words%' would (case-insensitive for
    # ASCII only), against the few distinct names read at start-up: an index lookup.
    needle = value.translate(_ASCII_LOWER)
    return OneOf("location_name", tuple(n for n in db.location_names if needle in n.translate(_ASCII_LOWER)))


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
            Equal("type"),
            Equal("status"),
            location,
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

            Filter by `type`, `status`, participant (`actor`, optionally with its `role`), `location`
            (region, country or place name), `source`, date range (`since`/`until`, overlap) and full
            text (`q`). Paged by cursor.
            """,
        ),
        get_op=Operation(
            view="EventById",
            operation_id="getEvent",
            response="The event.",
            doc="""Get an event

            One event with its participants and roles, location, dates, PLOVER category and every
            source that reports it, with spans.
            """,
        ),
    )
)
