"""/statements: who said what, each anchored in its source."""

from schemas.envelopes import StatementList
from schemas.queries import StatementQuery
from schemas.resources import Statement

from .framework import Blueprint
from .query.filters import Actor, ActorLink, DateRange, Equal, Search
from .views import Operation, Resource, register

blp = Blueprint(
    "statements",
    __name__,
    url_prefix="/statements",
    description="Statements made or reported in the sources: quotes verbatim, paraphrases as reported.",
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
            Equal("event", "event_id"),
            Equal("source", "source_id"),
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
            `include_affiliates=false`), `target`, `stance`, `kind`, `event`, `source`, a date range
            (`since`/`until`, overlap) and full text (`q`). Paged by cursor.
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
