"""How long a rebuild takes after one annotation changed: the incremental build (issue 12).

After the full build of a size, one annotation in the middle of the corpus is changed (its first
statement's stance) and ``flask build-db`` is run as `make db` runs it: incremental, since the
database exists. Then the change is undone and the build run again (back to the full build's
database: same build id), and once more with nothing changed. Each run is timed with its peak RSS
(/usr/bin/time -v), and its output says how many documents it rebuilt.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

_STANCE = re.compile(r"(\n\s*-?\s*stance: )(\w+)")


def _build(flask: Path, root: Path, seeds: Path, db: Path) -> dict:
    started = time.monotonic()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", str(flask), "--app", "api", "build-db", "--seeds", str(seeds), "--out", str(db)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"incremental build failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    output = proc.stdout.strip().splitlines()[-1]
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    rebuilt = re.search(r"incremental: (\d+) document", output)
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(rss / 1024),
        "rebuilt": int(rebuilt.group(1)) if rebuilt else 0,
        "up_to_date": "up to date" in output,
        "build_id": re.search(r"build ([0-9a-f]+)", output).group(1),
    }


def measure_incremental(flask: Path, root: Path, seeds: Path, db: Path) -> dict:
    """{changed, reverted, unchanged: run}, the reverted run's build id the full build's."""
    annotations = sorted(p for p in seeds.glob("*.yaml") if p.stem not in ("actors", "places"))
    target = annotations[len(annotations) // 2]
    original = target.read_bytes()
    text = original.decode("utf-8")
    match = _STANCE.search(text)
    if match is None:
        raise RuntimeError(f"{target}: no statement to change")
    other = "praise" if match.group(2) != "praise" else "condemn"
    try:
        target.write_text(text[: match.start(2)] + other + text[match.end(2) :], encoding="utf-8")
        changed = _build(flask, root, seeds, db)
    finally:
        target.write_bytes(original)
    reverted = _build(flask, root, seeds, db)
    unchanged = _build(flask, root, seeds, db)
    return {"document": target.name, "changed": changed, "reverted": reverted, "unchanged": unchanged}
