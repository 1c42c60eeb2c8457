"""The build: validation errors name file, record and field; a failed build changes nothing."""

import hashlib
import sqlite3

import pytest
import yaml

from api import create_app
from data.build import BuildFailed, build_database, check_corpus
from data.cli import build_db_command

from .conftest import SEEDS

DOC = "003_4c4acd25798775f3"
OTHER = "000_7dc1a4308702294b"
# The seed texts as received; the project must keep them byte for byte.
SEED_SHA256 = {
    "000_7dc1a4308702294b": "a2b611d82856fe328e59eaf9d06675fa48cf78f626e422e81aea7c7f7e2f5e5b",
    "003_4c4acd25798775f3": "fafe7b5189fbd875f92ab819e7ebebfe85097015aa24b1b8308a91a0f64d726c",
}


def edit(seeds, name, change):
    path = seeds / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def errors_of(seeds) -> list[str]:
    with pytest.raises(BuildFailed) as info:
        check_corpus(seeds)
    return [str(e) for e in info.value.errors]


def test_seed_texts_are_kept_byte_for_byte():
    for name, digest in SEED_SHA256.items():
        assert hashlib.sha256((SEEDS / f"{name}.txt").read_bytes()).hexdigest() == digest


def test_build_records_each_source_hash_and_length(built_db):
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    rows = dict(conn.execute("SELECT id, sha256 FROM sources"))
    assert rows == SEED_SHA256
    build_id = conn.execute("SELECT value FROM meta WHERE key = 'build_id'").fetchone()[0]
    assert len(build_id) == 16


def test_the_database_has_foreign_keys_indexes_and_full_text(built_db):
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in (
        "sources",
        "actors",
        "aliases",
        "places",
        "place_names",
        "event_places",
        "casualty_places",
        "statements",
        "statement_speakers",
        "statement_targets",
        "events",
        "event_claimants",
        "event_participants",
        "event_sources",
        "casualties",
        "statements_fts",
        "events_fts",
    ):
        assert table in tables
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {r[2] for r in conn.execute("PRAGMA foreign_key_list(statements)")}
    assert fks == {"events", "sources"}
    assert {r[2] for r in conn.execute("PRAGMA foreign_key_list(statement_speakers)")} == {"actors", "statements"}
    assert {r[2] for r in conn.execute("PRAGMA foreign_key_list(events)")} == {"places", "sources"}
    assert conn.execute("SELECT count(*) FROM statements_fts WHERE statements_fts MATCH 'Kursk'").fetchone()[0] > 0


def test_the_build_is_deterministic_in_its_id(tmp_path):
    a = build_database(SEEDS, tmp_path / "a.db")
    b = build_database(SEEDS, tmp_path / "b.db")
    assert a.build_id == b.build_id


def test_a_quote_that_is_not_verbatim_fails_with_file_record_and_field(seeds_copy):
    def change(data):
        index = next(i for i, s in enumerate(data["statements"]) if s.get("quote"))
        data["statements"][index]["quote"] = "words nobody said"
        change.index = index

    edit(seeds_copy, DOC, change)
    assert f"seeds/{DOC}.yaml: statements[{change.index}].quote: not found verbatim in {DOC}.txt" in errors_of(
        seeds_copy
    )


def test_an_unknown_actor_fails(seeds_copy):
    edit(seeds_copy, DOC, lambda d: d["statements"][1]["speakers"][0].update(actor="nobody-at-all"))
    assert f"seeds/{DOC}.yaml: statements[1].speakers[0].actor: unknown actor id 'nobody-at-all'" in errors_of(
        seeds_copy
    )


def test_an_affiliation_cycle_fails(seeds_copy):
    path = seeds_copy / "actors.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    actors = {a["id"]: a for a in data["actors"]}
    actors["south-korea"]["affiliation"] = next(
        a["id"] for a in data["actors"] if a.get("affiliation") == "south-korea"
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    errors = errors_of(seeds_copy)
    assert any(
        "affiliation cycle" in e and "south-korea" in e and e.startswith("seeds/actors.yaml: actors[") for e in errors
    ), errors


def test_an_uncovered_quotation_fails(seeds_copy):
    def change(data):
        quoted = [s for s in data["statements"] if s.get("quote")]
        data["statements"].remove(quoted[0])
        change.quote = quoted[0]["quote"]

    edit(seeds_copy, DOC, change)
    errors = errors_of(seeds_copy)
    assert any(
        e.startswith(f"seeds/{DOC}.yaml: statements: quotation at ")
        and "is not covered by any statement" in e
        and change.quote[:20] in e
        for e in errors
    ), errors


def test_a_quotation_covered_twice_fails(seeds_copy):
    def change(data):
        quoted = next(s for s in data["statements"] if s.get("quote"))
        data["statements"].append({**quoted, "id": quoted["id"] + "-again"})

    edit(seeds_copy, DOC, change)
    assert any("is already covered by statements[" in e for e in errors_of(seeds_copy))


def test_duplicate_ids_fail(seeds_copy):
    def change(data):
        data["statements"][1]["id"] = data["statements"][0]["id"]

    edit(seeds_copy, DOC, change)
    errors = errors_of(seeds_copy)
    assert any(e.startswith(f"seeds/{DOC}.yaml: statements[1].id: duplicate statement id") for e in errors), errors


def test_bad_enums_fail_without_knock_on_errors(seeds_copy):
    def change(data):
        data["statements"][2]["stance"] = "gloat"
        data["events"][0]["type"] = "picnic"

    edit(seeds_copy, DOC, change)
    errors = errors_of(seeds_copy)
    # The broken document is not loaded; the other one's references into it are not reported.
    assert all(e.startswith(f"seeds/{DOC}.yaml: ") for e in errors), errors
    assert any(e.startswith(f"seeds/{DOC}.yaml: statements[2].stance: must be one of:") for e in errors), errors
    assert any(e.startswith(f"seeds/{DOC}.yaml: events[0].type: must be one of:") for e in errors), errors


def test_an_unknown_field_and_a_missing_field_fail(seeds_copy):
    def change(data):
        data["statements"][0]["speakr"] = "x"
        del data["statements"][0]["summary"]

    edit(seeds_copy, OTHER, change)
    errors = errors_of(seeds_copy)
    assert f"seeds/{OTHER}.yaml: statements[0].speakr: Unknown field." in errors
    assert f"seeds/{OTHER}.yaml: statements[0].summary: Missing data for required field." in errors


def test_an_alias_naming_two_actors_fails(seeds_copy):
    path = seeds_copy / "actors.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    north = next(a for a in data["actors"] if a["id"] == "north-korea")
    north.setdefault("aliases", []).append("SEOUL")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("'SEOUL' already names actor 'south-korea'" in e for e in errors_of(seeds_copy))


@pytest.mark.parametrize(("registry", "entry"), [("actors.yaml", "north-korea"), ("places.yaml", "moscow")])
def test_a_name_with_a_comma_fails(seeds_copy, registry, entry):
    """Filters read a comma as between two values (actor=Seoul,Moscow): no name may have one."""
    path = seeds_copy / registry
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = next(a for a in data[registry.removesuffix(".yaml")] if a["id"] == entry)
    found.setdefault("aliases", []).append("Korea, North")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("'Korea, North' has a comma" in e for e in errors_of(seeds_copy))


def test_an_id_the_api_reserves_fails(seeds_copy):
    edit(seeds_copy, DOC, lambda d: d["statements"][0].update(id="facets"))
    assert any("is a path the API reserves" in e for e in errors_of(seeds_copy))


def test_a_text_without_annotations_fails(seeds_copy):
    (seeds_copy / f"{DOC}.yaml").unlink()
    assert f"seeds/{DOC}.yaml: missing: {DOC}.txt has no annotation file" in errors_of(seeds_copy)


def test_a_failed_build_leaves_the_previous_database_intact(seeds_copy, tmp_path):
    target = tmp_path / "corpus.db"
    first = build_database(seeds_copy, target)
    before = target.read_bytes()
    edit(seeds_copy, DOC, lambda d: d["statements"][0]["speakers"][0].update(actor="nobody-at-all"))
    with pytest.raises(BuildFailed):
        build_database(seeds_copy, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "seeds") == ["corpus.db"]  # no temp files left
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    assert conn.execute("SELECT value FROM meta WHERE key = 'build_id'").fetchone()[0] == first.build_id


def test_the_build_command_reports_errors_and_exits_non_zero(seeds_copy, tmp_path):
    edit(seeds_copy, DOC, lambda d: d["statements"][0]["speakers"][0].update(actor="nobody-at-all"))
    app = create_app({"DATABASE": str(tmp_path / "x.db"), "SEEDS": str(seeds_copy)})
    result = app.test_cli_runner().invoke(build_db_command, args=[], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"seeds/{DOC}.yaml: statements[0].speakers[0].actor: unknown actor id 'nobody-at-all'" in result.output
    assert "left as it was" in result.output
    assert not (tmp_path / "x.db").exists()


def test_the_check_command_validates_without_writing(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "x.db")})
    result = app.test_cli_runner().invoke(build_db_command, args=["--check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "valid:" in result.output
    assert not (tmp_path / "x.db").exists()


def test_flask_finds_the_build_command_through_its_entry_point(tmp_path):
    """`flask --app api build-db` comes from pyproject.toml's flask.commands entry point, not
    from the app (which never imports the build)."""
    from click.testing import CliRunner
    from flask.cli import FlaskGroup

    app = create_app({"DATABASE": str(tmp_path / "x.db")})
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), ["build-db", "--check"])
    assert result.exit_code == 0, result.output
    assert "valid: 2 sources" in result.output
    assert "build-db" not in app.cli.commands  # the app does not register it itself
