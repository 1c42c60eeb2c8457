"""The explorer's consumer-driven contract (docs/pact.md): the consumer tests (explorer/pact/,
pact-js) drive the explorer's real data layer against a Pact mock server and write a pact; here that
pact is verified against the live gunicorn server (pact-python's Verifier), with each provider state
checked against the seed corpus first. The committed pact (explorer/pact/pacts/) must be the one the
consumer tests write now. And the contract has teeth: served through a loopback proxy that drops one
field a screen reads, the API fails verification, and the failure names the screen's interactions."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pact import Verifier

from ..contract.conftest import ROOT, run

# Runs external tool chains (node, the Pact core): not in `make test-fast`.
pytestmark = pytest.mark.tools

CONSUMER = "anchored-news-explorer"
PROVIDER = "anchored-news-api"
PACT_NAME = f"{CONSUMER}-{PROVIDER}.json"
PACT_FOLDER = ROOT / "explorer" / "pact"
COMMITTED_PACT = PACT_FOLDER / "pacts" / PACT_NAME
RUNNER = PACT_FOLDER / "run-consumer.mjs"
# Other consumers' pacts, one file per consumer (<consumer>-anchored-news-api.json), committed by
# their teams: each is verified like the explorer's (docs/pact.md).
OTHER_PACTS = ROOT / "pacts"
HOST = "127.0.0.1"
PROXY_TIMEOUT = 10  # seconds, for each request the proxy forwards
# The statements a provider state guarantees on the actor page (explorer/pact/consumer.test.ts).
FOREIGN_MINISTRY = "south-korean-foreign-ministry-condemns-deployment"
HWANG = "hwang-deployment-violates-resolutions"
# How many statements the actor and event pages ask for (`limit`; TIMELINE_SIZE in explorer/src/api.ts).
TIMELINE_SIZE = 100


# --------------------------------------------------------------------------------------------
# The consumer side: the pact, as the consumer tests write it now.


@pytest.fixture(scope="module")
def pact_file(tmp_path_factory) -> Path:
    node = shutil.which("node")
    assert node, "node (>= 20.19) is needed for the explorer's consumer pact tests"
    out = tmp_path_factory.mktemp("pacts")
    run([node, RUNNER, "--out", out], timeout=300, env={"PACT_DO_NOT_TRACK": "true"})
    path = out / PACT_NAME
    assert path.is_file(), f"the consumer tests wrote no {PACT_NAME} in {out}"
    return path


def contract(path: Path) -> dict[str, Any]:
    """A pact without its metadata (tool versions): who the parties are and the interactions."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in document.items() if key != "metadata"}


def test_the_committed_pact_is_the_one_the_consumer_tests_write(pact_file):
    fresh = contract(pact_file)
    assert fresh["consumer"] == {"name": CONSUMER} and fresh["provider"] == {"name": PROVIDER}
    descriptions = [i["description"] for i in fresh["interactions"]]
    for screen in ("actor page: ", "event page: ", "search page: ", "source panel: "):
        assert any(d.startswith(screen) for d in descriptions), (screen, descriptions)
    assert COMMITTED_PACT.is_file(), f"{COMMITTED_PACT} is missing: run `node {RUNNER.relative_to(ROOT)}`"
    committed = contract(COMMITTED_PACT)
    assert committed == fresh, (
        f"{COMMITTED_PACT.relative_to(ROOT)} is not what explorer/pact/consumer.test.ts records now: "
        f"run `node {RUNNER.relative_to(ROOT)}` and commit the result"
    )


# --------------------------------------------------------------------------------------------
# The provider states: each is a claim about the seed corpus, checked read-only in the database the
# live server serves before the interactions given it are replayed.


class SeedStates:
    """The state handler of the verification. Every state a pact names must be one of ``states``;
    an unknown state, or a known one the corpus does not satisfy, is recorded in ``failures``, which
    every verification below asserts empty. (Not raised: the Pact core retries a failing state
    callback with back-off for two minutes before it fails the interaction.)"""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.seen: list[str] = []
        self.failures: list[str] = []
        self.states: dict[str, Callable[[sqlite3.Connection], None]] = {
            "the seed corpus is served": self.seed_corpus,
            "the actor Seoul has statements": self.seoul,
            "the event kursk-liberation-operation exists": self.kursk,
            "statements mention troops": self.troops,
            "the source 003_4c4acd25798775f3 exists": self.source,
        }

    def __call__(self, state: str, action: str, parameters: dict[str, Any] | None) -> None:
        self.seen.append(state)
        if action != "setup":
            return
        try:
            check = self.states.get(state)
            if check is None:
                raise LookupError(
                    f"unknown provider state {state!r}: the API knows {sorted(self.states)} "
                    "(docs/pact.md; add a new state to SeedStates in tests/explorer/test_pact.py)"
                )
            with closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
                check(db)
        except Exception as error:
            self.failures.append(f"{state!r}: {type(error).__name__}: {error}")

    @staticmethod
    def one(db: sqlite3.Connection, sql: str, *args: object) -> Any:
        row = db.execute(sql, args).fetchone()
        return None if row is None else row[0]

    def seed_corpus(self, db: sqlite3.Connection) -> None:
        for table in ("statements", "actors", "events", "sources"):
            assert self.one(db, f"SELECT count(*) FROM {table}") > 0, f"the corpus has no {table}"

    def seoul(self, db: sqlite3.Connection) -> None:
        # "Seoul" is an alias of South Korea, which has a Wikidata id, a country and affiliates. It
        # and its affiliates made at least one statement and at most one page of the actor page's
        # (so `next_cursor` is null), among them the Foreign Ministry's condemnation (quoted, dated,
        # about an event, its speakers named as written) and Hwang Joon-kook's accusation (quoted,
        # undated).
        actor = self.one(db, "SELECT actor_id FROM aliases WHERE alias_norm = 'seoul'")
        assert actor == "south-korea", f"'Seoul' is an alias of {actor!r}, not of south-korea"
        record = db.execute("SELECT wikidata, country FROM actors WHERE id = ?", (actor,)).fetchone()
        assert None not in record, f"{actor} lacks a Wikidata id or a country: {record}"
        affiliates = self.one(db, "SELECT count(*) FROM actor_affiliates WHERE actor_id = ? AND depth > 0", actor)
        assert affiliates > 0, f"{actor} has no affiliates"
        spoken = {
            row[0]
            for row in db.execute(
                "SELECT s.statement_id FROM statement_speakers s "
                "JOIN actor_affiliates a ON a.affiliate_id = s.actor_id WHERE a.actor_id = ?",
                (actor,),
            )
        }
        assert 0 < len(spoken) <= TIMELINE_SIZE, f"{actor} and its affiliates made {len(spoken)} statements"
        condemnation = self.statement(db, FOREIGN_MINISTRY)
        assert FOREIGN_MINISTRY in spoken, f"{FOREIGN_MINISTRY} is not by {actor} or its affiliates"
        assert condemnation["quote"] is not None, f"{FOREIGN_MINISTRY} is not quoted"
        assert condemnation["date_start"] is not None and condemnation["date_end"] is not None, (
            f"{FOREIGN_MINISTRY} is not dated"
        )
        assert condemnation["event"] is not None, f"{FOREIGN_MINISTRY} is about no event"
        assert all(s["as_written"] for s in condemnation["speakers"]), (
            f"{FOREIGN_MINISTRY}: a speaker has no as_written"
        )
        accusation = self.statement(db, HWANG)
        assert HWANG in spoken, f"{HWANG} is not by {actor} or its affiliates"
        assert accusation["quote"] is not None, f"{HWANG} is not quoted"
        assert accusation["date_start"] is None and accusation["date_end"] is None, f"{HWANG} is dated"

    @classmethod
    def statement(cls, db: sqlite3.Connection, statement_id: str) -> dict[str, Any]:
        """A statement as the API serves it (its stored JSON)."""
        body = cls.one(db, "SELECT body FROM statements WHERE id = ?", statement_id)
        assert body is not None, f"no statement {statement_id}"
        return json.loads(body)

    def kursk(self, db: sqlite3.Connection) -> None:
        # The event exists, is placed at a point, with the place as written; has participants; has
        # supporting sources, each with an outlet and publication dates; and has statements about
        # it, at least one and at most one page of the event page's (so `next_cursor` is null).
        body = self.one(db, "SELECT body FROM events WHERE id = 'kursk-liberation-operation'")
        assert body is not None, "no event kursk-liberation-operation"
        event = json.loads(body)
        location = event.get("location") or {}
        missing = [key for key in ("lat", "lon", "as_written") if location.get(key) is None]
        assert not missing, f"its location lacks {missing}: {location}"
        assert event["participants"], "it has no participants"
        assert event["sources"], "no source supports it"
        for support in event["sources"]:
            source = support["source"]
            assert source["outlet"] is not None, f"its source {source['id']} has no outlet"
            assert None not in (source["published_start"], source["published_end"]), (
                f"its source {source['id']} has no publication dates"
            )
        about = self.one(db, "SELECT count(*) FROM statements WHERE event_id = 'kursk-liberation-operation'")
        assert 0 < about <= TIMELINE_SIZE, f"{about} statements are about kursk-liberation-operation"

    def troops(self, db: sqlite3.Connection) -> None:
        # Statements match the search "troops", some dated, some about an event and some with a
        # target (the month, event type and target facets have a bucket with a value).
        found = db.execute(
            "SELECT count(*), count(s.date_start), count(s.event_id), "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM statement_targets t WHERE t.statement_id = s.id)) "
            "FROM statements_fts f JOIN statements s ON s.rowid = f.rowid WHERE statements_fts MATCH 'troops'"
        ).fetchone()
        assert found[0] > 0, "no statement matches 'troops'"
        assert 0 not in found, f"(matching, dated, with an event, with a target) = {found}"

    def source(self, db: sqlite3.Connection) -> None:
        # The source exists, with its text, its outlet, its publication dates and a byline.
        row = db.execute(
            "SELECT outlet_id, published_start, published_end, json_extract(body, '$.byline.name'), "
            "length(text_body) FROM sources WHERE id = '003_4c4acd25798775f3'"
        ).fetchone()
        assert row is not None, "no source 003_4c4acd25798775f3"
        assert None not in row and row[-1] > 0, (
            f"the source lacks an outlet, a publication date, a byline or a text: {row[:-1]}, length {row[-1]}"
        )


# --------------------------------------------------------------------------------------------
# The provider side.


class Verification:
    def __init__(self, ok: bool, output: str, results: dict[str, Any], states: SeedStates) -> None:
        self.ok = ok
        self.output = output
        self.results = results
        self.states = states

    def failed(self) -> set[str]:
        """The descriptions of the interactions that failed."""
        return {i["description"] for i in self.results.get("interactionResults", []) if i.get("result") != "OK"}


@pytest.fixture(autouse=True)
def no_pact_telemetry(monkeypatch):
    """The Pact core reports usage over the network unless told not to: nothing leaves 127.0.0.1."""
    monkeypatch.setenv("PACT_DO_NOT_TRACK", "true")


def verify(pact_path: Path, url: str, database: Path) -> Verification:
    states = SeedStates(database)
    verifier = (
        Verifier(PROVIDER, host=HOST)
        .add_transport(url=url)
        .add_source(pact_path)
        .state_handler(states)
        .set_request_timeout(10_000)
    )
    try:
        verifier.verify()
        ok = True
    except RuntimeError:  # the core returns non-zero when any interaction fails
        ok = False
    return Verification(ok, verifier.output(strip_ansi=True), verifier.results, states)


def test_the_api_honours_every_consumers_pact(pact_file, live_server, built_db):
    """The explorer's pact, as its consumer tests write it now, and each other consumer's pact
    committed in pacts/ (none yet: then the explorer's alone)."""
    others = sorted(OTHER_PACTS.glob("*.json")) if OTHER_PACTS.is_dir() else []
    for path in (pact_file, *others):
        parties = contract(path)
        assert parties["provider"] == {"name": PROVIDER}, f"{path.name} is not a pact with {PROVIDER}"
        if path is not pact_file:
            assert parties["consumer"]["name"] != CONSUMER, f"{path.name}: the explorer's pact is in {PACT_FOLDER}"
        result = verify(path, live_server.url, built_db)
        assert not result.states.failures, f"{path.name}: provider states failed:\n" + "\n".join(result.states.failures)
        assert result.ok, f"the API does not honour {path.name}:\n{result.output}"
        replayed = {i["description"] for i in result.results["interactionResults"]}
        expected = {i["description"] for i in parties["interactions"]}
        assert replayed == expected and not result.failed(), path.name
        assert set(result.states.seen) <= set(result.states.states)


def test_a_provider_state_the_api_does_not_know_is_reported(pact_file, live_server, built_db, tmp_path):
    document = json.loads(pact_file.read_text(encoding="utf-8"))
    interaction = next(i for i in document["interactions"] if i["description"].startswith("source panel: "))
    interaction["providerStates"] = [{"name": "the source 999_unknown exists"}]
    renamed = tmp_path / PACT_NAME
    renamed.write_text(json.dumps(document), encoding="utf-8")
    result = verify(renamed, live_server.url, built_db)
    assert result.states.failures == [
        "'the source 999_unknown exists': LookupError: unknown provider state 'the source 999_unknown exists': "
        f"the API knows {sorted(result.states.states)} (docs/pact.md; add a new state to SeedStates in "
        "tests/explorer/test_pact.py)"
    ]


# --------------------------------------------------------------------------------------------
# The breaking change: the live API behind a loopback proxy that deletes one field from its JSON.


def drop_from_statements(field: str) -> Callable[[Any], Any]:
    """Deletes ``field`` from every statement of a list page (its ``data`` records)."""

    def mutate(body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            for record in body["data"]:
                if isinstance(record, dict):
                    record.pop(field, None)
        return body

    return mutate


def drop_from_location(field: str) -> Callable[[Any], Any]:
    """Deletes ``field`` from an event's ``location``."""

    def mutate(body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("location"), dict):
            body["location"].pop(field, None)
        return body

    return mutate


@contextmanager
def mutating_proxy(upstream: str, mutate: Callable[[Any], Any]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that forwards each GET to ``upstream`` and answers with its
    response, JSON bodies passed through ``mutate``. Yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            accept = self.headers.get("Accept", "*/*")
            request = urllib.request.Request(upstream + self.path, headers={"Accept": accept})
            try:
                with urllib.request.urlopen(request, timeout=PROXY_TIMEOUT) as response:
                    status, headers, body = response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                status, headers, body = error.code, error.headers, error.read()
            content_type = headers.get("Content-Type", "")
            if "json" in content_type:
                body = json.dumps(mutate(json.loads(body))).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


ACTOR_TIMELINE = "actor page: Seoul's statements for its timeline"
EVENT_STATEMENTS = "event page: the statements about kursk-liberation-operation"
SEARCH_RESULTS = "search page: statements matching 'troops' with highlights"
EVENT_RECORD = "event page: the kursk-liberation-operation event with its location"


def missing_key(path: str, key: str) -> str:
    """How the verifier reports a field missing from an object the pact describes."""
    return re.escape(f"{path} -> Actual map is missing the following keys: {key}")


def missing_statement(statement_id: str) -> str:
    """How the verifier reports a statement the pact pins with `arrayContaining` (by its id) that no
    longer matches: it names the statement, as the pact expects it, not the field that differs."""
    return (
        r"\$\.data -> Variant at index \d+ \(\{.*"
        + re.escape(f'"id":"{statement_id}"')
        + r".*\}\) was not found in the actual list"
    )


# What the proxy deletes, and each interaction that must fail with the report it must fail with:
# exactly the interactions of the screens that read the field.
BREAKING_CHANGES = [
    # Every statement card's "Show in source" marks the statement's span in its source: the actor,
    # event and search pages all break.
    pytest.param(
        drop_from_statements("span"),
        {
            ACTOR_TIMELINE: missing_statement(FOREIGN_MINISTRY),
            EVENT_STATEMENTS: missing_key("$.data[0]", "span"),
            SEARCH_RESULTS: missing_key("$.data[0]", "span"),
        },
        id="statement_span_breaks_show_in_source_on_the_actor_event_and_search_pages",
    ),
    # A quote is nullable, so only the actor page's pact has it (its state guarantees two quoted
    # statements); without it the page shows every statement's summary instead of the words said.
    pytest.param(
        drop_from_statements("quote"),
        {ACTOR_TIMELINE: missing_statement(FOREIGN_MINISTRY)},
        id="statement_quote_breaks_the_actor_page_timeline",
    ),
    # The event page's map puts the event at its point.
    pytest.param(
        drop_from_location("lat"),
        {EVENT_RECORD: missing_key("$.location", "lat")},
        id="event_location_lat_breaks_the_event_page_map",
    ),
]


def failure_reports(output: str) -> dict[str, str]:
    """The verifier's report of each failed interaction, by description (its "Failures:" section)."""
    failures = output[output.find("Failures:") :]
    heading = re.compile(r"^\d+\) Verifying a pact between .+? - (.+)$", re.MULTILINE)
    found = list(heading.finditer(failures))
    ends = [m.start() for m in found[1:]] + [len(failures)]
    return {m.group(1): failures[m.end() : end] for m, end in zip(found, ends, strict=True)}


@pytest.mark.parametrize(("mutate", "broken"), BREAKING_CHANGES)
def test_removing_a_field_a_screen_reads_fails_verification_naming_the_screen(
    pact_file, live_server, built_db, mutate, broken
):
    with mutating_proxy(live_server.url, mutate) as url:
        result = verify(pact_file, url, built_db)
    assert not result.states.failures, "provider states failed:\n" + "\n".join(result.states.failures)
    assert not result.ok, f"verification passed:\n{result.output}"
    # Exactly the interactions of the screens that read the field fail, and the report of each
    # names its screen (the description) and says what is missing.
    assert result.failed() == set(broken), result.output
    reports = failure_reports(result.output)
    assert set(reports) == set(broken), result.output
    for description, report in broken.items():
        assert re.search(report, reports[description]), (description, report, result.output)
