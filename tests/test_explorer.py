"""/explore served by the API (in process): one page for every explorer URL, its assets with ETags
and ahead-of-time gzip, a CSP that allows no inline script, style or other origin; and the two API
additions the screens rely on (include= carries the filters' records; event_type)."""

from __future__ import annotations

import gzip
import re

import pytest

from api.explorer import EXPLORER_CSP, STATIC

from .conftest import get_all, get_json

PAGES = [
    "/explore",
    "/explore/search",
    "/explore/search?q=troops&stance=condemn",
    "/explore/actors/Seoul",
    "/explore/actors/south-korea",
    "/explore/events/kursk-liberation-operation",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_explorer_url_is_the_page_under_a_strict_csp(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == EXPLORER_CSP
    assert response.get_data() == (STATIC / "index.html").read_bytes()


def test_the_csp_allows_no_inline_script_no_eval_and_no_other_origin():
    directives = dict(d.strip().split(" ", 1) for d in EXPLORER_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in EXPLORER_CSP and "*" not in EXPLORER_CSP


def test_the_page_has_no_inline_script_or_style_and_loads_only_its_own_assets():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/explore/assets/' in attrs and body == "" for attrs, body in scripts)
    assert "<style" not in html and " style=" not in html and "on" + "click" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(u.startswith(("/", "#")) or u == "data:," for u in urls), urls


def test_the_bundle_assigns_no_html():
    bundle = (STATIC / "explorer.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in bundle, sink


@pytest.mark.parametrize("name", ["explorer.js", "explorer.css", "basemap.json"])
def test_assets_are_served_gzipped_with_etags_and_304s(client, name):
    plain = client.get(f"/explore/assets/{name}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.get_data() == (STATIC / name).read_bytes()
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    zipped = client.get(f"/explore/assets/{name}", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    again = client.get(
        f"/explore/assets/{name}", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_unknown_explorer_paths_are_problems(client):
    for url in ("/explore/assets/nope.js", "/explore/assets/index.html", "/explore/nowhere"):
        response = client.get(url)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", url
    assert client.get("/explore/").status_code == 308
    assert client.post("/explore").status_code == 405


def test_include_actors_carries_the_actor_the_filter_named_and_those_above_it(client):
    # Hwang's own statements refer to South Korea (his affiliation) nowhere as a speaker or target
    # of every row; the actor page still gets both records in one request.
    body = get_json(client, "/statements?actor=hwang-joon-kook&include=actors&limit=1")
    ids = [a["id"] for a in body["included"]["actors"]]
    assert "hwang-joon-kook" in ids and "south-korea" in ids
    assert ids == sorted(ids)
    # Without include nothing is added; an unknown name adds nothing (and says why).
    assert "included" not in get_json(client, "/statements?actor=hwang-joon-kook&limit=1")
    unknown = get_json(client, "/statements?actor=Kursq&include=actors")
    assert unknown["included"] == {"actors": []} and unknown["meta"]["resolved"][0]["matched"] is None
    assert unknown["meta"]["resolved"][0]["message"] == "No actor is named 'Kursq'."
    assert get_json(client, "/statements?event=kursk-liberation-operation&include=events")["included"]["events"][0][
        "id"
    ] == ("kursk-liberation-operation")


def test_event_type_filters_statements_by_their_event_and_is_a_facet(client):
    statements = get_all(client, "/statements?event_type=condemnation,combat_operation")
    assert statements
    for statement in statements:
        event = get_json(client, f"/events/{statement['event']['id']}")
        assert event["type"] in ("condemnation", "combat_operation")
    everything = get_all(client, "/statements")
    expected = {}
    for statement in everything:
        kind = statement["event"]["type"] if statement["event"] else None
        expected[kind] = expected.get(kind, 0) + 1
    facets = get_json(client, "/statements/facets?facet=event_type&facet_size=200")["data"]["event_type"]
    assert {b["value"]: b["count"] for b in facets} == expected
