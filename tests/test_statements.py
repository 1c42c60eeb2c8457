"""/statements: filters, actor resolution with affiliates, pagination, and source anchoring."""

import re

import pytest

from data import text as text_mech

from .conftest import SEEDS, get_all, get_json


def speaker_ids(statement):
    return {s["actor"]["id"] for s in statement["speakers"]}


def south_korean_government(client):
    """Every actor that belongs to South Korea, found through the actors API."""
    tree = {a["id"] for a in get_all(client, "/actors?affiliated_with=south-korea&limit=100")}
    return tree | {"south-korea"}


def test_seoul_means_the_south_korean_government_with_its_ministries_and_envoys(client):
    body = get_json(client, "/statements?actor=Seoul&limit=100")
    speakers = {a for s in body["data"] for a in speaker_ids(s)}
    names = {sp["actor"]["name"] for s in body["data"] for sp in s["speakers"]}
    assert speakers <= south_korean_government(client)
    assert "south-korea" in speakers
    assert any("Foreign Ministry" in n for n in names), names
    assert any("Hwang" in n for n in names), names  # South Korea's UN ambassador
    assert not any("Hong Min" in n for n in names)  # a researcher at a think tank is not the government
    (resolution,) = body["meta"]["resolved"]
    assert resolution["matched"]["id"] == "south-korea"
    assert resolution["parameter"] == "actor" and resolution["include_affiliates"] is True
    assert {a["id"] for a in resolution["covers"]} == south_korean_government(client)
    assert resolution["count"] == len(resolution["covers"])


@pytest.mark.parametrize("value", ["Seoul", "seoul", "SEOUL", "south-korea", "South Korea", "  south   korea "])
def test_the_same_actor_by_id_name_or_alias(client, value):
    base = get_json(client, "/statements?actor=south-korea&limit=100")["data"]
    assert get_json(client, f"/statements?actor={value}&limit=100")["data"] == base


def test_include_affiliates_false_narrows_to_the_actor_itself(client):
    body = get_json(client, "/statements?actor=Seoul&include_affiliates=false&limit=100")
    assert body["data"] and all("south-korea" in speaker_ids(s) for s in body["data"])
    assert [a["id"] for a in body["meta"]["resolved"][0]["covers"]] == ["south-korea"]
    wide = get_json(client, "/statements?actor=Seoul&limit=100")
    assert wide["meta"]["total"] > body["meta"]["total"]


def test_an_actor_that_matches_nothing_gives_an_empty_list_and_says_so(client):
    body = get_json(client, "/statements?actor=Seol")
    assert body["data"] == [] and body["meta"]["total"] == 0
    (resolution,) = body["meta"]["resolved"]
    assert resolution["matched"] is None and resolution["covers"] == [] and resolution["count"] == 0
    assert "Seol" in resolution["message"] and "South Korea" in resolution["message"]  # a suggestion


def test_moscow_includes_the_kremlin_and_putin(client):
    speakers = {a for s in get_all(client, "/statements?actor=Moscow&limit=100") for a in speaker_ids(s)}
    assert {"russia", "vladimir-putin"} <= speakers
    assert any("peskov" in s for s in speakers)


def test_target_filter(client):
    records = get_all(client, "/statements?target=Pyongyang&include_affiliates=false")
    assert records and all(any(t["id"] == "north-korea" for t in s["targets"]) for s in records)


@pytest.mark.parametrize(
    "name, values",
    [("stance", ["condemn", "thank", "report"]), ("kind", ["direct_quote", "partial_quote", "paraphrase"])],
)
def test_enum_filters(client, name, values):
    for value in values:
        records = get_all(client, f"/statements?{name}={value}")
        assert records, value
        assert all(s[name] == value for s in records)


def test_source_and_event_filters(client):
    for source in ("000_7dc1a4308702294b", "003_4c4acd25798775f3"):
        records = get_all(client, f"/statements?source={source}")
        assert records and all(s["source"]["id"] == source for s in records)
    with_event = next(s for s in get_all(client, "/statements?limit=100") if s["event"])
    records = get_all(client, f"/statements?event={with_event['event']['id']}")
    assert with_event["id"] in {s["id"] for s in records}
    assert all(s["event"]["id"] == with_event["event"]["id"] for s in records)


def test_since_until_select_overlapping_dates(client):
    records = get_all(client, "/statements?since=2025-04-28&until=2025-04-28")
    assert records
    for s in records:
        assert s["date_start"] <= "2025-04-28" <= s["date_end"]
    everything = get_all(client, "/statements?limit=100")
    expected = {s["id"] for s in everything if s["date_start"] and s["date_start"] <= "2025-04-28" <= s["date_end"]}
    assert {s["id"] for s in records} == expected


def test_full_text_search_treats_q_as_words(client):
    records = get_all(client, "/statements?q=Security%20Council")
    assert records
    for s in records:
        blob = ((s["quote"] or "") + " " + s["summary"]).lower()
        assert "security" in blob and "council" in blob
    assert get_all(client, "/statements?q=%22%22%22") == []  # no words: nothing matches, not an error
    for operator in ("AND", "NEAR(", "OR"):  # FTS5 syntax is searched as words, never run
        for s in get_all(client, f"/statements?q={operator}"):
            words = re.findall(r"\w+", ((s["quote"] or "") + " " + s["summary"]).lower())
            assert operator.strip("(").lower() in words
    assert get_all(client, "/statements?q=Kurs*")  # a trailing star is a prefix


def test_pagination_is_stable_and_complete(client):
    everything = get_json(client, "/statements?limit=100")
    total = everything["meta"]["total"]
    assert total == len(everything["data"]) and everything["meta"]["next_cursor"] is None
    pages, url = [], "/statements?limit=3"
    while url:
        body = get_json(client, url)
        assert body["meta"]["total"] == total and len(body["data"]) <= 3
        pages.extend(s["id"] for s in body["data"])
        url = body["links"]["next"]
        if url:
            assert body["meta"]["next_cursor"] in url
    assert pages == [s["id"] for s in everything["data"]]
    dates = [s["date_start"] or "" for s in everything["data"]]
    assert dates == sorted(dates, reverse=True)  # default: newest first
    ascending = [s["date_start"] or "" for s in get_json(client, "/statements?limit=100&sort=date")["data"]]
    assert ascending == sorted(ascending)


def test_every_quotation_in_both_texts_is_served_verbatim_with_its_span(client):
    statements = get_all(client, "/statements?limit=100")
    by_source = {}
    for s in statements:
        by_source.setdefault(s["source"]["id"], []).append(s)
    assert set(by_source) == {"000_7dc1a4308702294b", "003_4c4acd25798775f3"}
    for source_id, records in by_source.items():
        text = (SEEDS / f"{source_id}.txt").read_text(encoding="utf-8")
        assert get_json(client, f"/sources/{source_id}")["text"] == text
        quotations = text_mech.quotations(text)
        assert len(quotations) == {"000_7dc1a4308702294b": 5, "003_4c4acd25798775f3": 10}[source_id]
        for quotation in quotations:
            owners = [
                s
                for s in records
                if s["quote"] is not None
                and text_mech.covers(text_mech.Span(s["span"]["start"], s["span"]["end"]), quotation, text)
            ]
            assert len(owners) == 1, text[quotation.start : quotation.end]
            (owner,) = owners
            assert text[owner["span"]["start"] : owner["span"]["end"]] == owner["quote"]
            assert owner["quote"] in owner["excerpt"] and owner["excerpt"] in text
        for s in records:
            assert s["summary"]
            assert text[s["span"]["start"] : s["span"]["end"]] in s["excerpt"]
            if s["kind"] == "paraphrase":
                assert s["quote"] is None


def test_get_statement_by_id_matches_the_list(client):
    first = get_json(client, "/statements?limit=1")["data"][0]
    assert get_json(client, f"/statements/{first['id']}") == first


def test_a_large_affiliation_tree_is_counted_not_listed_in_full(seeds_copy, tmp_path):
    """meta.resolved names the first 25 actors a value covers and counts them all: a state with
    hundreds of bodies must not turn every page's meta into a directory."""
    import yaml

    from api import create_app
    from data.build import build_database
    from schemas.envelopes import RESOLVED_SHOWN

    registry_path = seeds_copy / "actors.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    base = {"kind": "government_body", "country": "KR", "aliases": [], "title": None, "wikidata": None}
    registry["actors"] += [
        {**base, "id": f"south-korean-office-{n}", "name": f"South Korean Office {n}", "affiliation": "south-korea"}
        for n in range(40)
    ]
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build_database(seeds_copy, tmp_path / "big.db")
    client = create_app({"TESTING": True, "DATABASE": str(tmp_path / "big.db")}).test_client()

    (resolution,) = get_json(client, "/statements?actor=Seoul")["meta"]["resolved"]
    tree = get_all(client, "/actors?affiliated_with=south-korea&limit=100")
    assert resolution["count"] == len(tree) + 1 > RESOLVED_SHOWN
    assert len(resolution["covers"]) == RESOLVED_SHOWN
    assert resolution["covers"][0]["id"] == "south-korea"
    assert {a["id"] for a in resolution["covers"][1:]} <= {a["id"] for a in tree}


def test_excerpt_span_says_where_the_span_is_in_the_excerpt(client):
    """For every statement, event support and casualty of the seeds: the excerpt is the sentence
    the build cuts around the span, the span always lies inside it (nothing is clipped), and
    excerpt[excerpt_span] is the source text at span."""
    anchored = [(s["source"]["id"], s) for s in get_all(client, "/statements?limit=100")]
    anchored += [(c["source"]["id"], c) for c in get_all(client, "/casualties?limit=100")]
    anchored += [(s["source"]["id"], s) for e in get_all(client, "/events?limit=100") for s in e["sources"]]
    assert len(anchored) > 40
    texts = {}
    for source_id, record in anchored:
        text = texts.setdefault(source_id, (SEEDS / f"{source_id}.txt").read_text(encoding="utf-8"))
        span = text_mech.Span(record["span"]["start"], record["span"]["end"])
        around = text_mech.sentence_around(text, span)
        assert text[around.start : around.end] == record["excerpt"]
        assert span.within(around), record
        inside = record["excerpt_span"]
        assert inside == {"start": span.start - around.start, "end": span.end - around.start}
        assert record["excerpt"][inside["start"] : inside["end"]] == text[span.start : span.end]
