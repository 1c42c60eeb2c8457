"""The load benchmark: this API, Datasette and a bare Flask floor, side by side, on the same file.

    .venv/bin/python bench/run.py [--sizes 10000,100000,1000000] [--rounds 3] [--duration 5]

For each corpus size: generate the synthetic seeds (bench/generate.py, cached by size and seed),
build them with the project's own build command (timed, peak RSS from /usr/bin/time -v), start

  * api       this API: gunicorn, 2 gevent workers, 127.0.0.1 (api/gunicorn_conf.py, as `make serve`)
  * ds        Datasette 0.65, immutable, its ASGI app on 2 uvicorn workers, TCP_NODELAY, default JSON
  * ds-lite   the same Datasette with `_nocount=1&_nofacet=1`
  * floor     bare Flask + sqlite3 on gunicorn, 2 sync workers, running the SQL this API issues for
              the page and returning the pre-rendered bodies, nothing else

and load each scenario with wrk (16 connections, `Connection: close` everywhere, so that no server's
keep-alive scheduling decides the result), in rounds: every round runs every (scenario, server) once,
so ratios are taken within a round and the medians over rounds are reported. CPU ms per request is
the CPU time (user + system, from /proc) of every process of the server, divided by the requests
it completed.

Facets scenarios (`/statements/facets?...`) load the same way. Datasette answers them with `_facet=`
on the table (`_facet_date=date_start` for the month: by day, the nearest it has) and `_size=0`;
the speaker facet, through the statement_speakers link table, is a second Datasette request (its
req/s and CPU are per answer, both requests; its latencies per request); ds-lite adds `_nosuggest=1`.
The API keeps facet counts per filter (the database never changes), so under load it serves them
from memory: the in-process time of the first, uncached request is reported beside (cold ms); the
floor runs every facet's SQL on every request.

Exports (the whole statements table as NDJSON and CSV) are not loaded: each is requested
--export-requests times, one request at a time, each bounded by --export-timeout, and reported as
rows/s, MB/s and the RSS of the worker that served it (before, after, and its peak during the
request). Datasette streams CSV (`.csv?_stream=on`) and has no NDJSON of a whole table; the floor
streams the bodies the API's export SQL selects. Writes bench/work/results.json and
bench/work/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
VENV = ROOT / ".venv" / "bin"
BENCH_VENV = ROOT / "bench" / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

import build_times  # noqa: E402
import goals  # noqa: E402

from scripts.live_server import LiveServer, gunicorn_command, wrk_command  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVERS = ("api", "ds", "ds-lite", "floor")
SEARCH_WORD = "sanctions"
DEEP_PAGE = 500
SERVER_TIMEOUTS = {"timeout": 120, "stop_timeout": 15}  # a 1M-statement database opens slowly
CHUNK = 1 << 20  # bytes read at a time from an export


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Corpus


def ensure_corpus(size: int, seed: int, rebuild: bool) -> tuple[Path, dict]:
    folder = WORK / label(size)
    seeds = folder / "seeds"
    db = folder / "corpus.db"
    stamp = folder / "seeds.stamp"
    generator = (ROOT / "bench" / "generate.py").read_bytes()
    key = json.dumps({"size": size, "seed": seed, "generator": hash_bytes(generator)})
    if not (stamp.exists() and stamp.read_text() == key):
        log(f"[{label(size)}] generating {size} statements")
        subprocess.run(
            [
                str(VENV / "python"),
                str(ROOT / "bench" / "generate.py"),
                "--statements",
                str(size),
                "--seed",
                str(seed),
                "--out",
                str(seeds),
            ],
            check=True,
            timeout=3600,
        )
        stamp.write_text(key)
        rebuild = True
    info_file = folder / "build.json"
    if rebuild or not db.exists() or not info_file.exists():
        log(f"[{label(size)}] building with the project's build command")
        db.unlink(missing_ok=True)
        started = time.monotonic()
        proc = subprocess.run(
            [
                "/usr/bin/time",
                "-v",
                str(VENV / "flask"),
                "--app",
                "api",
                "build-db",
                "--seeds",
                str(seeds),
                "--out",
                str(db),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=7200,
        )
        wall = time.monotonic() - started
        if proc.returncode != 0:
            log(proc.stdout[-3000:], proc.stderr[-3000:])
            raise SystemExit(f"build of {seeds} failed")
        rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
        info = {
            "build_seconds": round(wall, 1),
            "peak_rss_mb": round(rss_kb / 1024),
            "db_mb": round(db.stat().st_size / 2**20),
            "seeds_mb": round(sum(p.stat().st_size for p in seeds.iterdir()) / 2**20),
            "output": proc.stdout.strip().splitlines()[-1],
        }
        log(f"[{label(size)}] incremental builds after one changed annotation")
        info["incremental"] = build_times.measure_incremental(VENV / "flask", ROOT, seeds, db)
        log(f"[{label(size)}] incremental: {info['incremental']}")
        info_file.write_text(json.dumps(info))
    info = json.loads(info_file.read_text())
    log(f"[{label(size)}] build: {info}")
    return db, info


def hash_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Scenarios


def scenarios(db: Path) -> list[dict]:
    """Every scenario as paths for each server; SQL for the floor is captured from the API itself."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def affiliates(actor_id):
        return [
            r[0]
            for r in conn.execute(
                "SELECT affiliate_id FROM actor_affiliates WHERE actor_id = ? ORDER BY affiliate_id", (actor_id,)
            )
        ]

    seoul, moscow, pyongyang = affiliates("south-korea"), affiliates("russia"), affiliates("north-korea")
    ids = [r[0] for r in conn.execute("SELECT id FROM statements ORDER BY random() LIMIT 1000")]
    rare = rare_word(conn)
    conn.close()

    def in_list(values):
        return ",".join(values)

    def sql_list(values):
        return ",".join("'" + v.replace("'", "''") + "'" for v in values)

    ds = "/corpus"
    # Datasette returns every column; ``csv`` (the stored CSV row, which only the API's CSV export
    # reads) is left out, so that its pages carry what they carried before that column existed.
    size = "_size=20&_shape=objects&_nocol=csv"
    facets = "_size=0&_facet_size=20&_shape=objects"
    since, until = "2019-01-01", "2021-12-31"
    q = urllib.parse.quote
    # Statements name their speakers in a link table (a statement may have several).
    by_seoul = q(f"id in (select statement_id from statement_speakers where actor_id in ({sql_list(seoul)}))")
    out = [
        {
            "name": "statements?actor=Seoul (page 1)",
            "api": "/statements?actor=Seoul",
            "ds": f"{ds}/statements.json?_where={by_seoul}&_sort_desc=date_sort&{size}",
        },
        {
            "name": f"statements?actor=Seoul (page {DEEP_PAGE})",
            "deep": True,
            "api": "/statements?actor=Seoul",
            "ds": f"{ds}/statements.json?_where={by_seoul}&_sort_desc=date_sort&{size}",
        },
        {
            "name": "statements?actor=Seoul&since&until&stance",
            "api": f"/statements?actor=Seoul&since={since}&until={until}&stance=condemn",
            "ds": f"{ds}/statements.json?_where={by_seoul}&stance=condemn&date_end__gte={since}"
            f"&date_start__lte={until}&_sort_desc=date_sort&{size}",
        },
        {
            "name": f"statements?q={SEARCH_WORD}",
            "api": f"/statements?q={SEARCH_WORD}",
            "ds": f"{ds}/statements.json?_search={SEARCH_WORD}&_sort_desc=date_sort&{size}",
        },
        {
            "name": f"statements?q={rare} (rare)",
            "api": f"/statements?q={rare}",
            "ds": f"{ds}/statements.json?_search={rare}&_sort_desc=date_sort&{size}",
        },
        {
            "name": "statements?stance=condemn",
            "api": "/statements?stance=condemn",
            "ds": f"{ds}/statements.json?stance=condemn&_sort_desc=date_sort&{size}",
        },
        {
            "name": "events?type&actor=Moscow",
            "api": "/events?type=combat_operation&actor=Moscow",
            "ds": f"{ds}/events.json?type=combat_operation&_where="
            + q(f"id in (select event_id from event_participants where actor_id in ({sql_list(moscow)}))")
            + f"&_sort_desc=date_sort&{size}",
        },
        {
            "name": "casualties?actor=Pyongyang",
            "api": "/casualties?actor=Pyongyang",
            "ds": f"{ds}/casualties.json?party_id__in={q(in_list(pyongyang))}&_sort_desc=date_sort&{size}",
        },
        {
            "name": "actors?q=kor",
            "api": "/actors?q=kor",
            "ds": f"{ds}/actors.json?_where="
            + q("id in (select actor_id from actor_search where key glob 'kor*')")
            + f"&_sort=name_sort&{size}",
        },
        {
            "name": "statements/{id}",
            "ids": ids,
            "api": [f"/statements/{i}" for i in ids],
            "ds": [f"{ds}/statements/{q(i)}.json?_shape=objects" for i in ids],
            "floor": [f"/get_statement?p={q(i)}" for i in ids],
        },
        # Facets: counts only (Datasette: no rows, `_size=0`), 20 values per facet on both.
        {
            "name": "statements/facets?actor=Seoul&facet=stance,month",
            "kind": "facets",
            "api": "/statements/facets?actor=Seoul&facet=stance,month",
            "ds": f"{ds}/statements.json?_where={by_seoul}&_facet=stance&_facet_date=date_start&{facets}",
        },
        {
            "name": f"statements/facets?q={SEARCH_WORD}&facet=stance,speaker,month",
            "kind": "facets",
            "api": f"/statements/facets?q={SEARCH_WORD}&facet=stance,speaker,month",
            # Two requests: the statements' own columns, then the speakers through the link table.
            "ds": [
                f"{ds}/statements.json?_search={SEARCH_WORD}&_facet=stance&_facet_date=date_start&{facets}",
                f"{ds}/statement_speakers.json?_where="
                + q(
                    "statement_id in (select id from statements where rowid in (select rowid from "
                    f"statements_fts where statements_fts match '{SEARCH_WORD}'))"
                )
                + f"&_facet=actor_id&{facets}",
            ],
        },
    ]
    return out


def rare_word(conn: sqlite3.Connection) -> str:
    """A word of the statements' full-text index in about 1 statement of 2,000 (the frequent one,
    SEARCH_WORD, is in about 1 of 12): the one nearest to that, alphabetical first."""
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.statement_words USING fts5vocab(main, statements_fts, 'row')")
    total = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
    target = max(total // 2000, 3)
    return conn.execute(
        "SELECT term FROM temp.statement_words WHERE term GLOB '[a-z][a-z][a-z][a-z][a-z]*' "
        "ORDER BY abs(doc - ?), term LIMIT 1",
        (target,),
    ).fetchone()[0]


def export_scenarios(db: Path) -> list[dict]:
    """The whole statements table, streamed: NDJSON (the floor streams the same bodies) and CSV
    (Datasette streams its own CSV of the table's columns)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT count(*) FROM statements").fetchone()[0]
    conn.close()
    return [
        {"name": "statements.ndjson (all)", "rows": rows, "api": "/statements.ndjson", "ds": None},
        {
            "name": "statements.csv (all)",
            "rows": rows,
            "api": "/statements.csv",
            "ds": "/corpus/statements.csv?_stream=on&_size=max&_nocol=csv",
            "floor": None,
        },
    ]


def capture_api_sql(db: Path, scenario_list: list[dict], export_list: list[dict]) -> dict:
    """Run each API request in-process and keep the page SQL it issues (with values inlined), and
    follow the cursor chain to the deep page; for a facets request, every statement it issues (and
    the in-process time of that first, uncached request); for an export, its one query."""
    from api import create_app

    app = create_app({"TESTING": True, "DATABASE": str(db)})
    client = app.test_client()
    database = app.extensions["anchored_news_db"].get()
    issued: list[str] = []
    database.connection().set_trace_callback(issued.append)
    spec: dict = {"get_statement": "SELECT body FROM statements WHERE id = ?"}
    for n, sc in enumerate(export_list):
        if sc.get("floor", "") is None:
            continue
        issued.clear()
        response = client.get(sc["api"])
        response.close()  # the query runs before the stream starts; the stream is not needed here
        (sql,) = [s for s in issued if s.lstrip().upper().startswith("SELECT") and " ORDER BY " in s.upper()]
        spec[f"e{n}"] = sql
        sc["sql"] = sql
        sc["floor"] = f"/stream/e{n}"
    for n, sc in enumerate(scenario_list):
        if isinstance(sc["api"], list):
            continue
        if sc.get("kind") == "facets":
            database._counts.clear()  # cold: no count or facet kept from an earlier request
            issued.clear()
            started = time.perf_counter()
            response = client.get(sc["api"])
            sc["cold_ms"] = round((time.perf_counter() - started) * 1000, 1)
            assert response.status_code == 200, (sc["api"], response.get_data(as_text=True)[:300])
            sc["total"] = response.get_json()["meta"]["total"]
            sc["sql"] = [s for s in issued if s.lstrip().upper().startswith("SELECT")]
            spec[f"s{n}"] = sc["sql"]
            sc["floor"] = f"/s{n}"
            continue
        url = sc["api"]
        if sc.get("deep"):
            page = 1
            while page < DEEP_PAGE:
                body = client.get(url).get_json()
                if not body["links"]["next"]:
                    break
                url, page = body["links"]["next"], page + 1
            sc["api"] = url
            sc["page"] = page
        issued.clear()
        response = client.get(sc["api"])
        assert response.status_code == 200, (sc["api"], response.status_code, response.get_data(as_text=True)[:300])
        sc["total"] = response.get_json()["meta"]["total"]
        pages = [s for s in issued if s.lstrip().upper().startswith("SELECT") and " LIMIT " in s.upper()]
        if not pages:
            # The count was cached by an earlier request: clear the cache and ask again.
            database._counts.clear()
            issued.clear()
            client.get(sc["api"])
            pages = [s for s in issued if s.lstrip().upper().startswith("SELECT") and " LIMIT " in s.upper()]
        sc["sql"] = pages[-1]
        name = f"s{n}"
        spec[name] = pages[-1]
        sc["floor"] = f"/{name}"
    database.connection().set_trace_callback(None)
    return spec


def ds_deep(base: str, path: str, pages: int) -> str:
    """Follow Datasette's `next` tokens to the same depth as the API's cursor chain."""
    url = path
    for _ in range(pages - 1):
        with urllib.request.urlopen(base + url + "&_nocount=1&_nofacet=1", timeout=60) as r:
            body = json.loads(r.read())
        if not body.get("next"):
            break
        url = path + "&_next=" + urllib.parse.quote(body["next"])
    return url


# --------------------------------------------------------------------------------------------
# Servers


def cpu_seconds(server: LiveServer) -> dict[int, float]:
    """CPU seconds (user + system) of each process of the server (master and workers)."""
    out = {}
    for pid in server.pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def start_api(db: Path, log_path: Path) -> LiveServer:
    """This API as `make serve` runs it: gunicorn, api/gunicorn_conf.py (gevent workers), 2 workers."""
    return LiveServer(
        db,
        command=lambda port: gunicorn_command(port, workers=2, gunicorn=VENV / "gunicorn"),
        env={"WORKERS": "2"},
        name="api",
        log_path=log_path,
        **SERVER_TIMEOUTS,
    )


def start_servers(db: Path, floor_spec: Path, logs: Path) -> dict[str, LiveServer]:
    logs.mkdir(parents=True, exist_ok=True)
    servers = {}
    try:
        servers["api"] = start_api(db, logs / "api.log")
        servers["floor"] = LiveServer(
            command=lambda port: gunicorn_command(
                port,
                workers=2,
                extra_args=["--worker-class", "sync"],
                app="bench.floor:app",
                config=None,
                gunicorn=VENV / "gunicorn",
            ),
            env={"FLOOR_DB": str(db), "FLOOR_SPEC": str(floor_spec)},
            name="floor",
            health_path="/get_statement?p=x",
            log_path=logs / "floor.log",
            **SERVER_TIMEOUTS,
        )
        servers["ds"] = LiveServer(
            command=lambda port: [BENCH_VENV / "python", "bench/datasette_server.py", db, port, 2],
            name="ds",
            health_path="/-/versions.json",
            log_path=logs / "datasette.log",
            **SERVER_TIMEOUTS,
        )
        servers["ds-lite"] = servers["ds"]  # the same server, other query parameters
    except Exception:
        for server in {id(s): s for s in servers.values()}.values():
            server.stop()
        raise
    return servers


# --------------------------------------------------------------------------------------------
# Load


LUA = """
local paths = {%s}
local i = 0
wrk.headers["Connection"] = "close"
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,' ..
    '"status_errors":%%d,"connect_errors":%%d,"read_errors":%%d,"write_errors":%%d,"timeouts":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def run_wrk(server: LiveServer, paths: list[str], duration: float, connections: int, script_dir: Path) -> dict:
    script = script_dir / "paths.lua"
    script.write_text(LUA % ",".join(json.dumps(p) for p in paths))
    before = cpu_seconds(server)
    proc = subprocess.run(
        wrk_command(server.url, script, duration, connections),
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    after = cpu_seconds(server)
    match = re.search(r"RESULT (\{.*\})", proc.stdout)
    if not match:
        raise RuntimeError(f"wrk failed: {proc.stdout[-1000:]} {proc.stderr[-1000:]}")
    r = json.loads(match.group(1))
    per_process = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    cpu = sum(per_process.values())
    busy = sorted((v for v in per_process.values() if v > 0.05), reverse=True)
    errors = r["status_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    return {
        "rps": r["requests"] / (r["duration_us"] / 1e6),
        "p50": r["p50_us"] / 1000,
        "p99": r["p99_us"] / 1000,
        "cpu_ms": 1000 * cpu / max(r["requests"], 1),
        "requests": r["requests"],
        "errors": errors,
        "worker_split": [round(b / cpu, 2) for b in busy] if cpu else [],
    }


def check_facets(servers, sc) -> None:
    """Every server answers with counts in every facet (Datasette: none timed out); the API's
    counts of the first facet are the floor's."""
    for name in SERVERS:
        for path in as_paths(sc.get(name) or []):
            with urllib.request.urlopen(servers[name].url + path, timeout=120) as r:
                body = json.loads(r.read())
            if name == "api":
                facets = body["data"]
                assert facets and all(facets.values()), f"api {path}: an empty facet: {body}"
            elif name == "floor":
                assert body and all(body), f"floor {path}: no rows"
            else:
                assert body["facet_results"] and not body.get("facets_timed_out"), f"{name} {path}: {body}"


def check_responses(servers, sc) -> None:
    """Every server answers every scenario with 200 and rows; the API and the floor agree."""
    if sc.get("kind") == "facets":
        check_facets(servers, sc)
        return
    for name in SERVERS:
        if sc.get(name) is None:
            continue
        path = sc[name] if not isinstance(sc[name], list) else sc[name][0]
        with urllib.request.urlopen(servers[name].url + path, timeout=120) as r:
            body = json.loads(r.read())
        rows = body.get("data", body.get("rows", [body] if "id" in body else None))
        if not rows:
            raise RuntimeError(f"{name} {path}: no rows")
        if name == "api" and isinstance(sc["api"], str):
            sc["api_ids"] = [row["id"] for row in rows]
        if name == "floor" and isinstance(sc["floor"], str) and sc.get("api_ids"):
            assert [row["id"] for row in rows][: len(sc["api_ids"])] == sc["api_ids"], (
                f"floor and API differ on {sc['name']}"
            )


def benchmark_size(size: int, args) -> dict:
    db, build = ensure_corpus(size, args.seed, args.rebuild)
    folder = db.parent
    scenario_list = scenarios(db)
    export_list = export_scenarios(db)
    spec = capture_api_sql(db, scenario_list, export_list)
    spec_file = folder / "floor.json"
    spec_file.write_text(json.dumps(spec, indent=1))
    servers = start_servers(db, spec_file, folder / "logs")
    try:
        for sc in scenario_list:
            if sc.get("kind") == "facets":
                # The same facets without Datasette's suggestions of other facets.
                sc["ds-lite"] = [p + "&_nosuggest=1" for p in as_paths(sc["ds"])]
            elif isinstance(sc["ds"], str):
                if sc.get("deep"):
                    try:
                        sc["ds"] = ds_deep(servers["ds"].url, sc["ds"], sc["page"])
                    except urllib.error.HTTPError as exc:  # Datasette refused one of its own next tokens
                        log(f"[{label(size)}] Datasette's cursor chain failed ({exc}): no Datasette deep page")
                        sc["ds"] = sc["ds-lite"] = None
                        continue
                sc["ds-lite"] = sc["ds"] + "&_nocount=1&_nofacet=1"
            else:
                sc["ds-lite"] = None  # a row page has no count or facets to turn off
        unloaded = {}
        for name in ("api", "ds", "floor"):
            sc = scenario_list[0]
            times = []
            for _ in range(15):
                started = time.perf_counter()
                try:
                    urllib.request.urlopen(servers[name].url + sc[name], timeout=60).read()
                except urllib.error.HTTPError as exc:  # Datasette answers 400 past its SQL time limit
                    log(f"[{label(size)}] unloaded {name}: {exc}")
                    break
                times.append((time.perf_counter() - started) * 1000)
            unloaded[name] = round(statistics.median(times), 2) if times else None
        log(f"[{label(size)}] unloaded latency, first scenario (ms): {unloaded}")
        for sc in scenario_list:
            try:
                check_responses(servers, sc)
            except (urllib.error.HTTPError, AssertionError) as exc:  # e.g. Datasette's facets timed out
                log(f"[{label(size)}] {sc['name']}: a server failed it before the load: {str(exc)[:300]}")
        results: dict = {sc["name"]: {s: [] for s in SERVERS} for sc in scenario_list}
        # Warm-up: every (scenario, server) once, briefly.
        for sc in scenario_list:
            for name in SERVERS:
                if sc.get(name) is not None:
                    run_wrk(servers[name], as_paths(sc[name]), 1, args.connections, folder)
        for rnd in range(args.rounds):
            for sc in scenario_list:
                for name in SERVERS:
                    if sc.get(name) is None:
                        continue
                    r = run_wrk(servers[name], as_paths(sc[name]), args.duration, args.connections, folder)
                    if sc.get("kind") == "facets" and len(as_paths(sc[name])) > 1:
                        r = per_answer(r, len(as_paths(sc[name])))
                    results[sc["name"]][name].append(r)
                    log(
                        f"[{label(size)}] round {rnd + 1} {sc['name']:<42} {name:<8} {r['rps']:8.0f} req/s "
                        f"p50 {r['p50']:6.1f} p99 {r['p99']:6.1f} ms cpu {r['cpu_ms']:6.2f} ms/req "
                        f"split {r['worker_split']} errors {r['errors']}"
                    )
        exported = {sc["name"]: {} for sc in export_list}
        for sc in export_list:
            for name in SERVERS:
                if sc.get(name) is None:
                    continue
                runs = [
                    export_once(servers[name], sc[name], sc["rows"], args.export_timeout)
                    for _ in range(args.export_requests)
                ]
                exported[sc["name"]][name] = runs
                for r in runs:
                    log(
                        f"[{label(size)}] export {sc['name']:<36} {name:<8} {r['rows_per_s']:9.0f} rows/s "
                        f"{r['mb_per_s']:6.1f} MB/s {r['seconds']:6.2f} s worker RSS {r['rss_before_mb']} -> "
                        f"{r['rss_after_mb']} MB (peak {r['rss_peak_mb']})"
                    )
    finally:
        for server in {id(s): s for s in servers.values()}.values():
            server.stop()
    return {
        "size": size,
        "label": label(size),
        "build": build,
        "unloaded_ms": unloaded,
        "exports": [
            {"name": sc["name"], "rows": sc["rows"], "sql": sc.get("sql"), "paths": {s: sc.get(s) for s in SERVERS}}
            for sc in export_list
        ],
        "export_results": exported,
        "scenarios": [
            {k: sc.get(k) for k in ("name", "total", "page", "kind", "cold_ms")}
            | {
                "paths": {s: (sc[s] if isinstance(sc.get(s), str) or sc.get(s) is None else sc[s][0]) for s in SERVERS},
                "sql": sc.get("sql"),
            }
            for sc in scenario_list
        ],
        "results": results,
    }


def as_paths(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def per_answer(r: dict, requests: int) -> dict:
    """A result of wrk over an answer that takes ``requests`` requests: throughput and CPU per answer."""
    return r | {"rps": r["rps"] / requests, "cpu_ms": r["cpu_ms"] * requests, "requests_per_answer": requests}


# --------------------------------------------------------------------------------------------
# Exports


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (the peak since the last reset) of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def reset_peak(pid: int) -> bool:
    """Start a process's VmHWM over from its current RSS (Linux >= 4.0: clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def export_once(server: LiveServer, path: str, rows: int, timeout: float) -> dict:
    """One export, read to its end (bounded by ``timeout``): rows/s, MB/s, and the RSS of the
    worker that served it (the one that used the most CPU) before, after, and at its peak."""
    workers = [pid for pid in server.pids() if pid != server.process.pid] or server.pids()
    before = {pid: memory_mb(pid) for pid in workers}
    peaks = {pid: reset_peak(pid) for pid in workers}
    cpu_before = cpu_seconds(server)
    size = lines = 0
    started = time.monotonic()
    with urllib.request.urlopen(server.url + path, timeout=timeout) as response:
        while chunk := response.read(CHUNK):
            size += len(chunk)
            lines += chunk.count(b"\n")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{server.name} {path}: export not done after {timeout} s")
    seconds = time.monotonic() - started
    cpu_after = cpu_seconds(server)
    worker = max(workers, key=lambda pid: cpu_after.get(pid, 0.0) - cpu_before.get(pid, 0.0))
    after = memory_mb(worker)
    if lines < rows:
        raise RuntimeError(f"{server.name} {path}: {lines} lines for {rows} rows")
    return {
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 3),
        "rows_per_s": rows / seconds,
        "mb_per_s": size / 2**20 / seconds,
        "cpu_s": round(cpu_after.get(worker, 0.0) - cpu_before.get(worker, 0.0), 2),
        "rss_before_mb": round(before[worker]["VmRSS"]),
        "rss_after_mb": round(after["VmRSS"]),
        "rss_peak_mb": round(after["VmHWM"]) if peaks[worker] else None,
    }


# --------------------------------------------------------------------------------------------
# Report


def median(values):
    return statistics.median(values) if values else None


def summarize(run: dict) -> list[dict]:
    rows = []
    for name, by_server in run["results"].items():
        rounds = len(by_server["api"])
        for server in SERVERS:
            rs = by_server[server]
            if not rs:
                continue
            row = {
                "scenario": name,
                "server": server,
                "rps": median([r["rps"] for r in rs]),
                "p50": median([r["p50"] for r in rs]),
                "p99": median([r["p99"] for r in rs]),
                "cpu_ms": median([r["cpu_ms"] for r in rs]),
                "errors": sum(r["errors"] for r in rs),
            }
            if server == "api":
                lean = by_server["ds-lite"]
                if lean and row["cpu_ms"]:
                    row["cpu_x_ds-lite"] = median([r["cpu_ms"] for r in lean]) / row["cpu_ms"]
                for other in ("ds", "ds-lite", "floor"):
                    ors = by_server[other]
                    if ors:  # ratio of throughputs within each round, median over rounds
                        row[f"x_{other}"] = median(
                            [
                                by_server["api"][i]["rps"] / ors[i]["rps"] if ors[i]["rps"] else float("inf")
                                for i in range(rounds)
                            ]
                        )
            rows.append(row)
    return rows


def export_rows(run: dict) -> list[dict]:
    """Medians over the requests of each (export, server)."""
    rows = []
    for name, by_server in run.get("export_results", {}).items():
        for server in SERVERS:
            rs = by_server.get(server)
            if not rs:
                continue
            peaks = [r["rss_peak_mb"] for r in rs if r["rss_peak_mb"] is not None]
            rows.append(
                {
                    "export": name,
                    "server": server,
                    "rows": rs[0]["rows"],
                    "mb": median([r["bytes"] / 2**20 for r in rs]),
                    "seconds": median([r["seconds"] for r in rs]),
                    "rows_per_s": median([r["rows_per_s"] for r in rs]),
                    "mb_per_s": median([r["mb_per_s"] for r in rs]),
                    "cpu_s": median([r["cpu_s"] for r in rs]),
                    "rss_before_mb": median([r["rss_before_mb"] for r in rs]),
                    "rss_after_mb": median([r["rss_after_mb"] for r in rs]),
                    "rss_peak_mb": max(peaks) if peaks else None,
                }
            )
    return rows


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown(runs: list[dict], meta: dict) -> str:
    out = [
        f"Machine: {meta['machine']}  ",
        f"Versions: {meta['versions']}  ",
        f"Load: wrk, {meta['connections']} connections, 2 threads, `Connection: close`; "
        f"{meta['rounds']} rounds × {meta['duration']} s per (scenario, server), medians of rounds; "
        "ratios are api req/s ÷ other req/s within a round, median over rounds.",
        "",
    ]
    for run in runs:
        b = run["build"]
        out.append(f"### {run['label']} statements")
        out.append("")
        out.append(
            f"Build: {b['build_seconds']} s, peak RSS {b['peak_rss_mb']} MB, database {b['db_mb']} MB "
            f"(seeds {b['seeds_mb']} MB): {b['output']}  "
        )
        inc = b.get("incremental")
        if inc:
            out.append(
                f"Incremental rebuild after one changed annotation ({inc['document']}): "
                f"{inc['changed']['seconds']} s, {inc['changed']['rebuilt']} document(s) rebuilt, peak RSS "
                f"{inc['changed']['peak_rss_mb']} MB; undone: {inc['reverted']['seconds']} s (build "
                f"{inc['reverted']['build_id']}); nothing changed: {inc['unchanged']['seconds']} s  "
            )
        out.append(f"Unloaded latency of the first scenario (median of 15, ms): {run['unloaded_ms']}")
        out.append("")
        out.append(
            "| scenario | server | req/s | p50 ms | p99 ms | CPU ms/req | api ÷ ds | api ÷ ds-lite | api ÷ floor "
            "| ds-lite CPU ÷ api CPU |"
        )
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in summarize(run):
            out.append(
                f"| {row['scenario']} | {row['server']} | {fmt(row['rps'], 0)} | {fmt(row['p50'])} | {fmt(row['p99'])} "
                f"| {fmt(row['cpu_ms'], 2)} | {fmt(row.get('x_ds'))}{'×' if row.get('x_ds') else ''} "
                f"| {fmt(row.get('x_ds-lite'))}{'×' if row.get('x_ds-lite') else ''} "
                f"| {fmt(row.get('x_floor'), 2)}{'×' if row.get('x_floor') else ''} "
                f"| {fmt(row.get('cpu_x_ds-lite'))}{'×' if row.get('cpu_x_ds-lite') else ''} |"
            )
        cold = [s for s in run["scenarios"] if s.get("cold_ms") is not None]
        if cold:
            out.append("")
            out.append(
                "Facets: the API keeps each facet's counts per filter, so the loaded numbers are served from "
                "memory; its first, uncached request (in-process, ms): "
                + ", ".join(f"{s['name']} {s['cold_ms']}" for s in cold)
                + ". The floor runs every facet's SQL each time. Datasette's speaker facet is a second "
                "request (statement_speakers): its req/s and CPU are per answer, its latencies per request."
            )
        exports = export_rows(run)
        if exports:
            out.append("")
            out.append(
                "Exports of the whole table, one request at a time (medians of "
                f"{meta.get('export_requests', '?')}); RSS of the worker that served it, MB:"
            )
            out.append("")
            out.append("| export | server | rows | MB | s | rows/s | MB/s | worker CPU s | RSS before | after | peak |")
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for row in exports:
                out.append(
                    f"| {row['export']} | {row['server']} | {row['rows']:,} | {fmt(row['mb'])} | {fmt(row['seconds'], 2)} "
                    f"| {fmt(row['rows_per_s'], 0)} | {fmt(row['mb_per_s'])} | {fmt(row['cpu_s'], 2)} "
                    f"| {fmt(row['rss_before_mb'], 0)} | {fmt(row['rss_after_mb'], 0)} | {fmt(row['rss_peak_mb'], 0)} |"
                )
        deep = [s for s in run["scenarios"] if s.get("page")]
        if deep:
            out.append("")
            out.append(
                f"Deep page: the cursor chain reached page {deep[0]['page']} "
                f"(of {deep[0]['total']} matching statements)."
            )
        errors = [r for r in summarize(run) if r["errors"]]
        if errors:
            out.append("")
            out.append("Errors: " + ", ".join(f"{r['scenario']} {r['server']}: {r['errors']}" for r in errors))
        out.append("")
    if len(runs) > 1:
        out.append("### API CPU ms per request by size (flatness: largest ÷ smallest)")
        out.append("")
        out.append("| scenario | " + " | ".join(r["label"] for r in runs) + " | ratio |")
        out.append("|---|" + "---:|" * (len(runs) + 1))
        by = [{row["scenario"]: row for row in summarize(r) if row["server"] == "api"} for r in runs]
        for name in by[0]:
            values = [b[name]["cpu_ms"] for b in by if name in b]
            out.append(
                f"| {name} | " + " | ".join(fmt(v, 2) for v in values) + f" | {fmt(max(values) / min(values), 2)}× |"
            )
        out.append("")
    out.append(goals.goals_markdown(runs, summarize, export_rows))
    return "\n".join(out)


def machine_info(args) -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20

    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:
            return "?"

    versions = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": version([str(VENV / "python"), "-c", "import gunicorn;print(gunicorn.__version__)"]),
        "flask": version([str(VENV / "python"), "-c", "import importlib.metadata as m;print(m.version('flask'))"]),
        "datasette": version([str(BENCH_VENV / "python"), "-c", "import datasette.version as v;print(v.__version__)"]),
        "uvicorn": version([str(BENCH_VENV / "python"), "-c", "import uvicorn;print(uvicorn.__version__)"]),
        "wrk": version(["sh", "-c", "wrk --version 2>&1 | head -1"]).split(" [")[0],
    }
    return {
        "machine": f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.platform()}",
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "rounds": args.rounds,
        "duration": args.duration,
        "connections": args.connections,
        "export_requests": args.export_requests,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Load benchmark: this API vs Datasette vs a bare floor.")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10000,100000,1000000"))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 5)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--export-requests",
        type=int,
        default=int(os.environ.get("BENCH_EXPORT_REQUESTS", 3)),
        help="Requests of each whole-table export per server, one at a time (medians reported).",
    )
    parser.add_argument(
        "--export-timeout",
        type=float,
        default=float(os.environ.get("BENCH_EXPORT_TIMEOUT", 900)),
        help="Seconds one export may take before the run fails.",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        default=os.environ.get("BENCH_REBUILD", "1") == "1",
        help="Rebuild the databases even when present (default; BENCH_REBUILD=0 reuses them).",
    )
    parser.add_argument("--out", type=Path, default=WORK)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in re.split(r"[,\s]+", args.sizes.strip()) if s]
    WORK.mkdir(parents=True, exist_ok=True)
    meta = machine_info(args)
    runs = []
    for size in sizes:
        runs.append(benchmark_size(size, args))
        (args.out / "results.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1, default=str))
        report = markdown(runs, meta)
        (args.out / "results.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
