"""The explorer's consumer-driven contract (docs/pact.md): the consumer tests (explorer/pact/,
pact-js) drive the explorer's real data layer against a Pact mock server and write a pact; here that
pact is verified against the live gunicorn server (pact-python's Verifier), with each provider state
checked against the seed corpus first. The committed pact (explorer/pact/pacts/) must be the one the
consumer tests write now. And the contract has teeth: served through a loopback proxy that drops one
field a screen reads, the API fails verification, and the failure names the screen's interactions."""

from __future__ import annotations

import json
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
        # "Seoul" is an alias of an actor with a Wikidata id and affiliates, and that actor or one of
        # its affiliates speaks in at least one statement.
        actor = self.one(db, "SELECT actor_id FROM aliases WHERE alias_norm = 'seoul'")
        assert actor is not None, "no actor has the alias 'Seoul'"
        assert self.one(db, "SELECT wikidata FROM actors WHERE id = ?", actor), f"{actor} has no Wikidata id"
        affiliates = self.one(db, "SELECT count(*) FROM actor_affiliates WHERE actor_id = ? AND depth > 0", actor)
        assert affiliates > 0, f"{actor} has no affiliates"
        spoken = self.one(
            db,
            "SELECT count(DISTINCT s.statement_id) FROM statement_speakers s "
            "JOIN actor_affiliates a ON a.affiliate_id = s.actor_id WHERE a.actor_id = ?",
            actor,
        )
        assert spoken > 0, f"neither {actor} nor its affiliates made any statement"

    def kursk(self, db: sqlite3.Connection) -> None:
        # The event exists, is placed at a point with a region code, and has statements about it.
        place = db.execute(
            "SELECT p.lat, p.lon, p.region FROM events e JOIN places p ON p.id = e.place_id "
            "WHERE e.id = 'kursk-liberation-operation'"
        ).fetchone()
        assert place is not None, "no event kursk-liberation-operation with a place"
        assert None not in place, f"its place lacks a point or a region: {place}"
        about = self.one(db, "SELECT count(*) FROM statements WHERE event_id = 'kursk-liberation-operation'")
        assert about > 0, "no statement is about kursk-liberation-operation"

    def troops(self, db: sqlite3.Connection) -> None:
        # Statements match the search "troops", some dated and some about an event (the month and
        # event type facets have a bucket with a value).
        found = db.execute(
            "SELECT count(*), count(s.date_start), count(s.event_id) FROM statements_fts f "
            "JOIN statements s ON s.rowid = f.rowid WHERE statements_fts MATCH 'troops'"
        ).fetchone()
        assert found[0] > 0, "no statement matches 'troops'"
        assert found[1] > 0 and found[2] > 0, f"(matching, dated, with an event) = {found}"

    def source(self, db: sqlite3.Connection) -> None:
        row = db.execute(
            "SELECT outlet_id, length(text_body) FROM sources WHERE id = '003_4c4acd25798775f3'"
        ).fetchone()
        assert row is not None, "no source 003_4c4acd25798775f3"
        assert row[0] is not None and row[1] > 0, f"the source lacks an outlet or a text: {row}"


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


BREAKING_CHANGES = [
    pytest.param(
        drop_from_statements("excerpt_span"),
        "excerpt_span",
        {
            "actor page: Seoul's statements with their source spans",
            "event page: the statements about kursk-liberation-operation",
            "search page: statements matching 'troops' with highlights",
        },
        id="statement_excerpt_span",
    ),
    pytest.param(
        drop_from_location("lat"),
        "lat",
        {"event page: the kursk-liberation-operation event with its location"},
        id="event_location_lat",
    ),
]


@pytest.mark.parametrize(("mutate", "field", "broken"), BREAKING_CHANGES)
def test_removing_a_field_a_screen_reads_fails_verification_naming_the_screen(
    pact_file, live_server, built_db, mutate, field, broken
):
    with mutating_proxy(live_server.url, mutate) as url:
        result = verify(pact_file, url, built_db)
    assert not result.states.failures, "provider states failed:\n" + "\n".join(result.states.failures)
    assert not result.ok, f"verification passed without {field!r}:\n{result.output}"
    # Exactly the interactions whose screens read the field fail, and the output says which and why.
    assert result.failed() == broken, result.output
    failures = result.output[result.output.find("Failures:") :]
    assert "Failures:" in result.output, result.output
    for description in broken:
        assert description in failures, (description, result.output)
    assert field in failures, result.output
