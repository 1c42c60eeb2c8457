"""Sustained load against the production server (gunicorn) on 127.0.0.1, with wrk.

    .venv/bin/python scripts/soak.py                    # 64 connections, 60 s, on the seeds' database
    .venv/bin/python scripts/soak.py --synthetic 20000  # on a generated corpus of 20,000 statements
    .venv/bin/python scripts/soak.py --duration 10      # the short run that `make test` does

Starts gunicorn (api/gunicorn_conf.py, as `make serve` does) on a free port of 127.0.0.1, reads
a mix of list, filter, full-text, deep-cursor and get-by-id URLs from the served data, warms up,
then runs wrk with that mix while sampling the RSS of every worker from /proc. Passes (exit 0)
when no request failed (no socket error, no timeout, no status other than 200) and the mean RSS
of each worker in the last quarter of the run is within 10% of its mean in the first quarter.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.live_server import LiveServer, wrk_command  # noqa: E402  (gunicorn on 127.0.0.1, as `make serve`)

CATEGORIES = ("list", "filter", "full-text", "deep-cursor", "get-by-id")
RSS_TOLERANCE = 0.10

LUA = r"""
local paths = %(paths)s
local counter = 0
statuses = {}
threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Accept-Encoding"] = "gzip"})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%%d": %%d', status, n))
  end
  io.write(string.format(
    'SOAK_RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_ms": {"p50": %%.2f, "p99": %%.2f, "max": %%.2f}, "statuses": {%%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    table.concat(parts, ", ")))
end
"""


def fetch(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.load(response)


def discover(base: str, per_category: int = 200, seed: int = 1) -> dict[str, list[str]]:
    """The request mix, read from the served data itself."""
    rng = random.Random(seed)
    mix = {c: [] for c in CATEGORIES}
    for resource in ("statements", "events", "casualties", "actors", "sources"):
        mix["list"] += [f"/{resource}", f"/{resource}?limit=100"]
    mix["list"] += ["/statements?sort=date&limit=50", "/actors?sort=-name", "/sources?sort=date"]

    actors = fetch(base, "/actors?limit=100")["data"]
    names = [a["name"] for a in actors][:25]
    for name in names:
        mix["filter"] += [
            "/statements?" + urlencode({"actor": name}),
            "/statements?" + urlencode({"target": name, "include_affiliates": "false"}),
            "/events?" + urlencode({"actor": name}),
            "/casualties?" + urlencode({"claimed_by": name}),
            "/actors?" + urlencode({"affiliated_with": name}),
        ]
    mix["filter"] += ["/statements?since=2024-01-01&until=2025-12-31", "/events?since=2025-01-01", "/actors?kind=state"]
    statements = fetch(base, "/statements?limit=100")["data"]
    for stance in sorted({s["stance"] for s in statements}):
        mix["filter"].append(f"/statements?stance={stance}")

    words = sorted({w.strip(".,\"'()").lower() for s in statements for w in (s.get("summary") or "").split()})
    words = [w for w in words if len(w) >= 5 and w.isalpha()] or ["korea"]
    for word in rng.sample(words, min(40, len(words))):
        mix["full-text"] += [
            "/statements?" + urlencode({"q": word}),
            "/events?" + urlencode({"q": word}),
            "/statements?" + urlencode({"q": word[:4] + "*", "limit": 50}),
        ]
    for name in names:
        mix["full-text"].append("/actors?" + urlencode({"q": name[:3]}))

    for resource, sort in (("statements", "-date"), ("events", "date"), ("actors", "name")):
        total = fetch(base, f"/{resource}?limit=1")["meta"]["total"]
        size = max(1, min(100, total // 10))  # at least ten pages, however small the corpus
        cursors, path, pages = [], f"/{resource}?limit={size}&sort={sort}", 0
        while path and pages < 500:
            body = fetch(base, path)
            pages += 1
            if body["meta"]["next_cursor"]:
                cursors.append(body["meta"]["next_cursor"])
            path = body["links"]["next"]
        deep = cursors[len(cursors) // 2 :] or cursors
        for cursor in deep:
            mix["deep-cursor"].append(
                f"/{resource}?" + urlencode({"sort": sort, "limit": min(size, 20), "cursor": cursor})
            )

    for resource in ("statements", "events", "casualties", "actors", "sources"):
        for record in fetch(base, f"/{resource}?limit=100")["data"]:
            mix["get-by-id"].append(f"/{resource}/{quote(record['id'], safe='')}")

    for category, urls in mix.items():
        if not urls:
            raise SystemExit(f"soak: the data gives no {category} request; is the database empty?")
        rng.shuffle(urls)
        mix[category] = [urls[i % len(urls)] for i in range(per_category)]
    return mix


def interleave(mix: dict[str, list[str]]) -> list[str]:
    """Round-robin over the categories, so any stretch of the run has the whole mix."""
    return [mix[c][i] for i in range(len(next(iter(mix.values())))) for c in CATEGORIES]


def check_mix(base: str, urls: list[str]) -> None:
    """Every URL of the mix answers 200 before the load starts (a bad mix is not a load error)."""
    for url in dict.fromkeys(urls):
        with urllib.request.urlopen(base + url, timeout=30) as response:
            assert response.status == 200, url


class RssSampler(threading.Thread):
    def __init__(self, server: LiveServer, interval: float):
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.samples: list[tuple[float, int, int]] = []  # (time, pid, rss KiB)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            now = time.monotonic()
            for pid in self.server.worker_pids():
                rss = rss_kib(pid)
                if rss:
                    self.samples.append((now, pid, rss))
            self.halt.wait(self.interval)


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_by_worker(samples, start: float, end: float) -> dict[int, dict]:
    quarter = (end - start) / 4
    result = {}
    for pid in sorted({p for _, p, _ in samples}):
        mine = [(t, r) for t, p, r in samples if p == pid and start <= t <= end]
        first = [r for t, r in mine if t < start + quarter]
        last = [r for t, r in mine if t >= end - quarter]
        if not first or not last:
            result[pid] = {"first_kib": None, "last_kib": None, "change": None, "samples": len(mine)}
            continue
        a, b = sum(first) / len(first), sum(last) / len(last)
        result[pid] = {
            "first_kib": round(a),
            "last_kib": round(b),
            "change": (b - a) / a,
            "min_kib": min(r for _, r in mine),
            "max_kib": max(r for _, r in mine),
            "samples": len(mine),
        }
    return result


def run_wrk(url: str, script: Path, duration: float, connections: int, threads: int) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("soak: wrk is not installed; `make test` (mk/reliability.mk) installs it with apt-get")
    cmd = wrk_command(url, script, duration, connections, threads, wrk=wrk)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("SOAK_RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    result = json.loads(line.removeprefix("SOAK_RESULT "))
    result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
    return result


def failures(result: dict) -> int:
    socket_errors = sum(v for k, v in result["errors"].items() if k != "status")
    other_statuses = sum(n for status, n in result["statuses"].items() if status != 200)
    return socket_errors + other_statuses + result["errors"]["status"]


def soak(
    database: Path,
    duration: float = 60,
    connections: int = 64,
    threads: int = 2,
    workers: int = 2,
    warmup: float = 5,
    sample_every: float = 0.5,
    log=print,
) -> dict:
    with LiveServer(database, workers=workers) as server:
        mix = discover(server.url)
        urls = interleave(mix)
        check_mix(server.url, urls)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "mix.lua"
            script.write_text(LUA % {"paths": "{" + ",".join(json.dumps(u) for u in urls) + "}"})
            log(
                f"soak: {server.url}, {workers} workers, {connections} connections; mix of {len(urls)} requests: "
                + ", ".join(f"{len(set(v))} distinct {k}" for k, v in mix.items())
            )
            warm = run_wrk(server.url, script, warmup, connections, threads) if warmup else None
            pids_before = server.worker_pids()
            sampler = RssSampler(server, sample_every)
            sampler.start()
            started = time.monotonic()
            result = run_wrk(server.url, script, duration, connections, threads)
            ended = time.monotonic()
            sampler.halt.set()
            sampler.join()
            pids_after = server.worker_pids()
    rss = rss_by_worker(sampler.samples, started, ended)
    result.update(
        warmup=warm,
        workers_before=pids_before,
        workers_after=pids_after,
        rss=rss,
        failures=failures(result) + (failures(warm) if warm else 0),
        rps=result["requests"] / (result["duration_us"] / 1e6),
    )
    flat = all(w["change"] is not None and abs(w["change"]) <= RSS_TOLERANCE for w in rss.values()) and bool(rss)
    result["rss_flat"] = flat
    result["passed"] = result["failures"] == 0 and flat and pids_before == pids_after and result["requests"] > 0
    log(
        f"soak: {result['requests']} requests in {result['duration_us'] / 1e6:.1f} s ({result['rps']:.0f}/s)"
        + (f" after {warm['requests']} warm-up requests" if warm else "")
        + f"; statuses {result['statuses']}; socket errors {result['errors']}; failures {result['failures']}"
    )
    log(
        f"soak: latency p50 {result['latency_ms']['p50']} ms, p99 {result['latency_ms']['p99']} ms, "
        f"max {result['latency_ms']['max']} ms"
    )
    for pid, w in rss.items():
        if w["change"] is None:
            log(f"soak: worker {pid}: too few RSS samples ({w['samples']})")
            continue
        log(
            f"soak: worker {pid}: RSS first quarter {w['first_kib'] / 1024:.1f} MiB, last quarter "
            f"{w['last_kib'] / 1024:.1f} MiB ({w['change']:+.1%}; min {w['min_kib'] / 1024:.1f}, "
            f"max {w['max_kib'] / 1024:.1f} MiB, {w['samples']} samples)"
        )
    if pids_before != pids_after:
        log(f"soak: workers changed during the run: {pids_before} -> {pids_after}")
    log("soak: PASSED" if result["passed"] else "soak: FAILED")
    return result


def database_for(args, workdir: Path) -> Path:
    from data.build import build_database

    if args.database:
        return args.database
    if args.synthetic:
        seeds = workdir / "seeds"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "generate.py"),
                "--statements",
                str(args.synthetic),
                "--seed",
                str(args.seed),
                "--out",
                str(seeds),
            ],
            check=True,
            timeout=1800,
        )
    else:
        seeds = ROOT / "seeds"
    database = workdir / "corpus.db"
    report = build_database(seeds, database)
    print(f"soak: built {database} from {seeds}: {report.counts}")
    return database


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="Seconds of measured load (default 60).")
    parser.add_argument("--connections", type=int, default=64, help="Concurrent connections (default 64).")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as `make serve`).")
    parser.add_argument("--warmup", type=float, default=5, help="Seconds of load before measuring (default 5).")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--database", type=Path, help="Serve this built database (default: build seeds/).")
    source.add_argument("--synthetic", type=int, metavar="N", help="Serve a generated corpus of N statements.")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the generated corpus.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        database = database_for(args, Path(tmp))
        result = soak(database, args.duration, args.connections, args.threads, args.workers, args.warmup)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
