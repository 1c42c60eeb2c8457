"""Filters a UI needs: several values per filter (OR within, AND across), `id=` on every list,
`undated=`, and every value that names records explained in `meta.resolved`."""

from __future__ import annotations

import re

import pytest

from api.statements import FACETS as STATEMENT_FACETS
from tests.conftest import get_all, get_json


def ids(client, url) -> set[str]:
    return {r["id"] for r in get_all(client, url)}


@pytest.mark.parametrize(
    ("resource", "param", "values"),
    [
        ("statements", "stance", ["condemn", "accuse", "thank"]),
        ("statements", "actor", ["Seoul", "Moscow"]),
        ("statements", "target", ["Pyongyang", "Ukraine"]),
        ("statements", "kind", ["direct_quote", "paraphrase"]),
        ("statements", "certainty", ["claimed", "hinted"]),
        ("events", "type", ["combat_operation", "media_release"]),
        ("events", "location", ["Kursk", "Moscow"]),
        ("events", "actor", ["Kim Jong Un", "Ukraine"]),
        ("events", "plover", ["ASSAULT", "CONSULT"]),
        ("casualties", "category", ["killed", "total_casualties"]),
        ("actors", "kind", ["person", "state"]),
        ("actors", "country", ["KR", "ru"]),
    ],
)
def test_several_values_match_any_of_them(client, resource, param, values):
    each = [ids(client, f"/{resource}?{param}={v}&limit=100") for v in values]
    assert all(each), "every value alone matches something"
    union = set().union(*each)
    assert ids(client, f"/{resource}?{param}={','.join(values)}&limit=100") == union
    # the same values, the parameter repeated
    repeated = "&".join(f"{param}={v}" for v in values)
    assert ids(client, f"/{resource}?{repeated}&limit=100") == union


def test_an_encoded_comma_separates_values_and_the_spec_says_a_value_has_none(client):
    """Query strings are percent-decoded before the split, so `Seoul%2CMoscow` is two values (what
    `requests` sends for `params={"actor": "Seoul,Moscow"}`); the spec's item pattern says so, or
    a client could send a value with a comma and have it read as two (fuzzing found that)."""
    encoded = get_json(client, "/statements?actor=Seoul%2CMoscow&limit=100")
    plain = get_json(client, "/statements?actor=Seoul,Moscow&limit=100")
    assert encoded["data"] == plain["data"] and [r["value"] for r in encoded["meta"]["resolved"]] == ["Seoul", "Moscow"]
    spec = get_json(client, "/openapi.json")
    free_text = 0
    for item in spec["paths"].values():
        for parameter in item["get"].get("parameters", []):
            items = parameter["schema"].get("items", {})
            if parameter["in"] == "query" and items.get("type") == "string" and "enum" not in items:
                pattern = re.compile(items["pattern"])
                assert not pattern.search("KR,RU"), parameter["name"]
                free_text += parameter["name"] != "country"
    assert free_text > 20


def test_values_of_different_parameters_must_all_hold(client):
    both = ids(client, "/statements?stance=condemn,accuse&actor=Seoul,Washington&limit=100")
    stances = ids(client, "/statements?stance=condemn,accuse&limit=100")
    actors = ids(client, "/statements?actor=Seoul,Washington&limit=100")
    assert both == stances & actors and both


@pytest.mark.parametrize("resource", ["statements", "events", "casualties", "actors", "sources"])
def test_id_fetches_these_records(client, resource):
    every = get_all(client, f"/{resource}?limit=100")
    wanted = [every[0]["id"], every[-1]["id"]]
    body = get_json(client, f"/{resource}?id={','.join(wanted)},no-such-id&limit=100")
    assert {r["id"] for r in body["data"]} == set(wanted)
    again = get_json(client, f"/{resource}?id={wanted[0]}&id={wanted[1]}&limit=100")
    assert {r["id"] for r in again["data"]} == set(wanted)


def test_links_keep_a_repeated_parameter(client):
    body = get_json(client, "/actors?id=russia&id=south-korea&id=north-korea&limit=1")
    assert body["links"]["next"].count("id=") == 3
    assert len(get_all(client, body["links"]["next"])) == 2


def test_undated_records_can_be_included_excluded_or_listed_alone(client):
    every = ids(client, "/statements?limit=100")
    undated = ids(client, "/statements?undated=only&limit=100")
    dated = ids(client, "/statements?undated=exclude&limit=100")
    assert undated and dated and undated | dated == every and not undated & dated
    since = ids(client, "/statements?since=2025-04-27&limit=100")  # the default with a range: exclude
    assert since <= dated
    assert ids(client, "/statements?since=2025-04-27&undated=include&limit=100") == since | undated
    refused = get_json(client, "/statements?since=2025-04-27&undated=only", status=400)
    assert [p["name"] for p in refused["invalid_params"]] == ["undated"]
    for record in get_all(client, "/statements?undated=only&limit=100"):
        assert record["date_start"] is None


def test_undated_include_pages_in_date_order(client):
    forward = [r["id"] for r in get_all(client, "/statements?since=2025-04-27&undated=include&sort=date&limit=5")]
    backward = [r["id"] for r in get_all(client, "/statements?since=2025-04-27&undated=include&sort=-date&limit=5")]
    assert len(forward) == len(set(forward)) and set(forward) == set(backward)


@pytest.mark.parametrize(
    ("url", "parameter", "message"),
    [
        (
            "/statements?event=putin-thanks-kim-jong-u",
            "event",
            "No event has id 'putin-thanks-kim-jong-u'. Did you mean",
        ),
        ("/statements?source=003_4c4acd25798775f4", "source", "No source has id '003_4c4acd25798775f4'. Did you mean"),
        ("/events?source=nope", "source", "No source has id 'nope'."),
        ("/events?location=Kursq", "location", "No place is named 'Kursq'. Did you mean 'Kursk Oblast'?"),
        ("/casualties?location=ZZ", "location", "No place in the registry lies in 'ZZ'"),
    ],
)
def test_unknown_values_are_explained_with_suggestions(client, url, parameter, message):
    body = get_json(client, url)
    assert body["meta"]["total"] == 0
    (resolution,) = body["meta"]["resolved"]
    assert resolution["parameter"] == parameter and resolution["matched"] is None
    assert resolution["message"].startswith(message), resolution["message"]


def test_known_values_say_what_they_matched(client):
    body = get_json(client, "/events?location=Kursk,RU&source=003_4c4acd25798775f3&limit=1")
    kursk, russia, source = body["meta"]["resolved"]
    assert kursk["matched"] == {"id": "kursk-oblast", "name": "Kursk Oblast", "kind": "region"}
    assert {c["id"] for c in kursk["covers"]} == {"kursk-oblast", "sudzhansky-district"}
    assert russia["matched"] is None and russia["message"] is None and russia["count"] >= 4  # a country code
    assert source["resource"] == "sources" and source["matched"]["id"] == "003_4c4acd25798775f3"
    assert source["include_affiliates"] is None and kursk["include_affiliates"] is None


def test_one_unknown_value_among_several_does_not_empty_the_list(client):
    both = get_json(client, "/statements?actor=Seoul,Nobody&limit=1")
    assert both["meta"]["total"] == get_json(client, "/statements?actor=Seoul&limit=1")["meta"]["total"] > 0
    assert [r["matched"] and r["matched"]["id"] for r in both["meta"]["resolved"]] == ["south-korea", None]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/statements?stance=condemn,", "stance"),
        ("/statements?stance=condemn,bogus", "stance"),
        ("/statements?actor=" + ",".join(["Seoul"] * 20), None),  # a value given twice counts once...
        ("/statements?actor=" + ",".join(["Seoul"] * 21), "actor"),  # ...but maxItems counts values as sent
        ("/events.csv?plover=" + ",".join(["AID"] * 21), "plover"),
        # maxItems: as many as there are facets
        ("/statements/facets?facet=" + ",".join(["stance"] * (len(STATEMENT_FACETS) + 1)), "facet"),
        ("/statements?id=a&id=b&id=" + ",".join(["c"] * 19), "id"),  # repeated: the values joined
        ("/statements?actor=" + ",".join(f"a{i}" for i in range(21)), "actor"),
        ("/statements?undated=sometimes", "undated"),
        ("/statements?limit=1&limit=2", "limit"),
    ],
)
def test_bad_values_are_400s_naming_the_parameter(client, url, name):
    if name is None:
        get_json(client, url)
        return
    body = get_json(client, url, status=400)
    assert [p["name"] for p in body["invalid_params"]] == [name]
