"""/explore in a real browser: Debian's Chromium, headless, with a fresh profile (tests/browser.py),
driven over the DevTools protocol by explorer_browser.mjs through scenarios written here, against
gunicorn on 127.0.0.1 serving the seed corpus (``live_server``) or a hostile one (hostile.py).

What a reader sees is checked against what the API answers for the same question: the quote a
"Show in source" link marks, the counts on the facets, the statements a filter keeps, the detail of
a problem. Each screen's first paint makes at most two API requests, logs no error, violates no CSP
directive and no request leaves 127.0.0.1; axe-core finds nothing serious; a phone has no
horizontal scroll; data that carries markup stays text. Reports, axe results and screenshots go to
test-artifacts/ (explorer-*.json, explorer-*.png).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from scripts.live_server import LiveServer
from tests.browser import Browser, chromium, png_size, probe_url

from ..conftest import SEEDS
from ..contract.conftest import ARTIFACTS, ROOT, run
from . import hostile

# Runs Chromium and Node: not in `make test-fast`; every test here talks to a gunicorn on 127.0.0.1.
pytestmark = [pytest.mark.tools, pytest.mark.live]

DRIVER = ROOT / "tests" / "explorer" / "explorer_browser.mjs"
PROBE_URL = probe_url("explorer")
ACTOR = "/explore/actors/Seoul"
EVENT_ID = "kursk-liberation-operation"
EVENT = f"/explore/events/{EVENT_ID}"
SEARCH = "/explore/search?q=troops"
SCREENS = {"home": "/explore", "actor": ACTOR, "event": EVENT, "search": SEARCH}
HWANG = "hwang-joon-kook"
HWANG_SOURCE = "003_4c4acd25798775f3"
MAP_DRAWN = "!!document.querySelector('figure.map svg circle.map-point')"
SOURCE_MARKED = "!!document.querySelector('section#source[aria-busy=\"false\"] .source-text mark#span')"
BUNDLE = "/explore/assets/explorer.js"
PHONE = {"width": 390, "height": 844, "mobile": True}


# ---- helpers --------------------------------------------------------------------------------------


@pytest.fixture()
def browser(tmp_path):
    with chromium(tmp_path) as started:
        yield started


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def explore(browser: Browser, base_url: str, name: str, steps: list[dict], **options: Any) -> dict:
    """Runs a scenario (``steps``; options: viewport, bypassCSP, probe) in ``browser`` against
    ``base_url``, saves its report as test-artifacts/explorer-<name>.json and returns it; fails
    with the driver's error and what the page showed when a step could not complete."""
    scenario = {"name": name, "steps": steps, **options}
    result = run(["node", DRIVER, browser.devtools_port, base_url, json.dumps(scenario)], timeout=180)
    report = json.loads(result.stdout)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"explorer-{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert "error" not in report, f"{report['error']}\nthe page: {json.dumps(report.get('lastDom'))[:3000]}"
    return report


def visit(path: str, **options: Any) -> dict:
    return {"visit": path, **options}


def click(selector: str, **options: Any) -> dict:
    return {"click": selector, **options}


def api(base_url: str, path: str, status: int = 200) -> dict:
    """The API's JSON answer to GET ``path`` (a problem's too)."""
    try:
        with urllib.request.urlopen(base_url + path, timeout=10) as response:
            code, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        code, body = error.code, error.read()
    assert code == status, (path, code, body[:500])
    return json.loads(body)


def all_ids(base_url: str, path: str) -> list[str]:
    """The ids of every statement a /statements query returns, following the pages."""
    ids, url = [], path
    while url:
        page = api(base_url, url)
        ids += [s["id"] for s in page["data"]]
        url = page["links"]["next"]
    return ids


def counts(buckets: list[dict]) -> dict[str | None, int]:
    return {b["value"]: b["count"] for b in buckets}


def statement_selector(statement_id: str) -> str:
    return f'#main article.statement[data-id="{statement_id}"] footer a[data-route]'


def errors_in(console: list[dict]) -> list[dict]:
    return [c for c in console if c["type"] in ("error", "assert", "exception") or c["type"] == "log.error"]


# ---- the actor page -------------------------------------------------------------------------------


def test_actor_page_lists_hwang_and_opens_his_quote_marked_in_its_source(browser, live_server, artifacts):
    base = live_server.url
    (hwang,) = [s for s in api(base, f"/statements?actor={HWANG}")["data"] if s["quote"]]
    source = api(base, f"/sources/{hwang['source']['id']}")
    assert hwang["source"]["id"] == HWANG_SOURCE
    assert source["text"][hwang["span"]["start"] : hwang["span"]["end"]] == hwang["quote"]  # code points
    facets = api(base, "/statements/facets?actor=Seoul&facet=stance,target&facet_size=50")["data"]
    screenshot = artifacts / "explorer-actor.png"
    screenshot.unlink(missing_ok=True)

    actor, opened = explore(
        browser,
        base,
        "actor",
        [
            visit(ACTOR, screenshot=str(screenshot)),
            click(statement_selector(hwang["id"]), until=SOURCE_MARKED),
        ],
    )["screens"]

    page = actor["dom"]
    assert (page["screen"], page["state"], page["title"]) == ("actor", "ready", "South Korea")
    (card,) = [s for s in page["statements"] if s["id"] == hwang["id"]]
    assert {"text": "Hwang Joon-kook", "href": f"/explore/actors/{HWANG}"} in card["speakers"]
    assert card["quote"] == hwang["quote"]
    assert card["showInSource"] == f"{ACTOR}?statement={hwang['id']}"
    # The counts are the API's; Hwang, undated, is in the undated lane, last; he is in the tree.
    bars = {bar["caption"]: counts(bar["items"]) for bar in page["actor"]["bars"]}
    assert bars == {"By stance": counts(facets["stance"]), "By target": counts(facets["target"])}
    assert page["actor"]["toggle"] is True
    lanes = page["actor"]["lanes"]
    assert lanes[-1]["lane"] == "undated" and lanes[-1]["undated"] and hwang["id"] in lanes[-1]["ids"]
    assert [lane["lane"] for lane in lanes[:-1]] == sorted((lane["lane"] for lane in lanes[:-1]), reverse=True)
    assert {"text": "Hwang Joon-kook", "href": f"/explore/actors/{HWANG}"} in page["actor"]["tree"]["links"]

    # "Show in source": the same screen, one request (the source), the quote marked, seen, focused.
    view = opened["dom"]
    assert view["url"] == f"{ACTOR}?statement={hwang['id']}" and view["screen"] == "actor"
    assert opened["apiRequests"] == [f"{base}/sources/{HWANG_SOURCE}"]
    assert view["source"]["id"] == HWANG_SOURCE and view["source"]["busy"] == "false"
    mark = view["source"]["mark"]
    assert mark["text"] == hwang["quote"] == source["text"][hwang["span"]["start"] : hwang["span"]["end"]]
    assert mark["inViewport"] and mark["focused"]
    assert [s["id"] for s in view["statements"] if s["selected"]] == [hwang["id"]]

    assert png_size(screenshot)[0] == 1280 and screenshot.stat().st_size > 30_000


# ---- the event page ---------------------------------------------------------------------------------


def test_event_map_puts_the_point_in_the_kursk_region_and_in_russia(browser, live_server, artifacts):
    base = live_server.url
    event = api(base, f"/events/{EVENT_ID}")
    statements = api(base, f"/statements?event={EVENT_ID}&limit=100")["data"]
    screenshot = artifacts / "explorer-event.png"
    screenshot.unlink(missing_ok=True)

    (screen,) = explore(browser, base, "event", [visit(EVENT, until=MAP_DRAWN, screenshot=str(screenshot))])["screens"]

    page = screen["dom"]
    assert (page["screen"], page["state"], page["title"]) == ("event", "ready", event["title"])
    shown = page["event"]["map"]
    assert shown["points"] == 1 and shown["countries"] > 1 and shown["regions"] > 1
    # The point's centre, in each path's own coordinates, is inside exactly one region and one
    # country: Kursk, in Russia, where the API places the event.
    assert event["location"]["region"] == "RU-KRS" and event["location"]["country"] == "RU"
    assert shown["inRegions"] == [{"name": "Kursk", "country": event["location"]["country"]}]
    assert shown["inCountries"] == [{"name": "Russia", "country": event["location"]["country"]}]
    # Reactions grouped by stance, and the supporting sources with their passage marked.
    groups = {g["stance"]: g["ids"] for g in page["event"]["stanceGroups"]}
    assert groups == {stance: [s["id"] for s in statements if s["stance"] == stance] for stance in groups}
    assert sorted(i for ids in groups.values() for i in ids) == sorted(s["id"] for s in statements)
    assert page["event"]["supporting"] == [
        {
            "source": s["source"]["id"],
            "excerpt": s["excerpt"],
            "marks": [s["excerpt"][s["excerpt_span"]["start"] : s["excerpt_span"]["end"]]],
        }
        for s in event["sources"]
    ]
    assert png_size(screenshot)[0] == 1280 and screenshot.stat().st_size > 30_000


# ---- search -----------------------------------------------------------------------------------------


def test_search_stance_facet_counts_are_the_apis_and_checking_one_filters_the_list(browser, live_server, artifacts):
    base = live_server.url
    stance_facet = api(base, "/statements/facets?q=troops&facet=stance&facet_size=50")["data"]["stance"]
    expected = {value: count for value, count in counts(stance_facet).items() if value is not None}
    chosen = stance_facet[0]["value"]
    everything = all_ids(base, "/statements?q=troops&limit=100")
    kept = all_ids(base, f"/statements?q=troops&stance={chosen}&limit=100")
    assert 0 < len(kept) < len(everything), "the test needs a stance that narrows the search"
    after = counts(
        api(base, f"/statements/facets?q=troops&stance={chosen}&facet=stance&facet_size=50")["data"]["stance"]
    )
    screenshot = artifacts / "explorer-search.png"
    screenshot.unlink(missing_ok=True)

    before, filtered = explore(
        browser,
        base,
        "search",
        [
            visit(SEARCH, screenshot=str(screenshot)),
            click(
                f'fieldset.facet[data-facet="stance"] input[type=checkbox][value="{chosen}"]',
                until="location.search.includes('stance=')",
            ),
        ],
    )["screens"]

    page = before["dom"]["search"]
    assert page["q"] == "troops"
    assert {c["value"]: c["count"] for c in page["facets"]["stance"]} == expected
    assert not any(c["checked"] for c in page["facets"]["stance"])
    assert page["total"] == len(everything) and page["results"] == everything
    assert set(page["facets"]) == {"stance", "speaker", "target", "event_type"}
    assert sum(m["count"] for m in page["months"]) <= page["total"]
    assert [d["text"] for d in page["downloads"]] == ["CSV", "NDJSON"]

    url = urlsplit(filtered["dom"]["url"])
    assert url.path == "/explore/search" and parse_qs(url.query) == {"q": ["troops"], "stance": [chosen]}
    result = filtered["dom"]["search"]
    assert result["results"] == kept and result["total"] == len(kept)
    assert [c["value"] for c in result["facets"]["stance"] if c["checked"]] == [chosen]
    # The other stances stay on offer, with the counts the API gives under this filter.
    offered = {c["value"]: c["count"] for c in result["facets"]["stance"]}
    assert offered == {v: c for v, c in after.items() if v is not None} and len(offered) > 1
    assert len(filtered["apiRequests"]) <= 2
    assert png_size(screenshot)[0] == 1280 and screenshot.stat().st_size > 30_000


# ---- every screen: requests, console, CSP, nothing off 127.0.0.1 -------------------------------------


def test_every_screen_paints_with_two_api_requests_at_most_cleanly_and_on_127_0_0_1(browser, live_server, artifacts):
    base = live_server.url
    steps = [visit(path, name=name, until=MAP_DRAWN if name == "event" else None) for name, path in SCREENS.items()]
    report = explore(browser, base, "screens", steps, probe=PROBE_URL)

    measured = {}
    for screen in report["screens"]:
        name, dom = screen["name"], screen["dom"]
        measured[name] = {"first_paint": screen["firstPaintApiRequests"], "until_idle": screen["apiRequests"]}
        assert (dom["screen"], dom["state"], dom["busy"]) == (name, "ready", "false"), name
        # Every API request of the screen, to the moment nothing loads any more: at most two.
        assert len(screen["apiRequests"]) <= 2, (name, screen["apiRequests"])
        assert screen["firstPaintApiRequests"] == screen["apiRequests"], name
        if name != "home":
            assert len(screen["apiRequests"]) >= 1, name
        static = [r["url"] for r in screen["requests"] if not r["api"] and not r["url"].startswith("data:")]
        assert set(static) <= {base + SCREENS[name], base + BUNDLE} | {
            f"{base}/explore/assets/{a}" for a in ("explorer.css", "basemap.json")
        }, (name, static)
        offsite = [r["url"] for r in screen["requests"] if not r["url"].startswith((f"{base}/", "data:"))]
        assert offsite == [], (name, offsite)
        assert [r for r in screen["requests"] if r.get("failed") or r.get("status", 200) >= 400] == [], name
        assert errors_in(screen["console"]) == [], (name, screen["console"])
        assert screen["csp"] == [] and screen["dialogs"] == [], (name, screen["csp"], screen["dialogs"])
    (artifacts / "explorer-requests.json").write_text(json.dumps(measured, indent=2), encoding="utf-8")

    # The browser sent nothing to any other host before the probe; the probe was caught.
    assert browser.proxy.seen == [("GET", PROBE_URL)], browser.proxy.seen
    assert [u for u in report["probeRequests"] if not u.startswith("data:")] == [PROBE_URL]


# ---- history --------------------------------------------------------------------------------------


def test_back_after_following_an_event_link_shows_the_actor_page_again(browser, live_server):
    base = live_server.url
    link = '#main article.statement footer a[href^="/explore/events/"]'
    actor, event, back = explore(browser, base, "back", [visit(ACTOR), click(link), {"back": True, "name": "back"}])[
        "screens"
    ]

    followed = next(s["event"] for s in actor["dom"]["statements"] if s["event"])  # the first such link
    assert event["dom"]["screen"] == "event" and event["dom"]["url"] == followed
    event_id = followed.removeprefix("/explore/events/")
    assert event["dom"]["title"] == api(base, f"/events/{event_id}")["title"]
    assert event["dom"]["focused"]["id"] == "title"  # a new screen gives its heading the focus
    assert [r["type"] for r in event["requests"] if r["type"] == "Document"] == []  # no page load

    assert (back["dom"]["screen"], back["dom"]["state"], back["dom"]["url"]) == ("actor", "ready", ACTOR)
    assert back["dom"]["title"] == actor["dom"]["title"] == "South Korea"
    assert [s["id"] for s in back["dom"]["statements"]] == [s["id"] for s in actor["dom"]["statements"]]


# ---- problems ---------------------------------------------------------------------------------------

LONG_Q = "x" * 201


def api_detail(base: str, kind: str) -> tuple[str, str | None]:
    """What the API says to the request behind each broken explorer URL: (detail, "status title")."""
    if kind == "unknown actor":  # /statements answers 200, and says the name matched no actor
        (resolution,) = api(base, "/statements?actor=Kursq")["meta"]["resolved"]
        assert resolution["matched"] is None
        return resolution["message"], None
    if kind == "unknown event":
        problem = api(base, "/events/no-such-event", status=404)
    else:
        problem = api(base, "/statements?" + urlencode({"q": LONG_Q}), status=400)
    return problem["detail"], f"{problem['status']} {problem['title']}"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        pytest.param("unknown actor", "/explore/actors/Kursq", id="unknown-actor"),
        pytest.param("unknown event", "/explore/events/no-such-event", id="unknown-event"),
        pytest.param("search too long", "/explore/search?" + urlencode({"q": LONG_Q}), id="q-too-long"),
    ],
)
def test_an_api_problem_shows_its_detail(browser, live_server, kind, path):
    detail, status = api_detail(live_server.url, kind)
    (screen,) = explore(browser, live_server.url, f"problem-{kind.replace(' ', '-')}", [visit(path)])["screens"]

    dom = screen["dom"]
    assert dom["state"] == "error" and dom["busy"] == "false"
    assert dom["problem"] is not None, dom
    assert dom["problem"]["detail"] == detail
    if status is not None:
        assert dom["problem"]["title"] == status
    assert [c for c in screen["console"] if c["type"] == "exception"] == []


# ---- phone and keyboard -----------------------------------------------------------------------------


def test_on_a_phone_no_screen_scrolls_sideways_and_the_first_tab_reaches_the_skip_link(browser, live_server):
    steps = [
        visit(path, name=name, tab=True, until=MAP_DRAWN if name == "event" else None) for name, path in SCREENS.items()
    ]
    report = explore(browser, live_server.url, "phone", steps, viewport=PHONE)

    for screen in report["screens"]:
        layout = screen["dom"]["layout"]
        assert layout["innerWidth"] == PHONE["width"], screen["name"]
        assert layout["scrollWidth"] <= layout["innerWidth"], (screen["name"], layout)
        assert screen["tab"]["class"] == "skip-link" and screen["tab"]["href"] == "#main", (
            screen["name"],
            screen["tab"],
        )


# ---- accessibility ----------------------------------------------------------------------------------


def test_axe_finds_nothing_serious_or_critical_on_any_screen(browser, live_server, artifacts):
    hwang = api(live_server.url, f"/statements?actor={HWANG}")["data"][0]["id"]
    steps = [
        visit(path, name=name, axe=True, until=MAP_DRAWN if name == "event" else None) for name, path in SCREENS.items()
    ]
    steps += [
        visit(f"{ACTOR}?statement={hwang}", name="source", axe=True, until=SOURCE_MARKED),
        visit("/explore/actors/Kursq", name="problem", axe=True),
    ]
    report = explore(browser, live_server.url, "axe", steps)
    results = {screen["name"]: screen["axe"] for screen in report["screens"]}
    (artifacts / "explorer-axe.json").write_text(json.dumps(results, indent=2), encoding="utf-8")

    for name, result in results.items():
        assert result["version"] == "4.11.0" and result["passes"] > 10, name  # axe ran, on a real page
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (name, serious)


# ---- hostile data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    corpus = hostile.build_hostile_corpus(SEEDS, tmp_path_factory.mktemp("hostile"))
    with LiveServer(corpus.database) as server:
        yield server, corpus


CANARY = (
    "document.getElementById('main').insertAdjacentHTML('beforeend', "
    f"{json.dumps(hostile.IMG + '<a id=canary href=' + hostile.JS_URL + '>x</a>')}), "
    "document.getElementById('canary').click(), true"
)


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with the page's CSP", "with CSP bypassed"])
def test_markup_in_the_data_and_the_query_stays_text(browser, hostile_server, bypass_csp):
    """With its CSP the page would block an injected script anyway; with CSP bypassed
    (Page.setBypassCSP) only the explorer's own rule, that data only ever becomes text, is tested.
    The canary at the end injects the payload on purpose, proving each check would see it."""
    server, corpus = hostile_server
    base = server.url
    quote_statement = api(base, f"/statements?actor={hostile.MINISTER}")["data"][0]
    assert quote_statement["id"] == hostile.QUOTE_STATEMENT and hostile.SCRIPT in quote_statement["quote"]
    assert api(base, f"/sources/{corpus.source}")["url"] == hostile.JS_URL
    event = api(base, f"/events/{hostile.EVENT}")
    searches = {"<script>": "search script", "onerror": "search onerror", hostile.IMG: "search payload"}

    steps = [
        visit(f"/explore/actors/{hostile.MINISTER}", name="actor"),
        click(statement_selector(hostile.QUOTE_STATEMENT), name="source", until=SOURCE_MARKED),
        visit(f"/explore/events/{hostile.EVENT}", name="event", until=MAP_DRAWN),
        *[visit("/explore/search?q=" + quote(q, safe=""), name=name) for q, name in searches.items()],
        # Run, the payload sets window.__xss; blocked, it leaves two CSP violations (handler, URL).
        {"eval": CANARY, "name": "canary", "until": "window.__xss === 1 || window.__explorerTest.csp.length >= 2"},
    ]
    report = explore(browser, base, f"xss-{'bypass' if bypass_csp else 'csp'}", steps, bypassCSP=bypass_csp)
    *screens, canary = report["screens"]

    for screen in screens:
        name, dom = screen["name"], screen["dom"]
        assert dom["state"] == "ready", name
        safety = dom["safety"]
        assert safety["xss"] is None, name
        assert safety["scripts"] == [BUNDLE], (name, safety["scripts"])
        assert safety["images"] == [] and safety["embeds"] == 0, name
        assert safety["javascriptLinks"] == [] and safety["handlers"] == [], (name, safety)
        assert screen["dialogs"] == [] and screen["csp"] == [], (name, screen["dialogs"], screen["csp"])
        assert errors_in(screen["console"]) == [], (name, screen["console"])
    by_name = {screen["name"]: screen["dom"] for screen in screens}

    # ... and every payload is there, as text.
    actor = by_name["actor"]
    assert actor["title"] == f"Minister {hostile.SCRIPT}"
    assert all(p in actor["safety"]["mainText"] for p in hostile.PAYLOADS)
    source = by_name["source"]["source"]
    assert source["mark"]["text"] == quote_statement["quote"]
    assert hostile.JS_URL in source["meta"]
    assert by_name["event"]["title"] == event["title"] == f"Ceremony {hostile.SCRIPT} {hostile.IMG}"
    assert all(p in by_name["event"]["safety"]["mainText"] for p in hostile.PAYLOADS)
    for q, name in searches.items():
        page = by_name[name]
        assert page["search"]["q"] == q and page["title"] == f"Statements matching “{q}”", name
        assert hostile.QUOTE_STATEMENT in page["search"]["results"], name
        assert hostile.SCRIPT in page["safety"]["mainText"] and hostile.IMG in page["safety"]["mainText"], name
    assert "onerror" in [m.lower() for s in by_name["search onerror"]["statements"] for m in s["marks"]]
    assert report["dialogs"] == canary["dialogs"]

    # The canary: the same payload injected as HTML is caught by the checks above.
    caught = canary["dom"]["safety"]
    assert caught["images"] == ["x"] and caught["javascriptLinks"] == [hostile.JS_URL] and caught["handlers"]
    if bypass_csp:
        assert caught["xss"] == "1" and canary["dialogs"] == [{"type": "alert", "message": "1"}]
    else:
        assert caught["xss"] is None and canary["dialogs"] == [] and canary["csp"]
