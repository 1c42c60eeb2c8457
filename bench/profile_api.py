"""Where a request's time goes: py-spy samples both gunicorn workers while wrk loads one URL.

    .venv/bin/python bench/profile_api.py bench/work/1M/corpus.db '/statements?actor=Seoul' [seconds]

Prints the share of samples per function (own time) and per project or library frame on the
stack (inclusive), over both workers. py-spy comes from the bench venv (`make bench-deps`).
"""

from __future__ import annotations

import collections
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


def main() -> int:
    db, url = Path(sys.argv[1]).resolve(), sys.argv[2]
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    work = Path(tempfile.mkdtemp(prefix="profile-"))
    server = run.start_api(db, work / "api.log")
    try:
        workers = [p for p in server.pids() if p != server.process.pid]
        run.run_wrk(server, [url], 2, 16, work)  # warm up
        spies = [
            subprocess.Popen(
                [
                    str(run.BENCH_VENV / "py-spy"),
                    "record",
                    "-p",
                    str(pid),
                    "-d",
                    str(seconds),
                    "-r",
                    "200",
                    "-f",
                    "raw",
                    "-o",
                    str(work / f"{pid}.txt"),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid in workers
        ]
        result = run.run_wrk(server, [url], seconds, 16, work)
        for spy in spies:
            spy.wait(timeout=seconds + 60)
    finally:
        server.stop()
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for path in work.glob("*.txt"):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            n = int(count)
            frames = [f for f in stack.split(";") if f]
            total += n
            if frames:
                own[_name(frames[-1])] += n
            for name in {_name(f) for f in frames}:
                inclusive[name] += n
    print(
        f"{url}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
        f"CPU {result['cpu_ms']:.2f} ms/req; {total} samples"
    )
    print("\nown time (top 20):")
    for name, n in own.most_common(20):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("\ninclusive, project code and key libraries (top 25):")
    keys = (
        "api/",
        "schemas/",
        "data/",
        "flask_smorest",
        "webargs",
        "marshmallow",
        "werkzeug",
        "sqlite3",
        "gunicorn",
        "json",
    )
    for name, n in [(k, v) for k, v in inclusive.most_common() if any(s in k for s in keys)][:25]:
        print(f"  {100 * n / total:5.1f}%  {name}")
    return 0


def _name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"
    func, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    short = "/".join(path.split("/")[-2:])
    return f"{func} ({short})"


if __name__ == "__main__":
    sys.exit(main())
