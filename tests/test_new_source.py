"""Adding an article is a guided step: `flask new-source` copies the text into the seeds folder
under the naming rule and writes a draft annotation; the build refuses the draft, naming each
TODO, until an analyst has coded it; coded, it builds."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from flask.cli import FlaskGroup
from hypothesis import given, settings
from hypothesis import strategies as st

from api import create_app
from data import text
from data.build import BuildFailed, build_database, check_corpus
from data.build.load import todo_paths
from data.cli import build_db_command, new_source_command
from data.draft import DraftError, Names, draft_annotation, find_quotations, new_source, next_number, registry, scalar

from .conftest import ROOT, SEEDS

ARTICLE = ROOT / "tests" / "fixtures" / "new_article.txt"
SEED_PAIRS = ("000_7dc1a4308702294b", "003_4c4acd25798775f3")
# The rule: one more than the highest number in the folder (000 and 003: 001 and 002 are retired).
NEXT_ID = "004_" + hashlib.sha256(ARTICLE.read_bytes()).hexdigest()[:16]
SPAN_COMMENT = re.compile(r"^# quotation at chars (\d+)-(\d+)$", re.MULTILINE)


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """The real registries and the two coded seeds, in a folder of their own."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("actors.yaml", "places.yaml", *(f"{pair}{ext}" for pair in SEED_PAIRS for ext in (".txt", ".yaml"))):
        shutil.copyfile(SEEDS / name, seeds / name)
    return seeds


def invoke(seeds: Path, *args: str):
    app = create_app({"TESTING": True, "DATABASE": str(seeds.parent / "x.db"), "SEEDS": str(seeds)})
    return app.test_cli_runner().invoke(new_source_command, args=list(args), catch_exceptions=False)


def listing(seeds: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(seeds.iterdir())}


def errors_of(seeds: Path) -> list[str]:
    with pytest.raises(BuildFailed) as info:
        check_corpus(seeds)
    return [str(e) for e in info.value.errors]


# -- the copy and its name ------------------------------------------------------------------


def test_the_command_copies_the_text_byte_for_byte_under_the_naming_rule(corpus):
    result = invoke(corpus, str(ARTICLE), "--published", "2025-05-07")
    assert result.exit_code == 0, result.output
    assert (corpus / f"{NEXT_ID}.txt").read_bytes() == ARTICLE.read_bytes()
    assert (corpus / f"{NEXT_ID}.yaml").is_file()
    assert sorted(set(listing(corpus)) - {"actors.yaml", "places.yaml"}) == sorted(
        [f"{NEXT_ID}.txt", f"{NEXT_ID}.yaml", *(f"{p}{e}" for p in SEED_PAIRS for e in (".txt", ".yaml"))]
    )
    assert "3 quotation(s), 2 with a speaker found" in result.output
    assert "make check" in result.output


def test_flask_finds_the_new_source_command_through_its_entry_point(corpus):
    app = create_app({"TESTING": True, "DATABASE": str(corpus.parent / "x.db")})
    result = CliRunner().invoke(
        FlaskGroup(create_app=lambda: app), ["new-source", str(ARTICLE), "--seeds", str(corpus)]
    )
    assert result.exit_code == 0, result.output
    assert (corpus / f"{NEXT_ID}.txt").read_bytes() == ARTICLE.read_bytes()
    assert "new-source" not in app.cli.commands  # the app does not register it itself


def test_the_library_numbers_each_new_text_after_the_highest(corpus, tmp_path):
    assert next_number(corpus) == 4
    first = new_source(ARTICLE, corpus)
    assert first.text_path == corpus / f"{NEXT_ID}.txt"
    assert first.annotation_path == corpus / f"{NEXT_ID}.yaml"
    assert first.text_path.read_bytes() == ARTICLE.read_bytes()
    other = tmp_path / "other.txt"
    other.write_bytes(ARTICLE.read_bytes().replace(b"Wednesday", b"Thursday"))
    second = new_source(other, corpus)
    assert second.text_path.name == f"005_{hashlib.sha256(other.read_bytes()).hexdigest()[:16]}.txt"
    assert second.text_path.read_bytes() == other.read_bytes()


def test_an_article_dropped_into_the_folder_first_is_added_all_the_same(corpus):
    dropped = corpus / "incoming.txt"
    shutil.copyfile(ARTICLE, dropped)
    added = new_source(dropped, corpus)
    assert added.text_path == corpus / f"{NEXT_ID}.txt"  # the build will ask for incoming.txt to go


# -- the draft ------------------------------------------------------------------------------


def test_the_draft_lists_each_quotation_verbatim_with_its_exact_span(corpus):
    added = new_source(ARTICLE, corpus)
    body = ARTICLE.read_text(encoding="utf-8")
    draft = added.annotation_path.read_text(encoding="utf-8")
    statements = yaml.safe_load(draft)["statements"]

    spans = [(int(s), int(e)) for s, e in SPAN_COMMENT.findall(draft)]
    assert spans == [(q.start, q.end) for q in text.quotations(body)]
    assert len(spans) == len(statements) == 3
    assert body[spans[0][0] - 1] == "“" and body[spans[0][1]] == "”"  # the curly one
    for (start, end), statement in zip(spans, statements, strict=True):
        words = body[start:end]
        assert statement["quote"] == words.rstrip(",.")  # the build's allowance, nothing more
        assert body.count(statement["quote"]) == 1
        assert text.covers(text.locate(body, statement["quote"]), text.Span(start, end), body)
    assert statements[0]["quote"].startswith("The deployment is no longer a one-off; it has become")
    assert statements[1]["quote"] == "is not directed against any third country"
    assert statements[2]["quote"].endswith("and that is what should worry us most")

    # Speakers: a registry name next to a speech verb, as written; otherwise left to the analyst.
    assert statements[0]["speakers"] == [{"actor": "south-korea", "as_written": "Seoul"}]  # ," Seoul said
    assert statements[1]["speakers"] == [{"actor": "dmitry-peskov", "as_written": "Dmitry Peskov"}]  # Peskov told
    assert statements[2]["speakers"] == [{"actor": "TODO", "as_written": "TODO"}]  # said Park Ji-hoon: not registered
    for statement in statements:
        assert {k: statement[k] for k in ("id", "kind", "stance", "summary")} == dict.fromkeys(
            ("id", "kind", "stance", "summary"), "TODO"
        )
        assert statement["targets"] == []


@pytest.mark.parametrize(
    "paragraph, speaker",
    [
        ('Seoul said, "We condemn it."', ("south-korea", "Seoul")),
        ("“It is over,” said Hong Min, a researcher.", ("hong-min", "Hong Min")),
        ('"It is over," Kremlin spokesman Dmitry Peskov said.', ("dmitry-peskov", "Dmitry Peskov")),
        ('"It is a lie," Peskov told reporters.', ("dmitry-peskov", "Peskov")),
        ('According to Seoul, "the troops moved."', ("south-korea", "Seoul")),
        ('"The troops moved," according to the NIS.', ("south-korea-nis", "NIS")),
        ('Seoul also warned that the move was "reckless."', ("south-korea", "Seoul")),
        (  # the longest name wins
            "South Korea's Foreign Ministry said: “We strongly condemn this action.”",
            ("south-korea-foreign-ministry", "South Korea's Foreign Ministry"),
        ),
        ('Seoul said analysts called it "a rotation."', None),  # the analysts speak
        ('"We will respond." Seoul said nothing more.', None),  # a new sentence
        ('Peskov spoke on Monday. "It is over."', None),  # another sentence
        ('"It is a lie," an official in Moscow said.', None),  # Moscow is not the subject
        ('"It is a lie," said Park Ji-hoon.', None),  # not in the registry
        ('"It is a lie," the spokesman for Moscow said.', None),
        ('"It is a lie," U.S. State Department spokesperson Tammy Bruce said.', ("tammy-bruce", "Tammy Bruce")),
    ],
)
def test_a_speaker_is_filled_in_only_when_a_registry_name_says_the_quotation(paragraph, speaker):
    actors = registry(SEEDS, "actors")
    [quotation] = find_quotations(paragraph, actors)
    assert quotation.speaker == speaker


def test_the_draft_header_document_block_and_mentions(corpus):
    added = new_source(ARTICLE, corpus)
    draft = added.annotation_path.read_text(encoding="utf-8")
    assert draft.startswith("# DRAFT coding of ")
    assert "`make check` rejects this file" in draft.splitlines()[1]
    data = yaml.safe_load(draft)
    assert data["document"] == {
        "outlet": "TODO",
        "outlet_basis": "TODO",
        "published": "TODO",
        "published_basis": "TODO",
        "published_note": "TODO",
        "language": "en",
        "summary": "TODO",
    }
    assert data["events"] == [] and data["casualties"] == []
    comments = [line for line in draft.splitlines() if line.startswith("#   ")]
    assert "#   south-korea-nis: South Korea's National Intelligence Service, NIS" in comments
    assert "#   dmitry-peskov: Dmitry Peskov" in comments
    assert "#   kim-jong-un: Kim Jong Un" in comments
    assert "#   sudzhansky-district: Sudzha" in comments
    assert "#   kursk-oblast: Kursk, Kursk region" in comments


def test_a_stated_publication_day_is_written_with_its_basis(corpus):
    result = invoke(corpus, str(ARTICLE), "--published", "2025-05-07")
    assert result.exit_code == 0, result.output
    document = yaml.safe_load((corpus / f"{NEXT_ID}.yaml").read_text(encoding="utf-8"))["document"]
    assert str(document["published"]) == "2025-05-07"
    assert document["published_basis"] == "stated"
    assert document["published_note"] == "TODO"


def test_the_draft_is_valid_yaml_whatever_the_quotations_say(corpus):
    tricky = [
        'Rates: "up 5% #1 - see note"',
        "- dash, 'single' and: colon",
        "“He said no: #wrong, ‘maybe’ {x} [y]”",
        '"yes"',
        '"null"',
        '"2025-05-01"',
        '"trailing space "',
        "“@at & *star! |pipe >fold %pct”",
    ]
    body = "\n".join(f"Analysts wrote {q} in the report." for q in tricky) + "\n"
    annotation, quotations = draft_annotation("009_0000000000000000.txt", body, Names.of([]), Names.of([]))
    statements = yaml.safe_load(annotation)["statements"]
    assert [s["quote"] for s in statements] == [q.quote for q in quotations]
    assert [s["quote"] for s in statements] == [body[q.start : q.end].rstrip(",.;: ") for q in text.quotations(body)]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_every_string_reads_back_from_its_scalar(value):
    written = scalar(value)
    assert "\n" not in written
    assert yaml.safe_load(f"key: {written}  # a comment")["key"] == value
    assert yaml.safe_load(f"- {{a: {written}, b: 1}}")[0]["a"] == value


# -- the check refuses a draft --------------------------------------------------------------


def test_check_refuses_the_draft_naming_each_todo(corpus):
    invoke(corpus, str(ARTICLE), "--published", "2025-05-07")
    file = f"seeds/{NEXT_ID}.yaml"
    expected = [f"{file}: document.{field}: TODO: not yet coded" for field in ("outlet", "outlet_basis")]
    expected += [f"{file}: document.{field}: TODO: not yet coded" for field in ("published_note", "summary")]
    for i in range(3):
        fields = ["id", "speakers[0].actor", "speakers[0].as_written"] if i == 2 else ["id"]
        fields += ["kind", "stance", "summary"]
        expected += [f"{file}: statements[{i}].{field}: TODO: not yet coded" for field in fields]
    assert errors_of(corpus) == expected

    app = create_app({"DATABASE": str(corpus.parent / "x.db"), "SEEDS": str(corpus)})
    result = app.test_cli_runner().invoke(build_db_command, args=["--check"], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"{file}: statements[0].stance: TODO: not yet coded" in result.output
    with pytest.raises(BuildFailed):
        build_database(corpus, corpus.parent / "x.db")
    assert not (corpus.parent / "x.db").exists()


def test_a_todo_anywhere_is_named_by_its_path():
    data = {
        "document": {"outlet": "TODO", "summary": "fine"},
        "statements": [{"targets": ["north-korea", "TODO"], "via": [{"actor": "TODO"}], "note": " TODO "}],
    }
    assert list(todo_paths(data)) == [
        "document.outlet",
        "statements[0].targets[1]",
        "statements[0].via[0].actor",
        "statements[0].note",
    ]
    assert list(todo_paths({"summary": "TODO: later", "note": "todo", "title": "TODOS"})) == ["summary"]


def test_a_todo_left_in_a_registry_is_named_too(seeds_copy):
    path = seeds_copy / "places.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lat: 55.7558", "lat: TODO"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        check_corpus(seeds_copy)
    assert "seeds/places.yaml: places[3].lat: TODO: not yet coded" in [str(e) for e in failed.value.errors]


# -- what new-source refuses ----------------------------------------------------------------


def test_the_same_bytes_twice_are_refused(corpus):
    new_source(ARTICLE, corpus)
    before = listing(corpus)
    with pytest.raises(DraftError, match=f"already in the corpus, byte for byte, as {NEXT_ID}.txt"):
        new_source(ARTICLE, corpus)
    result = invoke(corpus, str(SEEDS / f"{SEED_PAIRS[1]}.txt"))
    assert result.exit_code == 1
    assert f"already in the corpus, byte for byte, as {SEED_PAIRS[1]}.txt" in result.output
    assert "nothing written" in result.output
    assert listing(corpus) == before


def test_a_text_that_is_not_utf8_or_is_empty_is_refused(corpus, tmp_path):
    before = listing(corpus)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Seoul said the café was “closed.”".encode("cp1252"))
    with pytest.raises(DraftError, match="is not UTF-8"):
        new_source(latin1, corpus)
    result = invoke(corpus, str(latin1))
    assert result.exit_code == 1 and "is not UTF-8" in result.output
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(DraftError, match="is empty"):
        new_source(empty, corpus)
    assert listing(corpus) == before


def test_a_folder_without_the_registries_is_refused(tmp_path):
    with pytest.raises(DraftError, match="is not a seeds folder: actors.yaml is missing"):
        new_source(ARTICLE, tmp_path)
    assert list(tmp_path.iterdir()) == []


# -- coded, it builds -----------------------------------------------------------------------


def complete(seeds: Path, source_id: str) -> None:
    """Code the draft as an analyst would: every TODO replaced, the unregistered speaker registered."""
    registry = yaml.safe_load((seeds / "actors.yaml").read_text(encoding="utf-8"))
    registry["actors"].append(
        {"id": "park-ji-hoon", "name": "Park Ji-hoon", "kind": "person", "country": "KR", "title": "Defense analyst"}
    )
    (seeds / "actors.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")

    path = seeds / f"{source_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["document"].update(
        outlet=None,
        outlet_basis="Not determinable: the text names no outlet.",
        published_note="Stated by the agency that supplied the text.",
        summary="Seoul says North Korea has rotated about 3,000 fresh troops into Russia's Kursk region.",
    )
    coding = [
        ("seoul-calls-deployment-a-rotation", "direct_quote", "warn", ["north-korea"]),
        ("peskov-cooperation-not-against-third-countries", "partial_quote", "deny", []),
        ("park-warns-of-drone-experience", "direct_quote", "warn", ["north-korean-forces-in-russia"]),
    ]
    for statement, (statement_id, kind, stance, targets) in zip(data["statements"], coding, strict=True):
        statement.update(id=statement_id, kind=kind, stance=stance, targets=targets, summary=f"Coded: {statement_id}.")
    data["statements"][2]["speakers"] = [{"actor": "park-ji-hoon", "as_written": "Park Ji-hoon"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert list(todo_paths(yaml.safe_load(path.read_text(encoding="utf-8")))) == []


def test_a_completed_draft_passes_the_check_and_builds(corpus, tmp_path):
    baseline = check_corpus(corpus)
    invoke(corpus, str(ARTICLE), "--published", "2025-05-07")
    complete(corpus, NEXT_ID)
    counts = check_corpus(corpus)
    assert counts["sources"] == baseline["sources"] + 1
    assert counts["statements"] == baseline["statements"] + 3

    report = build_database(corpus, tmp_path / "corpus.db")
    assert report.counts["statements"] == baseline["statements"] + 3
    conn = sqlite3.connect(f"file:{tmp_path / 'corpus.db'}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT id, kind, quote, span_start, span_end FROM statements WHERE source_id = ? ORDER BY span_start",
        (NEXT_ID,),
    ).fetchall()
    body = ARTICLE.read_text(encoding="utf-8")
    assert [r[0] for r in rows] == [
        "seoul-calls-deployment-a-rotation",
        "peskov-cooperation-not-against-third-countries",
        "park-warns-of-drone-experience",
    ]
    assert all(body[start:end] == quote for _, _, quote, start, end in rows)
    speakers = conn.execute(
        "SELECT statement_id, actor_id FROM statement_speakers WHERE statement_id IN (SELECT id FROM statements "
        "WHERE source_id = ?) ORDER BY statement_id",
        (NEXT_ID,),
    ).fetchall()
    assert speakers == [
        ("park-warns-of-drone-experience", "park-ji-hoon"),
        ("peskov-cooperation-not-against-third-countries", "dmitry-peskov"),
        ("seoul-calls-deployment-a-rotation", "south-korea"),
    ]
    sha = conn.execute("SELECT sha256 FROM sources WHERE id = ?", (NEXT_ID,)).fetchone()[0]
    assert sha == hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
