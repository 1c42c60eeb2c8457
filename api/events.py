"""/events: typed events with participants, places, dates and every supporting source."""

import re

from flask.views import MethodView
from werkzeug.exceptions import NotFound

from schemas.envelopes import EventList
from schemas.queries import EventQuery
from schemas.resources import Event

from .common import ETAG_HEADERS, documented
from .db import get_db
from .errors import Blueprint
from .listing import Filters, item_response, list_response, page

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="Events reported in the sources, typed, dated and placed, with a PLOVER category.",
)

_REGION = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def event_filters(db, args) -> Filters:
    f = Filters()
    role = args.get("role")
    role_sql = " AND role = ?" if role else ""
    f.actor(
        db,
        "actor",
        args.get("actor"),
        args["include_affiliates"],
        lambda ph: f"t.id IN (SELECT event_id FROM event_participants WHERE actor_id IN ({ph}){role_sql})",
        *([role] if role else []),
        scope_role="participant",
        # The scope says "took part"; with a role, each row's role is checked by primary key.
        scoped_check=(
            (lambda ph: f"EXISTS (SELECT 1 FROM event_participants x WHERE x.event_id = t.id AND x.actor_id IN ({ph}) AND x.role = ?)")
            if role else None
        ),
    )
    for name in ("type", "status"):
        if args.get(name) is not None:
            f.add(f"t.{name} = ?", args[name])
    location = args.get("location")
    if location is not None:
        if _REGION.match(location):
            f.add("t.location_region = ?", location.upper())
        elif _COUNTRY.match(location):
            f.add("t.location_country = ?", location.upper())
        else:
            # Words of the place name, matched as SQLite's LIKE '%words%' would (case-insensitive
            # for ASCII only), against the few distinct names read at start-up: an index lookup.
            needle = location.translate(_ASCII_LOWER)
            names = [n for n in db.location_names if needle in n.translate(_ASCII_LOWER)]
            if not names:
                f.empty = True
            else:
                f.add(f"t.location_name IN ({','.join('?' * len(names))})", *names)
    if args.get("source") is not None:
        f.add("t.id IN (SELECT event_id FROM event_sources WHERE source_id = ?)", args["source"])
    f.overlap(args.get("since"), args.get("until"))
    f.search("events_fts", args.get("q"))
    return f


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@blp.route("")
class Events(MethodView):
    @blp.doc(operationId="listEvents")
    @blp.arguments(EventQuery(), location="query", as_kwargs=True)
    @blp.response(200, EventList, description="A page of events.", headers=ETAG_HEADERS)
    @documented(blp)
    def get(self, **args):
        """List events

        Filter by `type`, `status`, participant (`actor`, optionally with its `role`), `location`
        (region, country or place name), `source`, date range (`since`/`until`, overlap) and full
        text (`q`). Paged by cursor.
        """
        db = get_db()
        sort = args.get("sort") or "-date"
        filters = event_filters(db, args)
        bodies, total, next_cursor = page(db, "events", filters, sort, args["limit"], args.get("cursor"))
        return list_response(db, bodies, total, next_cursor, sort=sort, limit=args["limit"], resolved=filters.resolved)


@blp.route("/<slug_id:event_id>")
class EventById(MethodView):
    @blp.doc(operationId="getEvent")
    @blp.response(200, Event, description="The event.", headers=ETAG_HEADERS)
    @documented(blp, not_found=True)
    def get(self, event_id):
        """Get an event

        One event with its participants and roles, location, dates, PLOVER category and every
        source that reports it, with spans.
        """
        response = item_response(get_db(), "events", event_id)
        if response is None:
            raise NotFound(f"No event has id {event_id!r}.")
        return response
