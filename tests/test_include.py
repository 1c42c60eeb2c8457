"""References that carry what a list row displays, and ``include=``: the full records a page refers to."""

from __future__ import annotations

import pytest

from schemas import resources as res
from schemas.envelopes import Included

from .conftest import get_all, get_json

LISTS = ("statements", "events", "casualties", "actors", "sources")
KINDS = ("actors", "events", "sources", "places")


def _source(ref):
    yield "sources", ref
    if ref["outlet"] is not None:
        yield "actors", ref["outlet"]


def _event(ref):
    yield "events", ref
    if ref["place"] is not None:
        yield "places", ref["place"]


def references(resource: str, row: dict):
    """(kind, reference) for every reference of a row, spelled out field by field (the API reads
    them off the schemas; this is the independent list)."""
    if resource == "statements":
        for speaker in row["speakers"]:
            yield "actors", speaker["actor"]
        for target in row["targets"]:
            yield "actors", target
        for link in row["via"]:
            if link["actor"] is not None:
                yield "actors", link["actor"]
        if row["event"] is not None:
            yield from _event(row["event"])
        yield from _source(row["source"])
    elif resource == "events":
        for actor in row["asserted_by"]:
            yield "actors", actor
        for participant in row["participants"]:
            yield "actors", participant["actor"]
        if row["location"] is not None:
            yield "places", row["location"]
        for support in row["sources"]:
            yield from _source(support["source"])
        for related in row["related"]:
            yield from _event(related)
    elif resource == "casualties":
        yield "actors", row["party"]
        if row["claimed_by"] is not None:
            yield "actors", row["claimed_by"]
        if row["location"] is not None:
            yield "places", row["location"]
        yield from _source(row["source"])
    elif resource == "actors":
        if row["affiliation"] is not None:
            yield "actors", row["affiliation"]
        for affiliate in row["affiliates"]:
            yield "actors", affiliate
    elif resource == "sources":
        if row["outlet"] is not None:
            yield "actors", row["outlet"]


def expected_ids(resource: str, rows: list[dict]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for row in rows:
        for kind, ref in references(resource, row):
            found[kind].add(ref["id"])
    if resource in found:
        found[resource] -= {row["id"] for row in rows}
    return {kind: sorted(ids) for kind, ids in found.items()}


# --- references -----------------------------------------------------------------------------


def projection(schema, record: dict) -> dict:
    return {name: record[name] for name in schema().fields}


@pytest.mark.parametrize("resource", LISTS)
def test_references_carry_what_a_list_row_displays(client, resource):
    """An actor reference is its record's projection, country included; an event reference adds
    the event's dates and its place (the location without the words of the text)."""
    seen = set()
    for row in get_all(client, f"/{resource}?limit=100"):
        for kind, ref in references(resource, row):
            if kind == "actors":
                assert set(ref) == {"id", "name", "kind", "country"}
                assert ref == projection(res.ActorRef, get_json(client, f"/actors/{ref['id']}"))
            elif kind == "events":
                assert set(ref) == {"id", "type", "title", "date_start", "date_end", "date_precision", "place"}
                event = get_json(client, f"/events/{ref['id']}")
                place = {k: v for k, v in event["location"].items() if k != "as_written"} if event["location"] else None
                assert ref == {**projection(res.EventRef, {**event, "place": None}), "place": place}
            elif kind == "places" and "as_written" not in ref:
                assert set(ref) == {"id", "name", "region", "country", "lat", "lon", "precision"}
            seen.add(kind)
    assert "actors" in seen


def test_some_event_reference_has_a_place_and_dates(client):
    refs = [e for row in get_all(client, "/events?limit=100") for e in row["related"]]
    refs += [s["event"] for s in get_all(client, "/statements?limit=100") if s["event"]]
    assert any(r["place"] for r in refs) and any(r["date_start"] for r in refs)
    assert all(r["date_precision"] in ("day", "month", "year", "range", "unknown") for r in refs)


# --- include= -------------------------------------------------------------------------------


def test_without_include_there_is_no_included(client):
    assert "included" not in get_json(client, "/statements")


@pytest.mark.parametrize("resource", LISTS)
def test_include_everything_gathers_every_reference_of_the_page_once(client, resource):
    url, pages = f"/{resource}?limit=7&include=actors,events,sources,places", 0
    while url and pages < 100:
        pages += 1
        body = get_json(client, url)
        rows, included = body["data"], body["included"]
        assert list(included) == list(KINDS)
        assert {kind: [r["id"] for r in records] for kind, records in included.items()} == expected_ids(resource, rows)
        assert Included().validate(included) == {}
        url = body["links"]["next"]  # keeps include=
    assert pages > 1 or resource in ("sources", "casualties")


def test_included_records_are_the_full_records(client):
    body = get_json(client, "/statements?limit=100&include=actors,events,sources,places")
    included = body["included"]
    assert included["actors"] and included["events"] and included["sources"] and included["places"]
    for actor in included["actors"]:
        assert actor == get_json(client, f"/actors/{actor['id']}")
    for event in included["events"]:
        assert event == get_json(client, f"/events/{event['id']}")
    for source in included["sources"]:
        full = get_json(client, f"/sources/{source['id']}")
        assert "text" not in source and source == {k: v for k, v in full.items() if k != "text"}
    for place in included["places"]:
        assert set(place) == set(res.Place().fields)
        if place["within"] is not None:
            assert place["within"]["id"] != place["id"]
    kursk = next(p for p in get_all_places(client) if p["id"] == "kursk-oblast")
    assert kursk["within"]["id"] == "russia" and "Kursk region" in kursk["aliases"]
    assert kursk["region"] == "RU-KRS" and kursk["precision"] == "region"


def get_all_places(client) -> list[dict]:
    """Every place some event or casualty is located in, as included records."""
    places = {}
    for resource in ("events", "casualties"):
        for place in get_json(client, f"/{resource}?limit=100&include=places")["included"]["places"]:
            places[place["id"]] = place
    return list(places.values())


def test_only_the_kinds_asked_for_are_keys(client):
    body = get_json(client, "/events?limit=5&include=places,actors")
    assert list(body["included"]) == ["actors", "places"]
    assert list(get_json(client, "/sources?include=events")["included"]) == ["events"]
    assert get_json(client, "/sources?include=events")["included"]["events"] == []


def test_the_listed_records_are_not_repeated(client):
    rows = get_json(client, "/events?limit=100&include=events")
    listed = {e["id"] for e in rows["data"]}
    assert not listed & {e["id"] for e in rows["included"]["events"]}
    page = get_json(client, "/events?limit=3&include=events")
    related = {r["id"] for e in page["data"] for r in e["related"]} - {e["id"] for e in page["data"]}
    assert [e["id"] for e in page["included"]["events"]] == sorted(related)
    actors = get_json(client, "/actors?limit=100&include=actors")
    assert actors["included"]["actors"] == []  # every actor is on the page


def test_include_rejects_unknown_kinds(client):
    problem = get_json(client, "/statements?include=actors,people", status=400)
    assert [p["name"] for p in problem["invalid_params"]] == ["include"]
