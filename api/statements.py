"""/statements: who said what, each anchored in its source."""

from schemas.envelopes import StatementList
from schemas.queries import StatementFilters, StatementQuery
from schemas.resources import Statement

from .framework import Blueprint
from .query.facets import DATES, Facet
from .query.filters import Actor, ActorLink, DateRange, Equal, RecordIds, Search, Through
from .views import Operation, Resource, register

blp = Blueprint(
    "statements",
    __name__,
    url_prefix="/statements",
    description="Statements made or reported in the sources: quotes verbatim, paraphrases as reported.",
)

FACETS = (
    Facet("stance", "t.stance", "What the speaker does.", ignores=("stance",)),
    Facet("kind", "t.kind", "Quoted in full, in part, or reported.", ignores=("kind",)),
    Facet(
        "speaker",
        "f.actor_id",
        "Who spoke (each speaker of a statement counts it).",
        join="LEFT JOIN statement_speakers f ON f.statement_id = t.id",
        ignores=("actor",),
        resource="actors",
    ),
    Facet(
        "target",
        "f.actor_id",
        "Who it is about or aimed at (each target counts it; null: none).",
        join="LEFT JOIN statement_targets f ON f.statement_id = t.id",
        ignores=("target",),
        resource="actors",
    ),
    Facet("event", "t.event_id", "The event it belongs to (null: none).", ignores=("event",), resource="events"),
    Facet(
        "certainty",
        "f.certainty",
        "How sure the sources are of its event (null: no event).",
        join="LEFT JOIN events f ON f.id = t.event_id",
        ignores=("certainty",),
    ),
    Facet(
        "event_type",
        "f.type",
        "The type of its event (null: no event).",
        join="LEFT JOIN events f ON f.id = t.event_id",
        ignores=("event_type",),
    ),
    Facet("source", "t.source_id", "The source it was coded from.", ignores=("source",), resource="sources"),
    *DATES,
)

register(
    Resource(
        blp,
        table="statements",
        query=StatementQuery,
        page_schema=StatementList,
        record_schema=Statement,
        default_sort="-date",
        filters=(
            Equal("id"),
            Actor(
                "actor",
                ActorLink(
                    "actor_id",
                    table="statement_speakers",
                    record="statement_id",
                    scope="speaker",
                    own_scope="speaker:own",
                ),
            ),
            Actor("target", ActorLink("actor_id", table="statement_targets", record="statement_id", scope="target")),
            Equal("stance"),
            Equal("kind"),
            RecordIds("event", "event_id", "events", "event"),
            Through("certainty", "event_id", "events", "certainty"),
            Through("event_type", "event_id", "events", "type"),
            RecordIds("source", "source_id", "sources", "source"),
            DateRange("date_start", "date_end"),
            Search("q", "statements_fts"),
        ),
        noun="statement",
        item_path="/<slug_id:statement_id>",
        list_op=Operation(
            view="Statements",
            operation_id="listStatements",
            response="A page of statements.",
            doc="""List statements

            Filter by speaker (`actor`: any of the speakers, by id, name or alias such as `Seoul`, with affiliates unless
            `include_affiliates=false`), `target`, `stance`, `kind`, `event` (and the event's
            `certainty` and `event_type`), `source`, `id`, a date range (`since`/`until`, overlap; `undated` says
            what becomes of undated statements) and full text (`q`, with `highlights`). Several
            values of a filter, comma-separated, match any of them. Paged by cursor; `include`
            adds the records the page refers to.
            """,
        ),
        filters_schema=StatementFilters,
        facets=FACETS,
        facets_op=Operation(
            view="StatementFacets",
            operation_id="listStatementFacets",
            response="Counts of the filtered statements by each facet asked for.",
            doc="""Count statements by facet

            Takes every filter of the list, and `facet`: the fields to count by (stance, kind,
            speaker, target, event, certainty and type of the event, source; year, month or day). Each facet
            applies every filter but its own (a date facet's own is the date range: `since`,
            `until`, `undated`), so the other values of a filter stay visible; a statement with
            several speakers or targets counts under each; undated statements count under null, so
            without a date range a date facet's counts add up to `meta.total`.
            """,
        ),
        get_op=Operation(
            view="StatementById",
            operation_id="getStatement",
            response="The statement.",
            doc="""Get a statement

            One statement with its speakers (as written, and where), the chain it came through, its
            quote or paraphrase, its date and how it was determined, its source and the span of the
            source text it was coded from.
            """,
        ),
    )
)
