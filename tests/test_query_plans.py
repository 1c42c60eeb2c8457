"""Query plans as tests (issue 4).

Against a database of 100k synthetic statements (bench/generate.py, built by the real build), every
combination of the filters each list operation offers is requested through the app, both sorts, the
first page and the next; every SQL statement the API issues is captured on its connection (SQLite's
trace callback, values inlined) and run through EXPLAIN QUERY PLAN. A plan fails when it:

* scans a large table without an index (``SCAN t``), or
* walks a whole index of a large table to count (``SCAN t USING COVERING INDEX`` without LIMIT), or
* walks a whole index of a large table for a page whose filters an index could have sought.

The database is generated and built once and cached in the system temp folder, keyed by the code
that builds it (data/, schemas/, bench/generate.py), so only the first session pays for it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest

from api import create_app
from data.build import build_database
from schemas import queries

# Generating and building 100k statements takes minutes whenever data/, schemas/ or bench/generate.py
# change (the cache key); then ~30 s. Not in `make test-fast`; always in `make test`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STATEMENTS = 100_000
SEED = 7
LARGE = 5_000  # rows: a table at least this big must never be scanned

# Parameters that are not filters: paging, ordering and the affiliates switch are varied separately.
NOT_FILTERS = {"limit", "cursor", "sort", "include_affiliates"}


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
        spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
        generate = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = generate  # its worker processes pickle functions by module name
        spec.loader.exec_module(generate)
        seeds = tmp_path_factory.mktemp("plan-seeds") / "seeds"
        generate.generate(STATEMENTS, SEED, seeds)
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
    """A realistic value (or several forms) for every filter of every list operation."""
    _, _, conn = traced
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    event = one("SELECT event_id FROM statements WHERE event_id IS NOT NULL GROUP BY event_id ORDER BY count(*) DESC")
    source = one("SELECT source_id FROM event_sources GROUP BY source_id ORDER BY count(*) DESC")
    return {
        "statements": {
            "actor": ["Seoul"],
            "target": ["Pyongyang"],
            "stance": ["condemn"],
            "kind": ["direct_quote"],
            "event": [event],
            "source": [source],
            "since": ["2019-01-01"],
            "until": ["2020-12-31"],
            "q": ["sanctions"],
        },
        "events": {
            "actor": ["Moscow"],
            "type": ["combat_operation"],
            "status": ["occurred"],
            "certainty": ["claimed"],
            "asserted_by": ["Seoul"],
            # A place's name (with a place within it), a region code, a country code, an alias.
            "location": ["Primorsky Krai", "RU-KRS", "UA", "Kursk region"],
            "source": [source],
            "since": ["2019-01-01"],
            "until": ["2020-12-31"],
            "q": ["assault"],
            "role": ["initiator"],
        },
        "casualties": {
            "actor": ["Pyongyang"],
            "claimed_by": ["Seoul"],
            "category": ["killed"],
            "location": ["Kyiv", "RU"],
            "source": [source],
            "since": ["2019-01-01"],
            "until": ["2020-12-31"],
        },
        "actors": {"q": ["kor"], "kind": ["person"], "country": ["kr"], "affiliated_with": ["Seoul"]},
        "sources": {"since": ["2019-01-01"], "until": ["2020-12-31"]},
    }


SCHEMAS = {
    "statements": queries.StatementQuery,
    "events": queries.EventQuery,
    "casualties": queries.CasualtyQuery,
    "actors": queries.ActorQuery,
    "sources": queries.SourceQuery,
}


def combinations(resource: str, filters: dict[str, list[str]]):
    """Every subset of the filters, every form of each value, both sorts, with and without affiliates."""
    schema = SCHEMAS[resource]()
    sorts = schema.fields["sort"].validate.choices
    names = sorted(filters)
    for r in range(len(names) + 1):
        for subset in itertools.combinations(names, r):
            if "role" in subset and "actor" not in subset:
                continue  # role needs actor (a 400, no SQL)
            affiliates = [None]
            actor_valued = {"actor", "target", "asserted_by", "claimed_by", "affiliated_with"}
            if "include_affiliates" in schema.fields and actor_valued & set(subset):
                affiliates.append("false")
            for forms in itertools.product(*(filters[n] for n in subset)):
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
            problems.append(f"full table scan of {table} ({sizes[table]} rows): {detail}")
        elif not has_limit:
            problems.append(f"counts by walking all of {table} ({sizes[table]} rows): {detail}")
        elif _filtered(sql, name):
            problems.append(f"a filtered page walks the whole index of {table}: {detail}")
    return problems


# The API walks the sort index on purpose for a frequent full-text word, probing the full-text
# index per row (api/query/paging.py, FTS_WALK_FACTOR): the page fills after a bounded number of rows.
_FTS_PROBE = re.compile(
    r"EXISTS \(SELECT 1 FROM \w+_fts f WHERE f\.rowid = t\.rowid AND \w+_fts MATCH '(?:[^']|'')*'\)"
)


def _filtered(sql: str, alias: str) -> bool:
    """Does the page filter ``alias`` on something other than the keyset cursor?"""
    where = re.search(r"\bWHERE\b(.*?)\bORDER BY\b", sql, re.I | re.S)
    if not where:
        return False
    conditions = re.sub(r"\(\s*\w+\.\w+\s*,\s*\w+\.id\s*\)\s*[<>]\s*\([^)]*\)", "", where.group(1))
    conditions = _FTS_PROBE.sub("", conditions)
    return re.search(rf"\b{alias}\.\w+", conditions) is not None


@pytest.mark.parametrize("resource", list(SCHEMAS))
def test_every_filter_combination_uses_indexes(resource, traced, values, sizes):
    client, issued, conn = traced
    filters = values[resource]
    offered = set(SCHEMAS[resource]().fields) - NOT_FILTERS
    assert offered == set(filters), f"give test values for the filters of /{resource}: {sorted(offered ^ set(filters))}"
    assert sizes["statements"] >= 100_000
    failures, checked, seen = [], 0, set()
    for params in combinations(resource, filters):
        pages = [f"/{resource}?{urlencode(params)}"]
        for n, url in enumerate(pages):
            issued.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
            body = response.get_json()
            if n == 0 and body["links"]["next"]:
                pages.append(body["links"]["next"])  # the keyset page after it
            for sql in issued:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                shape = re.sub(r"'(?:[^']|'')*'|\b\d+\b", "?", sql)
                if shape in seen:
                    continue
                seen.add(shape)
                checked += 1
                failures.extend(f"{url}\n    {sql}\n    {p}" for p in plan_problems(sql, conn, sizes))
    assert checked > 0
    assert not failures, f"{len(failures)} bad plan(s) of {checked} statements:\n" + "\n".join(failures[:15])


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
