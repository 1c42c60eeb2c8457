"""/events: typed events with participants, places, dates and every supporting source."""

from schemas.envelopes import EventList
from schemas.queries import EventFilters, EventQuery
from schemas.resources import Event

from .framework import Blueprint
from .query.facets import DATES, Facet
from .query.filters import Actor, ActorLink, DateRange, Equal, Place, RecordIds, Search
from .views import Operation, Resource, register

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="Events reported in the sources, typed, dated and placed, with a PLOVER category.",
)

FACETS = (
    Facet("type", "t.type", "Event type.", ignores=("type",)),
    Facet("status", "t.status", "Whether it happened, is happening, or is planned or expected.", ignores=("status",)),
    Facet("certainty", "t.certainty", "How sure the source is that it happened.", ignores=("certainty",)),
    Facet("plover", "t.plover", "PLOVER category (null: none applies).", ignores=("plover",)),
    Facet(
        "participant",
        "f.actor_id",
        "Who took part (each participant counts it).",
        join="LEFT JOIN event_participants f ON f.event_id = t.id",
        ignores=("actor", "role"),
        resource="actors",
        distinct=True,
    ),
    Facet(
        "role",
        "f.role",
        "The parts played in it: with `actor`, the roles of the actors it names (with their affiliates "
        "unless include_affiliates=false); else any participant's.",
        join="LEFT JOIN event_participants f ON f.event_id = t.id",
        ignores=("role",),
        distinct=True,
        actor_param="actor",
    ),
    Facet(
        "asserted_by",
        "f.actor_id",
        "Who claims, hints at or speculates about it (null: confirmed).",
        join="LEFT JOIN event_claimants f ON f.event_id = t.id",
        ignores=("asserted_by",),
        resource="actors",
    ),
    Facet(
        "place",
        "f.place_key",
        "Where it happened: its place and every place that contains it (an event in Sudzhansky District "
        "counts under it, Kursk Oblast and Russia), as `location=` selects (null: not placed).",
        join="LEFT JOIN event_places f ON f.event_id = t.id AND f.place_key IN (SELECT id FROM places)",
        ignores=("location",),
        resource="places",
    ),
    Facet(
        "country",
        "f.country",
        "The country it happened in (ISO 3166-1; null: not placed).",
        join="LEFT JOIN places f ON f.id = t.place_id",
        ignores=("location",),
    ),
    Facet(
        "source",
        "f.source_id",
        "The sources that report it (each counts it).",
        join="LEFT JOIN event_sources f ON f.event_id = t.id",
        ignores=("source",),
        resource="sources",
        distinct=True,
    ),
    *DATES,
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
            Equal("id"),
            Actor(
                "actor",
                ActorLink(
                    "actor_id",
                    table="event_participants",
                    record="event_id",
                    scope="participant",
                    role_index="idx_event_participants_actor_id_role_event_id",  # data/build/tables.py
                ),
                role="role",
            ),
            Actor("asserted_by", ActorLink("actor_id", table="event_claimants", record="event_id")),
            Equal("type"),
            Equal("status"),
            Equal("certainty"),
            Equal("plover"),
            Place("location", "event_places", "event_id", scope="event_place"),
            RecordIds("source", "source_id", "sources", "source", link=("event_sources", "event_id", "source_id")),
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

            Filter by `type`, `status`, `certainty`, `plover`, participant (`actor`, optionally
            with its `role`), who asserts it (`asserted_by`), `location` (a place by any name or
            spelling, with the places within it; or a region or country code), `source`, `id`,
            date range (`since`/`until`, overlap; `undated`) and full text (`q`, with
            `highlights`). Several values of a filter, comma-separated, match any of them. Paged
            by cursor; `include` adds the records the page refers to.
            """,
        ),
        filters_schema=EventFilters,
        facets=FACETS,
        facets_op=Operation(
            view="EventFacets",
            operation_id="listEventFacets",
            response="Counts of the filtered events by each facet asked for.",
            doc="""Count events by facet

            Takes every filter of the list, and `facet`: the fields to count by (type, status,
            certainty, PLOVER category, participant, role, asserted_by, place, country, source;
            year, month or day). Each facet applies every filter but its own; an event counts
            under each of its participants, claimants and sources; undated events count under null; a date facet ignores the date range.
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
