"""The build as a pipeline: one orchestration for --check and build, the same result with and
without worker processes, references across documents resolved from the first pass."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from data.build import BuildFailed, build_database, check_corpus, workers

from .conftest import generate_seeds

A, B = "000_7dc1a4308702294b", "003_4c4acd25798775f3"


def edit(seeds: Path, name: str, change) -> None:
    path = seeds / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def contents(path: Path) -> dict[str, list]:
    """Every row of every table (full-text shadow tables included), but the build's timestamp."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    without_rowid = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE '%WITHOUT ROWID%'")}
    rows = {
        t: conn.execute(f"SELECT * FROM [{t}]" + ("" if t in without_rowid else " ORDER BY rowid")).fetchall()
        for t in tables
        if t != "meta"
    }
    rows["meta"] = conn.execute("SELECT * FROM meta WHERE key != 'built_at' ORDER BY key").fetchall()
    conn.close()
    return rows


@pytest.fixture(scope="module")
def synthetic_seeds(tmp_path_factory) -> Path:
    """About 250 generated documents: enough for the build to use its worker processes."""
    seeds = generate_seeds(2200, 7, tmp_path_factory.mktemp("pipeline") / "seeds")
    assert len(list(seeds.glob("*.txt"))) >= workers.PARALLEL_MIN_JOBS
    return seeds


def test_worker_processes_and_a_single_process_build_the_same_database(synthetic_seeds, tmp_path, monkeypatch):
    pooled = build_database(synthetic_seeds, tmp_path / "pooled.db")
    monkeypatch.setattr(workers, "PARALLEL_MIN_JOBS", 10**9)
    single = build_database(synthetic_seeds, tmp_path / "single.db")
    assert pooled.build_id == single.build_id
    assert pooled.counts == single.counts == check_corpus(synthetic_seeds)
    assert contents(tmp_path / "pooled.db") == contents(tmp_path / "single.db")


def test_check_and_build_report_the_same_errors_in_the_same_order(seeds_copy, tmp_path):
    edit(
        seeds_copy,
        A,
        lambda d: (
            d["statements"][0]["speakers"][0].update(actor="nobody"),
            d["statements"][0].update(event="no-such-event"),
        ),
    )
    edit(
        seeds_copy,
        B,
        lambda d: (d["statements"][2].update(id=d["statements"][0]["id"]), d["casualties"][0].update(value=123457)),
    )
    with pytest.raises(BuildFailed) as checked:
        check_corpus(seeds_copy)
    with pytest.raises(BuildFailed) as built:
        build_database(seeds_copy, tmp_path / "x.db")
    errors = [str(e) for e in checked.value.errors]
    assert errors == [str(e) for e in built.value.errors]
    assert errors[0] == f"seeds/{A}.yaml: statements[0].speakers[0].actor: unknown actor id 'nobody'"
    assert errors[1].startswith(f"seeds/{B}.yaml: statements[2].id: duplicate statement id")
    assert errors[2] == f"seeds/{B}.yaml: casualties[0].value: 123457 does not appear in its anchor"
    # References across documents come last, once every document has been read.
    assert errors[3] == f"seeds/{A}.yaml: statements[0].event: unknown event id 'no-such-event'"
    assert not (tmp_path / "x.db").exists()


def errors_of(seeds: Path) -> list[str]:
    with pytest.raises(BuildFailed) as info:
        check_corpus(seeds)
    return [str(e) for e in info.value.errors]


def test_documents_that_cannot_be_read_are_reported_first(seeds_copy):
    edit(seeds_copy, A, lambda d: d["statements"][0]["speakers"][0].update(actor="nobody"))
    (seeds_copy / f"{B}.yaml").write_text("document: [unclosed\n", encoding="utf-8")
    errors = errors_of(seeds_copy)
    assert errors[0].startswith(f"seeds/{B}.yaml: cannot be read: while parsing a flow sequence")
    assert errors[1:] == [
        f"seeds/{B}.yaml: document: Missing data for required field.",
        f"seeds/{A}.yaml: statements[0].speakers[0].actor: unknown actor id 'nobody'",
    ]  # and no reference errors: B's records would all be reported unknown


def test_a_repeated_id_is_reported_in_record_order(seeds_copy):
    def change(d):
        d["statements"][0]["speakers"][0]["actor"] = "nobody-0"
        d["statements"][3].update(id=d["statements"][1]["id"])
        d["statements"][3]["speakers"][0]["actor"] = "nobody-3"
        d["statements"][5]["speakers"][0]["actor"] = "nobody-5"
        change.repeated = d["statements"][1]["id"]

    edit(seeds_copy, B, change)
    assert errors_of(seeds_copy) == [
        f"seeds/{B}.yaml: statements[0].speakers[0].actor: unknown actor id 'nobody-0'",
        f"seeds/{B}.yaml: statements[3].id: duplicate statement id {change.repeated!r} (first in seeds/{B}.yaml)",
        f"seeds/{B}.yaml: statements[3].speakers[0].actor: unknown actor id 'nobody-3'",
        f"seeds/{B}.yaml: statements[5].speakers[0].actor: unknown actor id 'nobody-5'",
    ]


def test_an_unknown_outlet_is_an_error_even_where_another_document_cites_that_source(seeds_copy, tmp_path):
    # 003 has events that 000 also reports: rendering them needs 000's source, outlet included.
    text = (seeds_copy / f"{B}.yaml").read_text(encoding="utf-8")
    assert A in text
    edit(seeds_copy, A, lambda d: d["document"].update(outlet="no-such-outlet"))
    with pytest.raises(BuildFailed) as info:
        build_database(seeds_copy, tmp_path / "x.db")
    assert [str(e) for e in info.value.errors] == [
        f"seeds/{A}.yaml: document.outlet: unknown actor id 'no-such-outlet'"
    ]


def test_a_casualty_can_cite_a_statement_of_another_document(seeds_copy, tmp_path):
    cited = yaml.safe_load((seeds_copy / f"{A}.yaml").read_text(encoding="utf-8"))["statements"][0]
    edit(seeds_copy, B, lambda d: d["casualties"][0].update(statement=cited["id"]))
    build_database(seeds_copy, tmp_path / "x.db")
    conn = sqlite3.connect(f"file:{tmp_path / 'x.db'}?mode=ro", uri=True)
    body = json.loads(conn.execute("SELECT body FROM casualties WHERE statement_id = ?", [cited["id"]]).fetchone()[0])
    assert body["statement"] == {"id": cited["id"], "summary": cited["summary"]}
