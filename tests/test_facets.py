"""Facets: the counts equal what the list returns, for random filter combinations, on the seeds and
on a synthetic corpus; each facet ignores its own filter; buckets are sorted and cut as documented."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import create_app
from data.build import build_database
from schemas import vocab
from tests.conftest import SEEDS, generate_seeds, get_all, get_json

# --------------------------------------------------------------------------------------------
# What a facet counts, computed from the list's own records.


def _speakers(r):
    return [s["actor"]["id"] for s in r["speakers"]]


STATEMENT_FACETS = {
    "stance": lambda r, ctx: [r["stance"]],
    "kind": lambda r, ctx: [r["kind"]],
    "speaker": lambda r, ctx: list(dict.fromkeys(_speakers(r))) or [None],
    "target": lambda r, ctx: list(dict.fromkeys(t["id"] for t in r["targets"])) or [None],
    "event": lambda r, ctx: [r["event"]["id"] if r["event"] else None],
    "certainty": lambda r, ctx: [ctx["certainty"][r["event"]["id"]] if r["event"] else None],
    "source": lambda r, ctx: [r["source"]["id"]],
    "year": lambda r, ctx: [r["date_start"][:4] if r["date_start"] else None],
    "month": lambda r, ctx: [r["date_start"][:7] if r["date_start"] else None],
    "day": lambda r, ctx: [r["date_start"]],
}
EVENT_FACETS = {
    "type": lambda r, ctx: [r["type"]],
    "status": lambda r, ctx: [r["status"]],
    "certainty": lambda r, ctx: [r["certainty"]],
    "plover": lambda r, ctx: [r["plover"]],
    "participant": lambda r, ctx: list(dict.fromkeys(p["actor"]["id"] for p in r["participants"])) or [None],
    "asserted_by": lambda r, ctx: list(dict.fromkeys(a["id"] for a in r["asserted_by"])) or [None],
    "place": lambda r, ctx: ctx["within"][r["location"]["id"]] if r["location"] else [None],
    "country": lambda r, ctx: [r["location"]["country"] if r["location"] else None],
    "source": lambda r, ctx: list(dict.fromkeys(s["source"]["id"] for s in r["sources"])),
    "month": lambda r, ctx: [r["date_start"][:7] if r["date_start"] else None],
}
CASUALTY_FACETS = {
    "party": lambda r, ctx: [r["party"]["id"]],
    "claimed_by": lambda r, ctx: [r["claimed_by"]["id"] if r["claimed_by"] else None],
    "category": lambda r, ctx: [r["category"]],
    "place": lambda r, ctx: ctx["within"][r["location"]["id"]] if r["location"] else [None],
    "source": lambda r, ctx: [r["source"]["id"]],
    "year": lambda r, ctx: [r["as_of"]["start"][:4] if r["as_of"]["start"] else None],
}
ACTOR_FACETS = {
    "kind": lambda r, ctx: [r["kind"]],
    "country": lambda r, ctx: [r["country"]],
    "affiliation": lambda r, ctx: [r["affiliation"]["id"] if r["affiliation"] else None],
}
# The parameters whose filter each facet leaves out (as declared in api/*.py).
IGNORES = {
    "speaker": ("actor",),
    "participant": ("actor", "role"),
    "party": ("actor",),
    "place": ("location",),
    "country": ("location",),
    # A date facet's own filter is the date range.
    "year": ("since", "until", "undated"),
    "month": ("since", "until", "undated"),
    "day": ("since", "until", "undated"),
}


def ignored(facet: str, resource: str) -> tuple[str, ...]:
    if resource == "actors" and facet == "country":
        return ("country",)
    if resource == "actors" and facet == "affiliation":
        return ()
    return IGNORES.get(facet, (facet,))


def expected(client, resource: str, facet: str, count, params: dict, ctx) -> Counter:
    kept = {k: v for k, v in params.items() if k not in ignored(facet, resource)}
    query = urlencode({**kept, "limit": 100})
    counts: Counter = Counter()
    for record in get_all(client, f"/{resource}?{query}"):
        counts.update(count(record, ctx))
    return counts


def check(client, resource: str, declared: dict, params: dict, ctx) -> None:
    facets = list(declared)
    body = get_json(
        client, f"/{resource}/facets?" + urlencode({**params, "facet": ",".join(facets), "facet_size": 200})
    )
    total = get_json(client, f"/{resource}?" + urlencode({**params, "limit": 1}))["meta"]["total"]
    assert body["meta"]["total"] == total, params
    for facet in facets:
        got = [(b["value"], b["count"]) for b in body["data"][facet]]
        counts = expected(client, resource, facet, declared[facet], params, ctx)
        ranked = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0] is None, vc[0] or ""))
        assert got == ranked[:200], (facet, params)
        assert (facet in body["meta"]["truncated"]) == (len(ranked) > 200)


# --------------------------------------------------------------------------------------------
# Random filters over the seeds


def places_within() -> dict[str, list[str]]:
    """Each place of the registry -> it and every place that contains it."""
    places = {p["id"]: p.get("within") for p in yaml.safe_load((SEEDS / "places.yaml").read_text())["places"]}
    chains = {}
    for place_id in places:
        chain, node = [], place_id
        while node is not None:
            chain.append(node)
            node = places[node]
        chains[place_id] = chain
    return chains


@pytest.fixture(scope="module")
def context(app):
    client = app.test_client()
    return {
        "certainty": {e["id"]: e["certainty"] for e in get_all(client, "/events?limit=100")},
        "within": places_within(),
    }


def some(values, most=2):
    return st.lists(st.sampled_from(values), min_size=1, max_size=most, unique=True).map(",".join)


DATES = st.sampled_from(["2025-04-01", "2025-04-26", "2025-04-28", "2025-05-09"])
STATEMENT_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "stance": some(["condemn", "accuse", "assess", "confirm", "thank"]),
        "kind": some(vocab.STATEMENT_KINDS),
        "actor": some(["Seoul", "Moscow", "Pyongyang", "Kim Jong Un", "KCNA", "NIS"]),
        "target": some(["Moscow", "Pyongyang", "Ukraine", "Washington"]),
        "certainty": some(vocab.EVENT_CERTAINTIES),
        "since": DATES,
        "undated": st.sampled_from(["include", "exclude", "only"]),
        "q": st.sampled_from(["troops", "korea*", "kursk", "north korean"]),
        "include_affiliates": st.sampled_from(["true", "false"]),
    },
)
EVENT_FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "type": some(["combat_operation", "troop_deployment", "media_release", "condemnation"]),
        "certainty": some(vocab.EVENT_CERTAINTIES),
        "actor": some(["Moscow", "Pyongyang", "Kim Jong Un", "Ukraine"]),
        "location": some(["Kursk", "Russia", "Moscow", "RU-KRS"]),
        "until": DATES,
        "undated": st.sampled_from(["include", "exclude", "only"]),
        "q": st.sampled_from(["troops", "kursk", "parade"]),
    },
)


def _valid(params: dict) -> bool:
    """undated=only takes no date range (a 400, tested in test_filters)."""
    return not (params.get("undated") == "only" and ({"since", "until"} & set(params)))


STATEMENT_FILTERS = STATEMENT_FILTERS.filter(_valid)
EVENT_FILTERS = EVENT_FILTERS.filter(_valid)
QUICK = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@QUICK
@given(params=STATEMENT_FILTERS)
def test_statement_facets_count_what_the_list_returns(client, context, params):
    check(client, "statements", STATEMENT_FACETS, params, context)


@QUICK
@given(params=EVENT_FILTERS)
def test_event_facets_count_what_the_list_returns(client, context, params):
    check(client, "events", EVENT_FACETS, params, context)


@pytest.mark.parametrize("params", [{}, {"actor": "NIS"}, {"category": "killed"}, {"location": "Kursk"}])
def test_casualty_facets_count_what_the_list_returns(client, context, params):
    check(client, "casualties", CASUALTY_FACETS, params, context)


@pytest.mark.parametrize("params", [{}, {"kind": "person,state"}, {"country": "KR"}, {"affiliated_with": "Russia"}])
def test_actor_facets_count_what_the_list_returns(client, context, params):
    check(client, "actors", ACTOR_FACETS, params, context)


# --------------------------------------------------------------------------------------------
# The same on a synthetic corpus: thousands of records, many values per facet.


@pytest.fixture(scope="module")
def synthetic_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("facets")
    generate_seeds(1200, 3, folder / "seeds")
    build_database(folder / "seeds", folder / "corpus.db")
    return create_app({"TESTING": True, "DATABASE": str(folder / "corpus.db")}).test_client()


@pytest.mark.parametrize(
    "params",
    [
        {"actor": "Seoul"},
        {"stance": "condemn,accuse", "since": "2020-01-01"},
        {"q": "sanctions", "undated": "include", "until": "2022-12-31"},
        {"target": "Moscow,Pyongyang", "kind": "paraphrase"},
    ],
)
def test_facets_on_a_synthetic_corpus(synthetic_client, params):
    client = synthetic_client
    ctx = {"certainty": {e["id"]: e["certainty"] for e in get_all(client, "/events?limit=100")}}
    subset = {k: STATEMENT_FACETS[k] for k in ("stance", "speaker", "target", "certainty", "month")}
    check(client, "statements", subset, params, ctx)


# --------------------------------------------------------------------------------------------
# Behaviour


def test_a_facet_ignores_its_own_filter_and_applies_the_others(client):
    all_stances = get_json(client, "/statements/facets?facet=stance")["data"]["stance"]
    narrowed = get_json(client, "/statements/facets?facet=stance,kind&stance=condemn")
    assert narrowed["data"]["stance"] == all_stances  # the alternatives stay visible
    condemnations = get_json(client, "/statements?stance=condemn&limit=1")["meta"]["total"]
    assert narrowed["meta"]["total"] == condemnations
    assert sum(b["count"] for b in narrowed["data"]["kind"]) == condemnations  # kind: filtered by stance


def test_date_buckets_sum_to_the_total_with_a_null_bucket_for_undated_records(client):
    body = get_json(client, "/statements/facets?facet=year,month,day")
    for facet in ("year", "month", "day"):
        buckets = body["data"][facet]
        assert sum(b["count"] for b in buckets) == body["meta"]["total"] == 36
        assert any(b["value"] is None for b in buckets)
    undated = get_json(client, "/statements?undated=only&limit=1")["meta"]["total"]
    assert {b["value"]: b["count"] for b in body["data"]["month"]}[None] == undated


def test_buckets_are_sorted_by_count_then_value_and_cut_at_facet_size(client):
    body = get_json(client, "/statements/facets?facet=speaker,stance&facet_size=3")
    for facet in ("speaker", "stance"):
        buckets = body["data"][facet]
        assert len(buckets) == 3
        keys = [(-b["count"], b["value"] is None, b["value"] or "") for b in buckets]
        assert keys == sorted(keys)
    assert body["meta"]["truncated"] == ["speaker", "stance"]
    assert body["meta"]["facet_size"] == 3
    full = get_json(client, "/statements/facets?facet=speaker,stance&facet_size=200")
    assert full["data"]["speaker"][:3] == body["data"]["speaker"]
    assert full["meta"]["truncated"] == []


def test_actor_buckets_name_the_actor(client):
    (first, *_) = get_json(client, "/statements/facets?facet=speaker&actor=Seoul")["data"]["speaker"]
    assert first["actor"]["id"] == first["value"] and first["label"] == first["actor"]["name"]
    stance = get_json(client, "/statements/facets?facet=stance")["data"]["stance"][0]
    assert stance["actor"] is None and stance["label"] is None
    event = get_json(client, "/statements/facets?facet=event")["data"]["event"]
    titled = [b for b in event if b["value"]]
    assert titled and all(b["label"] for b in titled)


def test_role_facet_counts_the_roles_of_the_filtered_actor(client):
    body = get_json(client, "/events/facets?facet=role&actor=Kim Jong Un&include_affiliates=false")
    events = get_all(client, "/events?actor=Kim Jong Un&include_affiliates=false&limit=100")
    roles = Counter(
        role for e in events for role in {p["role"] for p in e["participants"] if p["actor"]["id"] == "kim-jong-un"}
    )
    assert {b["value"]: b["count"] for b in body["data"]["role"]} == dict(roles)


@pytest.mark.parametrize(
    ("url", "name", "reason"),
    [
        ("/statements/facets", "facet", "Missing data"),
        ("/statements/facets?facet=stance,bogus", "facet", "Must be one of: stance, kind, speaker"),
        ("/events/facets?facet=type&facet_size=0", "facet_size", ""),
        ("/statements/facets?facet=stance&limit=5", "limit", "Unknown parameter"),
        ("/statements/facets?facet=stance&stance=bogus", "stance", "Must be one of"),
    ],
)
def test_bad_facet_requests_are_400s_naming_the_parameter(client, url, name, reason):
    body = get_json(client, url, status=400)
    assert [p["name"] for p in body["invalid_params"]] == [name]
    assert reason in body["invalid_params"][0]["reason"]


def test_facets_report_what_names_resolved_to(client):
    body = get_json(client, "/statements/facets?facet=stance&actor=Seoul,Nobody&event=no-such-event")
    resolved = body["meta"]["resolved"]
    assert [(r["parameter"], r["value"]) for r in resolved] == [
        ("actor", "Seoul"),
        ("actor", "Nobody"),
        ("event", "no-such-event"),
    ]
    assert resolved[0]["matched"]["id"] == "south-korea"
    assert resolved[1]["matched"] is None and "No actor is named" in resolved[1]["message"]
    assert body["meta"]["total"] == 0  # an unknown event matches nothing


def test_a_date_facet_ignores_the_date_range_and_the_others_apply_it(client):
    everything = get_json(client, "/statements/facets?facet=month,stance")["data"]
    ranged = get_json(client, "/statements/facets?facet=month,stance&since=2025-05-01&undated=exclude")
    assert ranged["data"]["month"] == everything["month"]  # every bar of the histogram stays
    in_range = get_all(client, "/statements?since=2025-05-01&undated=exclude")
    assert ranged["meta"]["total"] == len(in_range) < sum(b["count"] for b in everything["stance"])
    assert sum(b["count"] for b in ranged["data"]["stance"]) == len(in_range)
