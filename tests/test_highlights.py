"""Highlights: lists searched with `q` say where the search words are in each record, as FTS5 matched them."""

from __future__ import annotations

import json
import sqlite3
import unicodedata

import pytest

from api.query.filters import fts_query
from api.query.highlight import SEARCHED_FIELDS, fold, highlights, tokens

from .conftest import get_all, get_json

TOKENIZER = "unicode61 remove_diacritics 2"  # data/build/write.py
QUERIES = {
    "statements": ["korea", "Korea*", "NORTH korean", "troop*", "kursk russia*", "un", "s", "victory day", "zzz*"],
    "events": ["korea*", "deployment", "Parade", "kursk", "troops north", "russia*"],
}
MARK_START, MARK_END = "\x01", "\x02"


def spans_of_marked(marked: str) -> list[tuple[int, int]]:
    """The spans FTS5's highlight() marked, as offsets into the unmarked text."""
    spans, offset, start = [], 0, 0
    for char in marked:
        if char == MARK_START:
            start = offset
        elif char == MARK_END:
            spans.append((start, offset))
        else:
            offset += 1
    return spans


def fts5_highlights(texts: list[str], query: str) -> list[list[tuple[int, int]]]:
    """What SQLite's own highlight() marks in each text (empty when the text does not match)."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", list(enumerate(texts)))
    found = [[] for _ in texts]
    rows = db.execute("SELECT rowid, highlight(t, 0, ?, ?) FROM t WHERE t MATCH ?", (MARK_START, MARK_END, query))
    for rowid, marked in rows:
        found[rowid] = spans_of_marked(marked)
    return found


def spans(text: str, query: str) -> list[tuple[int, int]]:
    return [(h["start"], h["end"]) for h in highlights({"x": text}, query)]


def words_of(query: str) -> list[tuple[str, bool]]:
    """The query's words, folded independently of the module under test: (word, is a prefix)."""
    return [(ascii_fold(w.strip('"*')), w.endswith("*")) for w in fts_query(query).split()]


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# -- the pure function ------------------------------------------------------------------------


def test_every_occurrence_case_insensitively_in_field_order():
    found = highlights({"quote": "Korea and korea; KOREA.", "summary": "North Korea"}, "korea")
    assert found == [
        {"field": "quote", "start": 0, "end": 5},
        {"field": "quote", "start": 10, "end": 15},
        {"field": "quote", "start": 17, "end": 22},
        {"field": "summary", "start": 6, "end": 11},
    ]


def test_a_trailing_star_is_a_prefix_and_without_it_a_word_is_whole():
    text = "Korea, Korean troops, Koreans"
    assert spans(text, "kor") == []
    assert spans(text, "korea") == [(0, 5)]
    assert [text[s:e] for s, e in spans(text, "kor*")] == ["Korea", "Korean", "Koreans"]
    assert [text[s:e] for s, e in spans(text, "korean* troop*")] == ["Korean", "troops", "Koreans"]


def test_diacritics_are_ignored_both_ways():
    text = "Café in Škoda's Zürich, cafe\u0301 decomposed, naïve CAFÉ"
    assert [text[s:e] for s, e in spans(text, "cafe")] == ["Café", "cafe\u0301", "CAFÉ"]
    assert [text[s:e] for s, e in spans(text, "café")] == ["Café", "cafe\u0301", "CAFÉ"]
    assert [text[s:e] for s, e in spans(text, "skoda zurich naive")] == ["Škoda", "Zürich", "naïve"]
    assert [text[s:e] for s, e in spans(text, "zu*")] == ["Zürich"]
    # Only Latin letters lose their marks, as in unicode61: й is not и.
    assert spans("Йод и йод", "иод") == []
    assert spans("Йод и йод", "йод") == [(0, 3), (6, 9)]


def test_offsets_are_code_points():
    text = "🇰🇷 Seoul 😀 seoul"
    assert [text[s:e] for s, e in spans(text, "seoul")] == ["Seoul", "seoul"]


def test_words_that_are_phrases_and_overlaps():
    # `foo_bar` is two tokens to unicode61: a phrase, marked whole; overlapping matches merge.
    text = "foo bar, foo_bar, foo barn"
    assert spans(text, "foo_bar") == [(0, 7), (9, 16)]
    assert spans(text, "foo_bar*") == [(0, 7), (9, 16), (18, 26)]
    assert spans(text, "foo foo_bar") == [(0, 7), (9, 16), (18, 21)]


def test_no_words_no_highlights_and_null_fields_are_skipped():
    assert highlights({"quote": "Some text"}, "  ***  ") == []
    assert highlights({"quote": None, "summary": "Some text"}, "some") == [{"field": "summary", "start": 0, "end": 4}]


@pytest.mark.parametrize(
    "query", ["cafe", "café*", "skoda zurich", "zu*", "foo_bar", "foo_bar* foo", "korea*", "йод", "s", "naive*"]
)
def test_the_same_spans_as_sqlite_fts5_highlight(query):
    texts = [
        "Café in Škoda's Zürich, cafe\u0301 decomposed, naïve CAFÉ and Zurich again",
        "foo bar, foo_bar, foo barn; Korea's and KOREAN, Koreas",
        "Йод и йод, ЙОД; İstanbul ǅemal ﬁne ½ x²3",
        "nothing here to find",
    ]
    expected = fts5_highlights(texts, fts_query(query))
    for text, marked in zip(texts, expected, strict=True):
        if marked:  # a text FTS5 does not match is not in the list at all
            assert spans(text, query) == marked, text


def test_the_tokenizer_folds_latin_greek_and_cyrillic_as_unicode61_does():
    # One document per character between two ASCII letters: a token character joins them.
    # (SQLite's tables predate a few letters Unicode added since: Ϳ, Ԩ and after; and it keeps ǡ's marks.)
    chars = [chr(c) for r in (range(0x20, 0x250), range(0x370, 0x528), range(0x1E00, 0x2000)) for c in r]
    chars = [c for c in chars if unicodedata.category(c) != "Cc" and c not in "ǠǡͿ"]
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", [(i, f"q{c}q") for i, c in enumerate(chars)])
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    terms: dict[int, list[str]] = {}
    for term, doc in db.execute("SELECT term, doc FROM v ORDER BY doc, offset"):
        terms.setdefault(doc, []).append(term)
    for i, char in enumerate(chars):
        sqlite = terms[i]
        ours = [token for _, _, token in tokens(f"q{char}q")]
        assert ours == sqlite, (hex(ord(char)), char, ours, sqlite, fold(char))


# -- in the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["statements", "events"])
def test_searched_lists_highlight_every_match_that_fts5_does(client, built_db, resource):
    db = sqlite3.connect(built_db)
    fields = SEARCHED_FIELDS[resource]
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({resource}_fts)")]
    assert list(fields) == columns, "the highlighted fields are the ones the full-text table indexes"
    marks = ", ".join(f"highlight({resource}_fts, {i}, ?, ?)" for i in range(len(fields)))
    for query in QUERIES[resource]:
        expected = {}
        rows = db.execute(
            f"SELECT {resource}.id, {marks} FROM {resource}_fts JOIN {resource} ON {resource}.rowid = {resource}_fts.rowid "
            f"WHERE {resource}_fts MATCH ?",
            (MARK_START, MARK_END) * len(fields) + (fts_query(query),),
        )
        for record_id, *marked in rows:
            expected[record_id] = [
                {"field": field, "start": s, "end": e}
                for field, text in zip(fields, marked, strict=True)
                if text
                for s, e in spans_of_marked(text)
            ]
        records = get_all(client, f"/{resource}?q={query}&limit=7")
        assert {r["id"] for r in records} == set(expected), query
        for record in records:
            assert record["highlights"] == expected[record["id"]], (query, record["id"])
            assert record["highlights"] or not expected[record["id"]]
            words = words_of(query)
            for h in record["highlights"]:
                assert h["field"] in fields and 0 <= h["start"] < h["end"] <= len(record[h["field"]])
                found = ascii_fold(record[h["field"]][h["start"] : h["end"]])
                assert any(found == w or (prefix and found.startswith(w)) for w, prefix in words), (query, found)


def test_every_match_of_every_word_is_highlighted(client):
    for record in get_all(client, "/statements?q=north%20korea*&limit=50"):
        for field in ("quote", "summary"):
            text = record[field] or ""
            marked = {(h["start"], h["end"]) for h in record["highlights"] if h["field"] == field}
            lowered = text.lower()
            for word, prefix in (("north", False), ("korea", True)):
                start = lowered.find(word)
                while start >= 0:
                    end = start + len(word)
                    at_word_start = start == 0 or not lowered[start - 1].isalnum()
                    while prefix and end < len(text) and lowered[end].isalnum():
                        end += 1
                    if at_word_start and (end == len(text) or not lowered[end].isalnum()):
                        assert (start, end) in marked, (record["id"], field, text[start:end])
                    start = lowered.find(word, start + 1)


def test_the_highlights_are_in_the_searched_lists_only(client, built_db):
    for url in ["/statements", "/events", "/statements?stance=condemn", "/casualties", "/sources"]:
        assert all("highlights" not in r for r in get_json(client, url)["data"]), url
    actors = get_json(client, "/actors?q=seo")["data"]
    assert actors and all("highlights" not in r for r in actors)
    searched = get_json(client, "/statements?q=korea&limit=1")["data"][0]
    assert "highlights" not in get_json(client, f"/statements/{searched['id']}")
    assert list(searched)[-1] == "highlights"  # appended; the rest is the record as built
    # The build renders records through the schemas that declare `highlights`: it never writes one.
    db = sqlite3.connect(built_db)
    for table in ("statements", "events"):
        for (body,) in db.execute(f"SELECT body FROM {table}"):
            assert "highlights" not in json.loads(body)


def test_a_query_without_words_has_no_matches(client):
    body = get_json(client, "/statements?q=***")
    assert body["data"] == []


def test_the_contract_documents_highlights_as_optional(app):
    with app.app_context():
        schemas = app.extensions["anchored_news_api"].spec.to_dict()["components"]["schemas"]
    for name in ("Statement", "Event"):
        schema = schemas[name]
        assert "highlights" in schema["properties"] and "highlights" not in schema["required"], name
        assert schema["properties"]["highlights"]["description"].startswith("Present only in lists searched with `q`")
    assert set(schemas["Highlight"]["required"]) == {"field", "start", "end"}
