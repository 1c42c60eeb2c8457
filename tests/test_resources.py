"""/events, /casualties, /actors, /sources and /health."""

import pytest

from api import create_app

from .conftest import SEEDS, get_all, get_json

# --- events ---------------------------------------------------------------------------------


def test_events_are_typed_placed_dated_and_anchored(client):
    events = get_all(client, "/events?limit=100")
    types = {e["type"] for e in events}
    for expected in (
        "troop_deployment",
        "combat_operation",
        "military_training",
        "incursion",
        "territorial_change",
        "media_release",
        "official_acknowledgment",
        "condemnation",
        "diplomatic_meeting",
        "military_parade",
        "invitation",
    ):
        assert expected in types, expected
    for event in events:
        assert event["sources"], event["id"]
        for support in event["sources"]:
            text = (SEEDS / f"{support['source']['id']}.txt").read_text(encoding="utf-8")
            words = text[support["span"]["start"] : support["span"]["end"]]
            assert words and words in support["excerpt"]
    assert any(len(e["sources"]) > 1 for e in events)  # reported by both articles


@pytest.mark.parametrize("name", ["type", "status"])
def test_event_enum_filters(client, name):
    for value in {e[name] for e in get_all(client, "/events?limit=100")}:
        records = get_all(client, f"/events?{name}={value}")
        assert records and all(e[name] == value for e in records)


def test_events_by_actor_role_and_location(client):
    kursk = get_all(client, "/events?location=RU-KRS")
    assert kursk and all(e["location"]["region"] == "RU-KRS" for e in kursk)
    by_name = get_all(client, "/events?location=kursk")
    assert {e["id"] for e in kursk} <= {e["id"] for e in by_name}
    assert {e["id"] for e in get_all(client, "/events?location=ru")} >= {e["id"] for e in kursk}
    records = get_all(client, "/events?actor=Pyongyang")
    assert records
    initiated = get_all(client, "/events?actor=Pyongyang&role=initiator")
    assert {e["id"] for e in initiated} <= {e["id"] for e in records}


def test_the_planned_parade_and_the_disagreement_between_sources(client):
    parades = get_all(client, "/events?type=military_parade")
    assert any(e["status"] == "planned" and e["date_start"] == "2025-05-09" for e in parades)
    linked = [e for e in get_all(client, "/events?limit=100") if e["related"]]
    assert linked, "events on which the sources disagree are linked, not merged"


def test_events_full_text_and_source(client):
    assert get_all(client, "/events?q=parade")
    for source in ("000_7dc1a4308702294b", "003_4c4acd25798775f3"):
        records = get_all(client, f"/events?source={source}")
        assert records and all(source in {s["source"]["id"] for s in e["sources"]} for e in records)


# --- casualties -----------------------------------------------------------------------------


def test_casualty_claims(client):
    claims = get_all(client, "/casualties")
    by_value = {c["value"]: c for c in claims}
    total, deaths = by_value[4700], by_value[600]
    assert total["category"] == "total_casualties" and total["qualifier"] == "estimated"
    assert deaths["category"] == "killed" and deaths["qualifier"] == "approximately"
    assert deaths["part_of"]["id"] == total["id"]
    assert "NIS" in total["claimed_by"]["name"] or "Intelligence" in total["claimed_by"]["name"]
    text = (SEEDS / f"{total['source']['id']}.txt").read_text(encoding="utf-8")
    assert "4,700" in text[total["span"]["start"] : total["span"]["end"]]


def test_casualty_filters(client):
    claims = get_all(client, "/casualties")
    assert get_all(client, "/casualties?claimed_by=Seoul") == get_all(client, "/casualties?claimed_by=south-korea")
    assert len(get_all(client, "/casualties?claimed_by=Seoul")) == len(claims)
    assert len(get_all(client, "/casualties?actor=Pyongyang")) == len(claims)
    assert [c["category"] for c in get_all(client, "/casualties?category=killed")] == ["killed"]
    assert get_all(client, "/casualties?claimed_by=Moscow") == []
    assert get_all(client, "/casualties?since=2026-01-01") == []


# --- actors ---------------------------------------------------------------------------------


def test_actor_detail_has_aliases_affiliation_and_counts(client):
    korea = get_json(client, "/actors/south-korea")
    assert korea["wikidata"] == "Q884" and korea["country"] == "KR" and "Seoul" in korea["aliases"]
    assert korea["affiliation"] is None and korea["affiliates"]
    assert korea["statement_count"] >= 1
    for child in korea["affiliates"]:
        assert get_json(client, f"/actors/{child['id']}")["affiliation"]["id"] == "south-korea"


def test_statement_count_with_affiliates_is_what_the_actor_filter_counts(client):
    actors = get_all(client, "/actors?limit=100")
    assert any(a["statement_count_with_affiliates"] > a["statement_count"] for a in actors)
    for actor in actors:
        url = f"/statements?actor={actor['id']}&limit=1"
        assert actor["statement_count_with_affiliates"] == get_json(client, url)["meta"]["total"], actor["id"]
        own = get_json(client, url + "&include_affiliates=false")["meta"]["total"]
        assert actor["statement_count"] == own, actor["id"]


@pytest.mark.parametrize(
    "actor_id, wikidata",
    [
        ("russia", "Q159"),
        ("ukraine", "Q212"),
        ("united-states", "Q30"),
        ("north-korea", "Q423"),
        ("vladimir-putin", "Q7747"),
        ("kim-jong-un", "Q56226"),
    ],
)
def test_confirmed_wikidata_ids(client, actor_id, wikidata):
    assert get_json(client, f"/actors/{actor_id}")["wikidata"] == wikidata


def test_metonyms_resolve(client):
    for alias, actor_id in [
        ("Seoul", "south-korea"),
        ("Moscow", "russia"),
        ("Pyongyang", "north-korea"),
        ("Washington", "united-states"),
        ("Kyiv", "ukraine"),
    ]:
        (resolution,) = get_json(client, f"/statements?actor={alias}")["meta"]["resolved"]
        assert resolution["matched"]["id"] == actor_id, alias


def test_actor_search_kind_country_and_affiliation(client):
    found = get_all(client, "/actors?q=seo")
    assert "south-korea" in {a["id"] for a in found}  # by the alias Seoul
    assert "kim-jong-un" in {a["id"] for a in get_all(client, "/actors?q=jong%20un")}
    people = get_all(client, "/actors?kind=person")
    assert people and all(a["kind"] == "person" for a in people)
    korean = get_all(client, "/actors?country=kr")
    assert korean and all(a["country"] == "KR" for a in korean)
    direct = get_all(client, "/actors?affiliated_with=Seoul&include_affiliates=false")
    assert direct and all(a["affiliation"]["id"] == "south-korea" for a in direct)
    assert len(get_all(client, "/actors?affiliated_with=Seoul")) >= len(direct)
    names = [a["name"].casefold() for a in get_all(client, "/actors?limit=100")]
    assert names == sorted(names)


# --- sources --------------------------------------------------------------------------------


def test_sources_list_and_detail(client):
    sources = get_all(client, "/sources")
    assert {s["id"] for s in sources} == {"000_7dc1a4308702294b", "003_4c4acd25798775f3"}
    assert all("text" not in s for s in sources)
    jd = get_json(client, "/sources/003_4c4acd25798775f3")
    assert jd["byline"] == {"name": "HAN JEE-HYE", "email": "lim.jeongwon@joongang.co.kr"}
    assert jd["published_start"] == jd["published_end"] == "2025-04-30" and jd["published_basis"] == "inferred"
    assert "image URLs" in jd["published_note"]
    assert jd["outlet"]["name"] == "Korea JoongAng Daily"
    assert len(jd["images"]) == 5 and all(i["url"].startswith("https://") for i in jd["images"])
    assert jd["images"][-1]["credit"] == "YONHAP"
    raw = (SEEDS / "003_4c4acd25798775f3.txt").read_bytes()
    assert jd["bytes"] == len(raw) and jd["length"] == len(raw.decode("utf-8"))
    first = get_json(client, "/sources/000_7dc1a4308702294b")
    assert first["outlet"] is None and first["byline"] is None and first["outlet_basis"]
    # 000 was published some day from Monday April 28 to Sunday May 4 (a window); 003 on April 30.
    assert (first["published_start"], first["published_end"]) == ("2025-04-28", "2025-05-04")
    assert first["published_basis"] == "inferred"
    assert {s["id"][:3] for s in get_all(client, "/sources?since=2025-04-29")} == {"000", "003"}
    assert [s["id"][:3] for s in get_all(client, "/sources?since=2025-05-01")] == ["000"]
    assert [s["id"][:3] for s in get_all(client, "/sources?until=2025-04-29")] == ["000"]


# --- health ---------------------------------------------------------------------------------


def test_health_reports_the_build(client, built_db):
    health = get_json(client, "/health")
    assert health["status"] == "ok" and len(health["build_id"]) == 16
    assert health["counts"]["statements"] == get_json(client, "/statements?limit=1")["meta"]["total"]
    assert client.get("/health").headers["Cache-Control"] == "no-cache"


def test_without_a_database_every_route_is_a_503_problem(tmp_path):
    client = create_app({"TESTING": True, "DATABASE": str(tmp_path / "missing.db")}).test_client()
    for url in ["/health", "/statements", "/statements/x", "/actors", "/events", "/casualties", "/sources"]:
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.content_type == "application/problem+json"
        assert "make db" in response.get_json()["detail"]
    assert client.get("/docs").status_code == 200  # the docs need no database
