"""The targets of the performance issues, checked against a run: one table, figure and ratio per
target, for the largest corpus of the run (and each size where a target names sizes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, Any]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def goals_markdown(
    runs: list[dict], summarize: Callable[[dict], list[Row]], export_rows: Callable[[dict], list[Row]]
) -> str:
    if not runs:
        return ""
    by_size = {run["label"]: run for run in runs}
    last = runs[-1]
    rows = summarize(last)
    api = {r["scenario"]: r for r in rows if r["server"] == "api"}
    other = {(r["scenario"], r["server"]): r for r in rows}
    lists = [name for name in api if "facets" not in name]
    full_text = [name for name in lists if name.startswith("statements?q=")]
    facets = [name for name in api if "facets" in name]
    out = [f"### Against the targets ({last['label']} statements unless a size is named; this run)", ""]
    out += ["| target | result | |", "|---|---|---|"]

    def line(target: str, result: str, met: bool | None) -> None:
        out.append(f"| {target} | {result} | {'met' if met else 'not met' if met is not None else ''} |")

    # 1. Full text at the floor.
    for name in full_text:
        p99 = api[name]["p99"]
        line(f"`{name}` p99 < 15 ms", f"{_fmt(p99)} ms", p99 < 15)
    if len(runs) > 1:
        first = {r["scenario"]: r for r in summarize(runs[0]) if r["server"] == "api"}
        for name in full_text:
            matching = [n for n in first if n.split(" (")[0].split("=")[0] == name.split(" (")[0].split("=")[0]]
            key = name if name in first else (matching[-1] if " (rare)" in name and matching else None)
            if key is None:
                continue
            ratio = api[name]["cpu_ms"] / first[key]["cpu_ms"]
            line(
                f"`{name}` CPU/request flat {runs[0]['label']} → {last['label']} within 1.5×",
                f"{_fmt(first[key]['cpu_ms'], 2)} → {_fmt(api[name]['cpu_ms'], 2)} ms: {_fmt(ratio, 2)}×",
                ratio <= 1.5,
            )
    # 2. Every list scenario against the floor and Datasette-lean (server CPU per request).
    for name in lists:
        floor = api[name].get("x_floor")
        lean = other.get((name, "ds-lite"))
        cpu_ratio = lean["cpu_ms"] / api[name]["cpu_ms"] if lean else None
        parts = [f"{_fmt(floor, 2)}× the floor (req/s)"]
        if cpu_ratio is not None:
            parts.append(f"{_fmt(cpu_ratio)}× less CPU than ds-lite")
        floor_row = other.get((name, "floor"))
        if floor is None or floor == float("inf") or not floor_row or not floor_row["rps"]:
            # The floor answered nothing in the window (starved, or past wrk's timeout): no ratio.
            line(f"`{name}` ≥ 0.8× floor, ≥ 10× ds-lite CPU", "the floor was not measured in this run", None)
            continue
        ok = floor >= 0.8 and (cpu_ratio is None or cpu_ratio >= 10)
        line(f"`{name}` ≥ 0.8× floor, ≥ 10× ds-lite CPU", ", ".join(parts), ok)
    # 3. Facets.
    for name in facets:
        ds = other.get((name, "ds"))
        ratio = ds["cpu_ms"] / api[name]["cpu_ms"] if ds else None
        cold = next((s.get("cold_ms") for s in last["scenarios"] if s["name"] == name), None)
        line(
            f"`{name}` p99 < 50 ms, ≥ 10× Datasette `_facet`",
            f"p99 {_fmt(api[name]['p99'])} ms (first, uncached: {_fmt(cold)} ms); "
            f"{_fmt(ratio)}× less CPU than ds, {_fmt(api[name].get('x_ds'))}× its req/s",
            api[name]["p99"] < 50 and ratio is not None and ratio >= 10,
        )
    # 4. Exports.
    for row in export_rows(last):
        if row["server"] != "api":
            continue
        drift = row["rss_after_mb"] / row["rss_before_mb"] - 1 if row["rss_before_mb"] else None
        line(
            f"`{row['export']}` ≥ 200k rows/s, worker RSS flat ±10%",
            f"{_fmt(row['rows_per_s'], 0)} rows/s; RSS {_fmt(row['rss_before_mb'], 0)} → "
            f"{_fmt(row['rss_after_mb'], 0)} MB (peak {_fmt(row['rss_peak_mb'], 0)})",
            row["rows_per_s"] >= 200_000 and drift is not None and abs(drift) <= 0.10,
        )
    # 5. Builds.
    for label, run in by_size.items():
        build = run["build"]
        inc = build.get("incremental")
        if inc:
            share = inc["changed"]["seconds"] / build["build_seconds"]
            line(
                f"{label}: rebuild after one changed annotation ≤ 5% of a full build",
                f"{inc['changed']['seconds']} s ({inc['changed']['rebuilt']} document(s) rebuilt; undone: "
                f"{inc['reverted']['seconds']} s; nothing changed: {inc['unchanged']['seconds']} s) of "
                f"{build['build_seconds']} s: {_fmt(100 * share)}%",
                share <= 0.05,
            )
    if last["size"] >= 1_000_000:
        b = last["build"]
        line(
            "full 1M build < 120 s, peak RSS < 2 GB",
            f"{b['build_seconds']} s, {b['peak_rss_mb']} MB",
            b["build_seconds"] < 120 and b["peak_rss_mb"] < 2048,
        )
    # 6. What must hold.
    seoul = next((n for n in lists if n.startswith("statements?actor=Seoul (page 1")), None)
    if seoul:
        line(
            "`statements?actor=Seoul` ≥ 10× Datasette",
            f"{_fmt(api[seoul].get('x_ds'))}× (req/s)",
            (api[seoul].get("x_ds") or 0) >= 10,
        )
    deep = next((n for n in lists if n.startswith("statements?actor=Seoul (page") and n != seoul), None)
    if seoul and deep:
        line(
            "deep cursor page costs what page 1 costs",
            f"page 1 {_fmt(api[seoul]['cpu_ms'], 2)} CPU ms, p99 {_fmt(api[seoul]['p99'])} ms; deep "
            f"{_fmt(api[deep]['cpu_ms'], 2)} CPU ms, p99 {_fmt(api[deep]['p99'])} ms",
            api[deep]["cpu_ms"] <= 1.2 * api[seoul]["cpu_ms"],
        )
    worst = max(lists, key=lambda n: api[n]["p99"])
    line(
        "p99 < 25 ms for every list scenario", f"worst: `{worst}` {_fmt(api[worst]['p99'])} ms", api[worst]["p99"] < 25
    )
    out.append("")
    return "\n".join(out)
