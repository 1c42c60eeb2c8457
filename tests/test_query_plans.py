"""Query plans as tests (issue 4).

Against a database of 100k synthetic statements (bench/generate.py, built by the real build), the
combinations of the filters each list operation offers (every one of up to ``MAX_FILTERS`` filters
at a time, with every form of their values: one value, several comma-separated, each ``undated``
choice) are requested through the app, both sorts, the first page and the next; so are the facets
operations (each facet alone and all together, with no filter, each filter alone and a few
together) and the exports of an indexed filter. Every SQL statement the API issues is captured on
its connection (SQLite's trace callback, values inlined) and run through EXPLAIN QUERY PLAN. A plan
fails when it:

* scans a large table without an index (``SCAN t``), or
* walks a whole index of a large table with no LIMIT (``SCAN t USING COVERING INDEX``: a count, a
  facet's GROUP BY, an export), or
* walks a whole index of a large table for a page whose filters an index could have sought.

Exceptions, each explained where it is made: a facet with no filter at all (``WHERE 1``: none given,
or only its own, which a facet leaves out; or only ``undated=exclude``) counts the whole table, and
may do so by walking a covering index (not the table itself); a page whose filters are several
values of one column (``_SEVERAL_VALUES``) or a date range that keeps undated records
(``_UNDATED_OR``) may walk the date index in page order; a filter with more than ``LONG_LIST``
values may scan the record table.

The database is generated and built once and cached in the system temp folder, keyed by the code
that builds it (data/, schemas/, bench/generate.py), so only the first session pays for it.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest

from api import actors, casualties, create_app, events, statements
from data.build import build_database
from schemas import queries
from tests.conftest import generate_seeds

# Generating and building 100k statements takes minutes whenever data/, schemas/ or bench/generate.py
# change (the cache key); then ~30 s. Not in `make test-fast`; always in `make test`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STATEMENTS = 100_000
SEED = 7
LARGE = 5_000  # rows: a table at least this big must never be scanned

# Parameters that are not filters: paging (``include`` adds records to a page, it selects none),
# ordering and the affiliates switch are varied separately.
NOT_FILTERS = {"limit", "cursor", "sort", "include_affiliates", "include"}
# What a facets operation adds to the filters of its list.
FACET_PARAMS = {"facet", "facet_size"}
# Filters combined at most this many at a time (every subset of them, every form of each value).
# A plan is chosen among the indexes of a few terms; every subset of 12-14 filters with their
# several forms would be 10^5 requests. QUERY_PLAN_MAX_FILTERS=99 runs every combination.
MAX_FILTERS = int(os.environ.get("QUERY_PLAN_MAX_FILTERS", 3))
SHOW = int(os.environ.get("QUERY_PLAN_SHOW", 25))  # failures printed


def _code_key() -> str:
    hasher = hashlib.sha256(f"{STATEMENTS}:{SEED}".encode())
    for path in sorted([*ROOT.glob("data/**/*.py"), *ROOT.glob("schemas/*.py"), ROOT / "bench" / "generate.py"]):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()[:16]


@pytest.fixture(scope="session")
def large_db(tmp_path_factory) -> Path:
    cache = Path(os.environ.get("QUERY_PLAN_CACHE", Path(tempfile.gettempdir()) / "anchored-news-query-plans"))
    cache.mkdir(parents=True, exist_ok=True)
    db = cache / f"corpus-{_code_key()}.db"
    if not db.exists():
        for stale in cache.glob("corpus-*.db"):
            stale.unlink()
        seeds = generate_seeds(STATEMENTS, SEED, tmp_path_factory.mktemp("plan-seeds") / "seeds")
        build_database(seeds, db)  # atomic: a half-built file never appears under this name
    return db


@pytest.fixture(scope="session")
def traced(large_db):
    """(Flask test client, list the API's SQL is appended to, a plain connection for EXPLAIN)."""
    app = create_app({"TESTING": True, "DATABASE": str(large_db)})
    database = app.extensions["anchored_news_db"].get()
    issued: list[str] = []
    database.connection().set_trace_callback(issued.append)
    explain = sqlite3.connect(f"file:{large_db}?mode=ro", uri=True)
    yield app.test_client(), issued, explain
    database.connection().set_trace_callback(None)
    explain.close()


@pytest.fixture(scope="session")
def sizes(traced) -> dict[str, int]:
    _, _, conn = traced
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


@pytest.fixture(scope="session")
def values(traced) -> dict[str, dict[str, list[str]]]:
    """Realistic values (one form or several) for every filter of every list operation: at least
    one multi-value form of each kind of filter (a vocabulary, an actor, a place, record ids, ids, the
    statement's event's certainty) and every ``undated`` choice."""
    _, _, conn = traced
    two = lambda sql: ",".join(r[0] for r in conn.execute(sql).fetchall()[:2])  # noqa: E731
    busiest = "SELECT {0} FROM {1} WHERE {0} IS NOT NULL GROUP BY {0} ORDER BY count(*) DESC, {0} LIMIT 2"
    event_pair = two(busiest.format("event_id", "statements"))
    source_pair = two(busiest.format("source_id", "event_sources"))
    event, source = event_pair.split(",")[0], source_pair.split(",")[0]
    ids = {t: two(f"SELECT id FROM {t} ORDER BY id LIMIT 2 OFFSET 101") for t in SCHEMAS}
    dates = {"since": ["2019-01-01"], "until": ["2020-12-31"], "undated": list(queries.UNDATED_CHOICES)}
    return {
        "statements": {
            "id": [ids["statements"].split(",")[0], ids["statements"]],
            "actor": ["Seoul", "Seoul,Moscow"],
            "target": ["Pyongyang"],
            "stance": ["condemn", "condemn,accuse"],
            "kind": ["direct_quote"],
            "event": [event, event_pair],
            "certainty": ["claimed", "claimed,hinted"],
            "event_type": ["combat_operation", "combat_operation,condemnation"],
            "source": [source],
            **dates,
            "q": ["sanctions"],
        },
        "events": {
            "id": [ids["events"].split(",")[0], ids["events"]],
            "actor": ["Moscow", "Moscow,Kyiv"],
            "type": ["combat_operation", "combat_operation,incursion"],
            "status": ["occurred"],
            "certainty": ["claimed"],
            "plover": ["ASSAULT", "ASSAULT,MOBILIZE"],
            "asserted_by": ["Seoul"],
            # A place's name (with a place within it), a region code, a country code, an alias, several.
            "location": ["Primorsky Krai", "RU-KRS", "UA", "Kursk region", "Kursk,UA"],
            "source": [source, source_pair],
            **dates,
            "q": ["assault"],
            "role": ["initiator", "initiator,target"],
        },
        "casualties": {
            "id": [ids["casualties"]],
            "actor": ["Pyongyang", "Pyongyang,Moscow"],
            "claimed_by": ["Seoul"],
            "category": ["killed", "killed,wounded"],
            "location": ["Kyiv", "RU", "Kyiv,RU"],
            "source": [source],
            **dates,
        },
        "actors": {
            "id": [ids["actors"]],
            "q": ["kor"],
            "kind": ["person", "person,ministry"],
            "country": ["kr", "kr,ru"],
            "affiliated_with": ["Seoul", "Seoul,Moscow"],
        },
        "sources": {"id": [ids["sources"]], **dates},
    }


SCHEMAS = {
    "statements": queries.StatementQuery,
    "events": queries.EventQuery,
    "casualties": queries.CasualtyQuery,
    "actors": queries.ActorQuery,
    "sources": queries.SourceQuery,
}


def refused(params: dict[str, str]) -> bool:
    """Combinations the API answers with a 400 (no SQL): undated=only with a date range."""
    return params.get("undated") == "only" and ("since" in params or "until" in params)


def combinations(resource: str, filters: dict[str, list[str]]):
    """Every subset of up to MAX_FILTERS filters, every form of each value, both sorts, with and
    without affiliates."""
    schema = SCHEMAS[resource]()
    sorts = schema.fields["sort"].validate.choices
    names = sorted(filters)
    for r in range(min(len(names), MAX_FILTERS) + 1):
        for subset in itertools.combinations(names, r):
            if "role" in subset and "actor" not in subset:
                continue  # role needs actor (a 400, no SQL)
            affiliates = [None]
            actor_valued = {"actor", "target", "asserted_by", "claimed_by", "affiliated_with"}
            if "include_affiliates" in schema.fields and actor_valued & set(subset):
                affiliates.append("false")
            for forms in itertools.product(*(filters[n] for n in subset)):
                if refused(dict(zip(subset, forms, strict=True))):
                    continue
                for sort in sorts:
                    for include in affiliates:
                        params = dict(zip(subset, forms, strict=True))
                        params["sort"] = sort
                        if include:
                            params["include_affiliates"] = include
                        yield params


_FROM = re.compile(
    r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w]*)(?:\s+(?:AS\s+)?(?!WHERE|JOIN|ON|ORDER|GROUP|LIMIT|INNER|LEFT|CROSS)([A-Za-z_]\w*))?",
    re.I,
)


def aliases(sql: str) -> dict[str, str]:
    out = {}
    for table, alias in _FROM.findall(sql):
        out[table] = table
        if alias:
            out[alias] = table
    return out


def plan_problems(sql: str, conn, sizes) -> list[str]:
    names = aliases(sql)
    has_limit = re.search(r"\bLIMIT\b", sql, re.I) is not None
    whole_table = _unfiltered_group_by(sql)
    problems = []
    for _, _, _, detail in conn.execute("EXPLAIN QUERY PLAN " + sql):
        match = re.match(r"SCAN (\w+)(.*)", detail)
        if not match:
            continue
        name, rest = match.group(1), match.group(2)
        table = names.get(name, name)
        if sizes.get(table, 0) < LARGE or re.search(r"VIRTUAL TABLE INDEX \d+:\S*M", rest):
            continue  # small tables, and full-text MATCH lookups
        if "USING" not in rest:
            if name == "t" and _long_list(sql):
                continue  # values covering a good part of the table: a scan is the cheaper plan
            problems.append(f"full table scan of {table} ({sizes[table]} rows): {detail}")
        elif not has_limit:
            if whole_table and "COVERING INDEX" in rest:
                continue  # a facet of the whole table, no filter: every row counts
            problems.append(f"walks all of {table} ({sizes[table]} rows) with no LIMIT: {detail}")
        elif _filtered(sql, name):
            problems.append(f"a filtered page walks the whole index of {table}: {detail}")
    return problems


def _long_list(sql: str) -> bool:
    """A filter on the record table's own column with more than LONG_LIST values."""
    return any(m.group(0).count("','") >= LONG_LIST for m in re.finditer(r"\bt\.\w+ IN \(('(?:[^']|'')*',?)+\)", sql))


def _unfiltered_group_by(sql: str) -> bool:
    """A GROUP BY with no filter at all (``WHERE 1``, or no WHERE), or only ``undated=exclude``
    (every dated row): a facet of the whole table."""
    if not re.search(r"\bGROUP BY\b", sql, re.I):
        return False
    where = re.search(r"\bWHERE\b(.*?)\bGROUP BY\b", sql, re.I | re.S)
    return where is None or where.group(1).strip() in ("1", "t.date_sort > ''")


# The API walks the sort index on purpose for a frequent full-text word, probing the full-text
# index per row (api/query/paging.py, FTS_WALK_FACTOR): the page fills after a bounded number of rows.
_FTS_PROBE = re.compile(
    r"EXISTS \(SELECT 1 FROM \w+_fts f WHERE f\.rowid = t\.rowid AND \w+_fts MATCH '(?:[^']|'')*'\)"
)

# A date range that keeps undated records (undated=include with since) is an OR of a range and the
# undated key (''): no single index range answers it, so the page walks the date index in page
# order and stops at LIMIT. Newest first, the dated rows come first; oldest first, the undated ones,
# then the rows before the range are read and skipped (their number is the known cost of this form).
_UNDATED_OR = re.compile(r"\(t\.\w+ >= '[^']*' OR t\.date_sort = ''\)")
# Several values of one filter (stance=condemn,accuse; a state and its affiliates, several actors):
# no index yields their union in date order, so SQLite either seeks each value and sorts, or walks
# the date index and stops at LIMIT, reading about limit x rows / matches rows; for dense values the
# walk is the cheaper plan, and it takes it. (Merging one ordered range per value is left to the
# performance work.) A list this long is a good part of the table: scanning it beats the seeks.
_SEVERAL_VALUES = re.compile(r"\bt\.\w+ IN \('(?:[^']|'')*'(?:,'(?:[^']|'')*')+\)")
LONG_LIST = 50


def _filtered(sql: str, alias: str) -> bool:
    """Does the page filter ``alias`` on something other than the keyset cursor?"""
    where = re.search(r"\bWHERE\b(.*?)\bORDER BY\b", sql, re.I | re.S)
    if not where:
        return False
    conditions = re.sub(r"\(\s*\w+\.\w+\s*,\s*\w+\.id\s*\)\s*[<>]\s*\([^)]*\)", "", where.group(1))
    conditions = _FTS_PROBE.sub("", conditions)
    conditions = _UNDATED_OR.sub("", conditions)
    conditions = _SEVERAL_VALUES.sub("", conditions)
    return re.search(rf"\b{alias}\.\w+", conditions) is not None


def url_of(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params, safe=',')}" if params else path


def short(sql: str) -> str:
    """The SQL with its long lists of values (an actor's affiliates) cut short, for a message."""
    return re.sub(
        r"\((('(?:[^']|'')*',){3})(('(?:[^']|'')*',)+)('(?:[^']|'')*')\)",
        lambda m: f"({m.group(1)} ... {m.group(3).count(',') + 1} more)",
        sql,
    )


def issued_selects(issued: list[str]) -> list[str]:
    return [sql for sql in issued if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


class Plans:
    """Requests URLs, and checks the plan of each shape of SQL they issue (values aside) once."""

    def __init__(self, traced, sizes):
        self.client, self.issued, self.conn = traced
        self.sizes = sizes
        self.seen: set[str] = set()
        self.checked = 0
        self.failures: list[str] = []

    def get(self, url: str):
        self.issued.clear()
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        for sql in issued_selects(self.issued):
            shape = re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", sql)
            if shape in self.seen:
                continue
            self.seen.add(shape)
            self.checked += 1
            self.failures.extend(f"{url}\n    {short(sql)}\n    {p}" for p in plan_problems(sql, self.conn, self.sizes))
        return response

    def assert_good(self) -> None:
        assert self.checked > 0
        assert not self.failures, f"{len(self.failures)} bad plan(s) of {self.checked} statements:\n" + "\n".join(
            self.failures[:SHOW]
        )


@pytest.mark.parametrize("resource", list(SCHEMAS))
def test_every_filter_combination_uses_indexes(resource, traced, values, sizes):
    plans = Plans(traced, sizes)
    filters = values[resource]
    offered = set(SCHEMAS[resource]().fields) - NOT_FILTERS
    assert offered == set(filters), f"give test values for the filters of /{resource}: {sorted(offered ^ set(filters))}"
    assert sizes["statements"] >= 100_000
    for params in combinations(resource, filters):
        body = plans.get(url_of(f"/{resource}", params)).get_json()
        if body["links"]["next"]:
            plans.get(body["links"]["next"])  # the keyset page after it
    plans.assert_good()


@pytest.mark.parametrize("resource", list(SCHEMAS))
def test_included_records_are_read_by_primary_key(resource, traced, values, sizes):
    """``include`` is not a filter (nor in the combinations above): it reads the records a page refers
    to, by id, whatever the filters (each alone, in its first form)."""
    plans = Plans(traced, sizes)
    everything = ",".join(queries.INCLUDE_CHOICES)
    for params in [{}, *({name: forms[0]} for name, forms in values[resource].items() if name != "role")]:
        for sort in SCHEMAS[resource]().fields["sort"].validate.choices:
            body = plans.get(url_of(f"/{resource}", {**params, "sort": sort, "include": everything})).get_json()
            if body["links"]["next"]:
                plans.get(body["links"]["next"])
    plans.assert_good()


# --------------------------------------------------------------------------------------------
# Facets: one count, then one GROUP BY per facet asked for, each with every filter but its own.

FACETED = {
    "statements": statements.FACETS,
    "events": events.FACETS,
    "casualties": casualties.FACETS,
    "actors": actors.FACETS,
}
FACET_SCHEMAS = {
    "statements": queries.StatementFilters,
    "events": queries.EventFilters,
    "casualties": queries.CasualtyFilters,
    "actors": queries.ActorFilters,
}


def facet_filter_sets(resource: str, filters: dict[str, list[str]]) -> list[dict[str, str]]:
    """No filter; each filter alone, in each of its forms (an actor also without its affiliates);
    and a few together: the actor with the vocabulary filter (stance, type, category, kind), with a
    date range, with both; the vocabulary filter over a range that keeps undated records; the
    full-text search with the vocabulary filter, with a date range; an actor with its role."""
    out: list[dict[str, str]] = [{}]
    for name in sorted(filters):
        if name == "role":
            continue  # needs actor: below
        for form in filters[name]:
            out.append({name: form})
        if name in {"actor", "target", "asserted_by", "claimed_by", "affiliated_with"}:
            out.append({name: filters[name][0], "include_affiliates": "false"})
    first = {name: forms[0] for name, forms in filters.items()}
    vocabulary = next(n for n in ("stance", "type", "category", "kind") if n in filters)
    actor = "actor" if "actor" in first else "affiliated_with"
    out.append({actor: first[actor], vocabulary: first[vocabulary]})
    if "since" in first:
        dated = {"since": first["since"], "until": first["until"]}
        out.append({actor: first[actor], **dated})
        out.append({actor: first[actor], vocabulary: first[vocabulary], **dated})
        out.append({vocabulary: filters[vocabulary][-1], **dated, "undated": "include"})
    if "q" in first:
        out.append({"q": first["q"], vocabulary: first[vocabulary]})
        if "since" in first:
            out.append({"q": first["q"], "since": first["since"], "until": first["until"]})
    if "role" in filters:
        out.append({"actor": first["actor"], "role": first["role"]})
        out.append({"actor": filters["actor"][-1], "role": filters["role"][-1]})
    return [params for params in out if not refused(params)]


@pytest.mark.parametrize("resource", list(FACETED))
def test_facets_use_indexes(resource, traced, values, sizes):
    """Each facet alone and all of them together, under every filter set of ``facet_filter_sets``.
    A GROUP BY may walk a covering index of the whole table only when it has no filter at all."""
    plans = Plans(traced, sizes)
    names = [f.name for f in FACETED[resource]]
    schema = queries.facet_query(FACET_SCHEMAS[resource], tuple(names), "PlanFacetQuery")()
    offered = set(schema.fields) - NOT_FILTERS - FACET_PARAMS
    assert offered == set(values[resource]), sorted(offered ^ set(values[resource]))
    for params in facet_filter_sets(resource, values[resource]):
        for facet in [*names, ",".join(names)]:
            body = plans.get(url_of(f"/{resource}/facets", {**params, "facet": facet})).get_json()
            assert set(body["data"]) == set(facet.split(",")), body
    plans.assert_good()


# --------------------------------------------------------------------------------------------
# Full text: a page read from the full-text index in date order (rowids in date buckets,
# schemas/sort_keys.py), not every match fetched and sorted.

FULL_TEXT = {"statements": ("statements_fts", "stance"), "events": ("events_fts", "type")}


def _words(conn, fts: str) -> dict[str, str]:
    """A frequent word (in >= 5% of the records) and a rare one (in 20 to 200), from the index."""
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_words USING fts5vocab(main, {fts}, 'row')")
    rows = conn.execute(f"SELECT term, doc FROM temp.{fts}_words WHERE term GLOB '[a-z][a-z][a-z]*'").fetchall()
    total = conn.execute(f"SELECT count(*) FROM {fts}").fetchone()[0]
    frequent = max((r for r in rows if r[1] < total // 2), key=lambda r: r[1])
    assert frequent[1] >= total // 20, frequent
    rare = min((r for r in rows if 20 <= r[1] <= 200), key=lambda r: (r[1], r[0]))
    return {"frequent": frequent[0], "rare": rare[0]}


def _follow(client, url: str, pages: int) -> list[str]:
    ids: list[str] = []
    for _ in range(pages):
        body = client.get(url).get_json()
        ids += [r["id"] for r in body["data"]]
        url = body["links"]["next"]
        if not url:
            break
    return ids


@pytest.mark.parametrize("resource", list(FULL_TEXT))
def test_full_text_pages_follow_the_date_order(resource, traced):
    """Pages of a frequent and a rare word, alone and with a vocabulary filter or a date range,
    both sorts, followed by cursor across many rowid buckets (the undated records' included):
    the same records in the same order as sorting every match."""
    client, _, conn = traced
    fts, column = FULL_TEXT[resource]
    value = conn.execute(f"SELECT {column} FROM {resource} GROUP BY 1 ORDER BY count(*) DESC").fetchone()[0]
    for word in _words(conn, fts).values():
        for extra, sql in [
            ({}, "1"),
            ({column: value}, f"t.{column} = '{value}'"),
            (
                {"since": "2019-01-01", "until": "2020-12-31"},
                "t.date_end >= '2019-01-01' AND t.date_start <= '2020-12-31'",
            ),
            ({"since": "2019-01-01", "undated": "include"}, "(t.date_end >= '2019-01-01' OR t.date_sort = '')"),
        ]:
            for sort, direction in (("-date", "DESC"), ("date", "ASC")):
                url = url_of(f"/{resource}", {"q": word, **extra, "sort": sort, "limit": "7"})
                got = _follow(client, url, 40)
                expected = [
                    r[0]
                    for r in conn.execute(
                        f"SELECT t.id FROM {resource} t WHERE t.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) "
                        f"AND {sql} ORDER BY t.date_sort {direction}, t.id {direction} LIMIT 280",
                        (f'"{word}"',),
                    )
                ]
                assert got == expected, url


@pytest.mark.parametrize("resource", list(FULL_TEXT))
def test_a_full_text_page_costs_what_a_keyset_page_costs(resource, traced, sizes):
    """The page reads FTS5's matches in rowid order (no sort over the matches: only the rows of
    the page's last bucket are sorted) and the work of a page does not grow with the matches: a
    frequent word's page, first or deep, costs about what a rare word's does."""
    client, issued, conn = traced
    fts, _ = FULL_TEXT[resource]
    database = client.application.extensions["anchored_news_db"].get()
    words = _words(conn, fts)
    steps: dict[str, int] = {}
    for name, word in words.items():
        url = url_of(f"/{resource}", {"q": word, "limit": "10"})
        deep = client.get(url).get_json()["links"]["next"]  # (the total is counted once per filter)
        assert deep, url
        for label, page in ((name, url), (f"{name}, page 2", deep)):
            counted = [0]

            def tick(counted=counted):
                counted[0] += 1

            issued.clear()
            database.connection().set_progress_handler(tick, 100)
            try:
                assert client.get(page).status_code == 200
            finally:
                database.connection().set_progress_handler(None, 0)
            steps[label] = counted[0]
            (sql,) = [q for q in issued_selects(issued) if re.search(r"\bLIMIT\b", q)]  # the page
            plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            sorts = [row for row in plan if "TEMP B-TREE" in row[3]]
            assert len(sorts) == 1 and sorts[0][1] == 0, f"only the page itself is sorted: {plan}"
            assert not plan_problems(sql, conn, sizes)
    matches = conn.execute(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", (f'"{words["frequent"]}"',)).fetchone()[0]
    assert max(steps.values()) < 4 * max(steps["rare"], steps["rare, page 2"]) + 200, steps
    assert steps["frequent"] * 100 < matches * 20, (steps, matches)  # far less than ~20 VM steps per match


# --------------------------------------------------------------------------------------------
# Exports: every record a filter selects, in the list's order, streamed from one cursor.

EXPORTED_BY_INDEX = [
    # (path, filter): a filter an index (or the build's scopes table) answers in date order
    ("/statements.ndjson", "stance=condemn"),
    ("/statements.csv", "kind=direct_quote"),
    ("/statements.ndjson", "event={event}"),
    ("/statements.ndjson", "source={statement_source}"),
    ("/statements.csv", "actor=Seoul"),
    ("/statements.ndjson", "actor=Seoul&include_affiliates=false"),
    ("/statements.ndjson", "target=Pyongyang"),
    ("/statements.ndjson", "undated=only"),
    ("/statements.ndjson", "undated=exclude"),
    ("/statements.ndjson", "since=2019-01-01&until=2020-12-31"),
    ("/statements.ndjson", "stance=condemn&since=2019-01-01&until=2020-12-31"),
    ("/events.geojson", "type=combat_operation"),
    ("/events.ndjson", "status=occurred"),
    ("/events.csv", "certainty=claimed"),
    ("/events.ndjson", "plover=ASSAULT"),
    ("/events.geojson", "actor=Moscow"),
    ("/events.ndjson", "location=Kursk region"),
    ("/events.ndjson", "location=UA"),
    ("/casualties.csv", "actor=Pyongyang"),
    ("/casualties.ndjson", "claimed_by=Seoul"),
    ("/casualties.ndjson", "category=killed"),
    ("/casualties.ndjson", "location=RU"),
]


@pytest.mark.parametrize("sort", ["-date", "date"])
def test_exports_of_an_indexed_filter_do_not_sort(sort, traced, sizes):
    """An export of a filter an index answers reads the index in the list's order: no temporary
    B-tree sorts every match before the first row is sent (nor may its plan break the rules above)."""
    client, issued, conn = traced
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    known = {
        "event": one("SELECT event_id FROM statements WHERE event_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC"),
        "statement_source": one("SELECT source_id FROM statements GROUP BY 1 ORDER BY count(*) DESC"),
    }
    failures = []
    for path, query in EXPORTED_BY_INDEX:
        url = f"{path}?{query.format(**known)}&sort={sort}"
        issued.clear()
        response = client.get(url)
        try:
            assert response.status_code == 200, (url, response.status_code)
            assert response.get_data(), url  # the stream, read to its end
        finally:
            response.close()
        pages = [sql for sql in issued_selects(issued) if re.search(r"\bORDER BY\b", sql)]
        assert pages, (url, issued)
        for sql in pages:
            plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
            problems = plan_problems(sql, conn, sizes)
            if "TEMP B-TREE" in plan:
                problems.append(f"sorts in a temporary B-tree: {plan}")
            failures.extend(f"{url}\n    {short(sql)}\n    {p}" for p in problems)
    assert not failures, f"{len(failures)} bad export plan(s):\n" + "\n".join(failures)


def test_item_lookups_use_the_primary_key(traced, sizes):
    client, issued, conn = traced
    ids = {
        table: conn.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET 7").fetchone()[0]
        for table in ("statements", "events", "casualties", "actors", "sources")
    }
    failures = []
    for table, record_id in ids.items():
        issued.clear()
        assert client.get(f"/{table}/{record_id}").status_code == 200
        for sql in issued:
            if sql.lstrip().upper().startswith("SELECT"):
                failures.extend(plan_problems(sql, conn, sizes))
                plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
                if "SEARCH" not in plan:
                    failures.append(f"{sql}: {plan}")
    assert not failures, failures


@pytest.mark.parametrize(
    "url",
    [
        "/statements?actor=Seoul&include_affiliates=false",  # one speaker, through the link table
        "/statements?actor=Seoul",  # a speaker and its affiliates
        "/events?location=Kursk region",  # a place with the places within it
        "/events?location=UA",  # a country code
        "/casualties?location=RU",
    ],
)
def test_wide_filters_read_their_page_in_date_order_without_sorting(traced, url):
    """Filters that match many records through a link table read a page as an index range of
    the build's scopes table, never by fetching and sorting every match."""
    client, issued, conn = traced
    issued.clear()
    assert client.get(url).status_code == 200
    pages = [sql for sql in issued if re.search(r"\bLIMIT\b", sql)]
    assert pages, issued
    for sql in pages:
        plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "FROM scopes s" in sql and "TEMP B-TREE" not in plan, (url, sql, plan)
