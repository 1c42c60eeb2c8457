"""Incremental builds (data/build/update.py): after a change to the seeds, continuing from the
previous database gives the database a full build gives, having checked and rendered only the
documents that changed and those that depend on them; a failure leaves the database as it was."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from flask.cli import FlaskGroup

from api import create_app
from data.build import BuildFailed, build_database, check_corpus, update
from data.build.state import signature

from .conftest import generate_seeds

REGISTRIES = ("actors", "places")


def contents(path: Path) -> dict[str, list]:
    """Every row of every table, by content (not by where it is stored): the rows sorted, the
    rowids of the tables whose rowids the API reads included, and the full-text indexes as every
    (term, record, column, offset) they hold; the statistics and the build's timestamp left out."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts_%'"
        )
    ]
    out: dict[str, list] = {}
    for name in names:
        if name.endswith("_fts"):
            conn.execute(f"CREATE VIRTUAL TABLE temp.vocab_{name} USING fts5vocab(main, {name}, 'instance')")
            out[name] = sorted(conn.execute(f"SELECT * FROM temp.vocab_{name}").fetchall())
            continue
        columns = "rowid, *" if name in ("statements", "events") else "*"
        rows = conn.execute(f"SELECT {columns} FROM [{name}]").fetchall()
        if name == "meta":
            rows = [r for r in rows if r[0] != "built_at"]
        out[name] = sorted(rows, key=repr)
    conn.close()
    return out


def documents(seeds: Path) -> list[str]:
    return sorted(p.stem for p in seeds.glob("*.txt"))


def edit(seeds: Path, name: str, change) -> None:
    path = seeds / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """About 250 generated documents (the build uses its worker processes), referring to each
    other's events and sources."""
    return generate_seeds(2200, 11, tmp_path_factory.mktemp("incremental") / "seeds")


@pytest.fixture(scope="module")
def first_build(generated, tmp_path_factory) -> Path:
    return build_database(generated, tmp_path_factory.mktemp("first") / "corpus.db", full=True).path


@pytest.fixture
def corpus(generated, first_build, tmp_path) -> tuple[Path, Path]:
    """(a private copy of the seeds, a private copy of their full build)."""
    seeds, db = tmp_path / "seeds", tmp_path / "corpus.db"
    shutil.copytree(generated, seeds)  # copies timestamps too: the state's signatures still match
    shutil.copy2(first_build, db)
    return seeds, db


def _statement_summary(seeds: Path, db: Path) -> set[str]:
    name = documents(seeds)[17]

    def change(d):
        d["statements"][0]["summary"] += " (corrected)"
        d["statements"][0]["stance"] = "condemn" if d["statements"][0]["stance"] != "condemn" else "support"

    edit(seeds, name, change)
    return {name}


def _event_title(seeds: Path, db: Path) -> set[str]:
    """An event that events of other documents are related to: they embed its title (statements
    about another document's event: ``test_seeds_...`` below)."""
    (event, owner, other), *_ = query(
        db,
        "SELECT b.id, b.source_id, a.source_id FROM event_relations r JOIN events a ON a.id = r.event_id "
        "JOIN events b ON b.id = r.related_id WHERE a.source_id != b.source_id ORDER BY b.id",
    )

    def change(d):
        next(e for e in d["events"] if e["id"] == event)["title"] += " (retitled)"

    edit(seeds, owner, change)
    return {owner, other}


def _source_title(seeds: Path, db: Path) -> set[str]:
    """A source that another document cites as also reporting one of its events."""
    (cited, citing), *_ = query(
        db,
        "SELECT x.source_id, e.source_id FROM event_sources x JOIN events e ON e.id = x.event_id "
        "WHERE x.source_id != e.source_id ORDER BY x.source_id",
    )
    edit(seeds, cited, lambda d: d["document"].update(title=(d["document"]["title"] or "Untitled") + " (updated)"))
    return {cited, citing}


def _statement_date(seeds: Path, db: Path) -> set[str]:
    """A statement moves to another day: its rowid moves with it (schemas/sort_keys.py)."""
    name = documents(seeds)[40]
    window = {"not_before": "2001-02-03", "not_after": "2001-02-03", "reason": "moved by a test"}
    edit(seeds, name, lambda d: d["statements"][0].update(when=window))
    return {name}


def _new_document(seeds: Path, db: Path) -> set[str]:
    """A new article, numbered after the others (as ``flask new-source`` numbers it)."""
    model = documents(seeds)[5]
    new = f"{len(documents(seeds)):03d}_{'ab' * 8}"
    shutil.copy(seeds / f"{model}.txt", seeds / f"{new}.txt")
    data = yaml.safe_load((seeds / f"{model}.yaml").read_text(encoding="utf-8"))
    for kind in ("statements", "events", "casualties"):
        data.setdefault(kind, [])
    own = {r["id"] for kind in ("statements", "events", "casualties") for r in data[kind]}

    def renamed(value):
        return f"{value}-again" if value in own else value

    for st in data["statements"]:
        st["id"], st["event"] = renamed(st["id"]), renamed(st.get("event"))
    for ev in data["events"]:
        ev["id"], ev["related"] = renamed(ev["id"]), [renamed(r) for r in ev.get("related", [])]
    for cas in data["casualties"]:
        cas["id"], cas["statement"], cas["part_of"] = (
            renamed(cas["id"]),
            renamed(cas.get("statement")),
            renamed(cas.get("part_of")),
        )
    (seeds / f"{new}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {new}


def _removed_document(seeds: Path, db: Path) -> set[str]:
    """The last document, when nothing else refers to its records or its source."""
    name = documents(seeds)[-1]
    assert not query(
        db,
        f"SELECT 1 FROM statements s JOIN events e ON e.id = s.event_id WHERE e.source_id = '{name}' "
        f"AND s.source_id != '{name}' UNION SELECT 1 FROM event_sources x JOIN events e ON e.id = x.event_id "
        f"WHERE (x.source_id = '{name}') != (e.source_id = '{name}')",
    )
    (seeds / f"{name}.txt").unlink()
    (seeds / f"{name}.yaml").unlink()
    return set()


CHANGES = {
    "a statement's summary and stance": _statement_summary,
    "an event other documents refer to": _event_title,
    "a source other documents cite": _source_title,
    "a statement's date": _statement_date,
    "a new document": _new_document,
    "a removed document": _removed_document,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_incremental_build_gives_what_a_full_build_gives(change, corpus, tmp_path):
    seeds, db = corpus
    must_rebuild = CHANGES[change](seeds, db)
    report = build_database(seeds, db)
    full = build_database(seeds, tmp_path / "full.db", full=True)
    assert report.incremental and not full.incremental
    assert report.build_id == full.build_id and report.counts == full.counts == check_corpus(seeds)
    assert contents(db) == contents(tmp_path / "full.db")
    rebuilt = set(report.rebuilt)
    assert must_rebuild <= rebuilt, "the changed document and those that show what changed"
    assert len(rebuilt) <= 6, f"{len(rebuilt)} of {len(documents(seeds))} documents rebuilt: {sorted(rebuilt)}"


def test_seeds_statements_about_another_documents_event(seeds_copy, tmp_path):
    """In the seeds, statements of one article are about events the other one annotates."""
    db = build_database(seeds_copy, tmp_path / "corpus.db").path
    (event, owner, other), *_ = query(
        db,
        "SELECT e.id, e.source_id, s.source_id FROM statements s JOIN events e ON e.id = s.event_id "
        "WHERE s.source_id != e.source_id ORDER BY e.id",
    )
    edit(seeds_copy, owner, lambda d: next(e for e in d["events"] if e["id"] == event).update(title="Retitled"))
    report = build_database(seeds_copy, db)
    assert report.incremental and {owner, other} <= set(report.rebuilt)
    build_database(seeds_copy, tmp_path / "full.db", full=True)
    assert contents(db) == contents(tmp_path / "full.db")
    assert query(db, f"SELECT count(*) FROM statements WHERE event_id = '{event}' AND body LIKE '%Retitled%'")[0][0]


def test_the_served_api_answers_the_same_after_an_incremental_build(corpus, tmp_path):
    seeds, db = corpus
    _event_title(seeds, db)
    build_database(seeds, db)
    build_database(seeds, tmp_path / "full.db", full=True)
    served = [create_app({"TESTING": True, "DATABASE": str(path)}).test_client() for path in (db, tmp_path / "full.db")]
    for url in ("/events?q=retitled", "/events?q=retitled&include=actors", "/statements?limit=100&sort=date"):
        a, b = (client.get(url) for client in served)
        assert a.status_code == b.status_code == 200
        assert a.get_json() == b.get_json() and a.headers["ETag"] == b.headers["ETag"]
    assert served[0].get("/events?q=retitled").get_json()["meta"]["total"] > 0


def test_nothing_changed_writes_nothing(corpus):
    seeds, db = corpus
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    report = build_database(seeds, db)
    assert report.incremental and report.rebuilt == []
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before


def test_a_new_timestamp_on_the_same_bytes_rebuilds_nothing(corpus, monkeypatch):
    seeds, db = corpus
    names = documents(seeds)[3:6]
    for name in names:
        os.utime(seeds / f"{name}.yaml", ns=(1, 10**18))
    before = db.stat().st_mtime_ns
    first = build_database(seeds, db)
    assert first.incremental and first.rebuilt == []
    assert db.stat().st_mtime_ns == before  # a few files: nothing written (they are read again next time)
    monkeypatch.setattr(update, "_REFRESH_AT", 2)  # many files (a checkout): their timestamps are recorded
    assert build_database(seeds, db).rebuilt == []
    stamps = dict(query(db, "SELECT source_id, signature FROM build_documents"))
    assert all(stamps[name] == signature(seeds / f"{name}.txt") for name in names)


def test_a_failed_incremental_build_reports_what_a_full_build_reports_and_keeps_the_database(corpus, tmp_path):
    seeds, db = corpus
    before = db.read_bytes()
    name = documents(seeds)[9]
    edit(seeds, name, lambda d: d["statements"][0].update(event="no-such-event", stance="nonsense"))
    with pytest.raises(BuildFailed) as incremental:
        build_database(seeds, db)
    with pytest.raises(BuildFailed) as full:
        build_database(seeds, tmp_path / "full.db", full=True)
    assert [str(e) for e in incremental.value.errors] == [str(e) for e in full.value.errors]
    assert any("stance" in str(e) for e in full.value.errors)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name != "seeds") == ["corpus.db"]  # no temp files


def test_a_new_id_that_an_unchanged_later_document_has_fails_as_in_a_full_build(corpus, tmp_path):
    """The unchanged document is the one that reports the duplicate (it comes second)."""
    seeds, db = corpus
    first, later = documents(seeds)[2], documents(seeds)[30]
    taken = yaml.safe_load((seeds / f"{later}.yaml").read_text(encoding="utf-8"))["statements"][0]["id"]
    edit(seeds, first, lambda d: d["statements"][0].update(id=taken))
    with pytest.raises(BuildFailed) as incremental:
        build_database(seeds, db)
    with pytest.raises(BuildFailed) as full:
        build_database(seeds, tmp_path / "full.db", full=True)
    assert [str(e) for e in incremental.value.errors] == [str(e) for e in full.value.errors]
    assert any(f"duplicate statement id {taken!r}" in str(e) for e in full.value.errors)


def test_a_deleted_annotation_fails_as_in_a_full_build(corpus, tmp_path):
    seeds, db = corpus
    before = db.read_bytes()
    (seeds / f"{documents(seeds)[7]}.yaml").unlink()
    with pytest.raises(BuildFailed) as incremental:
        build_database(seeds, db)
    with pytest.raises(BuildFailed) as full:
        build_database(seeds, tmp_path / "full.db", full=True)
    assert [str(e) for e in incremental.value.errors] == [str(e) for e in full.value.errors]
    assert db.read_bytes() == before


def test_a_broken_reference_to_a_changed_document_fails_as_in_a_full_build(corpus, tmp_path):
    """Renaming an event that another document's event is related to: the other document did not
    change, and its reference must still be checked."""
    seeds, db = corpus
    (event, owner), *_ = query(
        db,
        "SELECT b.id, b.source_id FROM event_relations r JOIN events a ON a.id = r.event_id "
        "JOIN events b ON b.id = r.related_id WHERE a.source_id != b.source_id ORDER BY b.id",
    )
    edit(seeds, owner, lambda d: next(e for e in d["events"] if e["id"] == event).update(id=f"{event}-renamed"))
    with pytest.raises(BuildFailed) as incremental:
        build_database(seeds, db)
    assert any(f"unknown event id {event!r}" in str(e) for e in incremental.value.errors)
    with pytest.raises(BuildFailed) as full:
        build_database(seeds, tmp_path / "full.db", full=True)
    assert [str(e) for e in incremental.value.errors] == [str(e) for e in full.value.errors]


def test_a_changed_registry_builds_in_full(corpus):
    seeds, db = corpus
    path = seeds / "actors.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not build_database(seeds, db).incremental


def test_a_database_without_a_build_state_is_built_in_full(corpus):
    seeds, db = corpus
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE build_documents")
    conn.commit()
    conn.close()
    report = build_database(seeds, db)
    assert not report.incremental
    assert query(db, "SELECT count(*) FROM build_documents")[0][0] == len(documents(seeds))


def test_flask_build_db_is_incremental_unless_asked_for_a_full_build(corpus):
    seeds, db = corpus
    _statement_summary(seeds, db)
    app = create_app({"TESTING": True, "DATABASE": str(db), "SEEDS": str(seeds)})
    runner = CliRunner()
    group = FlaskGroup(create_app=lambda: app)
    incremental = runner.invoke(group, ["build-db"])
    assert incremental.exit_code == 0, incremental.output
    assert re.search(r"incremental: \d+ document\(s\) rebuilt", incremental.output), incremental.output
    again = runner.invoke(group, ["build-db"])
    assert "up to date" in again.output
    full = runner.invoke(group, ["build-db", "--full"])
    assert full.exit_code == 0 and "incremental" not in full.output and "up to date" not in full.output


def test_seeds_under_another_folder_name_build_in_full(corpus, tmp_path):
    """Errors and the recorded facts name files by the seeds folder (``seeds/x.yaml``)."""
    seeds, db = corpus
    moved = tmp_path / "annotations"
    seeds.rename(moved)
    assert not build_database(moved, db).incremental
