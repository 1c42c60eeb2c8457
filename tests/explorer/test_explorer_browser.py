"""/explore in a real browser: Debian's Chromium, headless, with a fresh profile (tests/browser.py),
driven over the DevTools protocol (tests/browser_driver.mjs, with the explorer's part in
explorer_browser.mjs) through scenarios written here, against gunicorn on 127.0.0.1 serving the
seed corpus (``live_server``), a hostile one (hostile.py), or a synthetic one large enough to page
through (``synthetic_server``: bench/generate.py's corpus, built by the real build).

What a reader sees is checked against what the API answers for the same question: the quote a
"Show in source" link marks, the counts on the facets, the statements a filter keeps, the detail of
a problem. Each screen's first paint makes at most two API requests, logs no error, violates no CSP
directive and no request leaves 127.0.0.1; axe-core finds nothing serious; a phone has no
horizontal scroll; data that carries markup stays text. Reports, axe results and screenshots go to
test-artifacts/ (explorer-*.json, explorer-*.png).
"""

from __future__ import annotations

import calendar
import csv
import http.client
import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from data.build import build_database
from scripts.live_server import LiveServer
from tests.browser import Browser, chromium, png_size, probe_url

from ..conftest import SEEDS, generate_seeds
from ..contract.conftest import ARTIFACTS, ROOT, run
from . import hostile

# Runs Chromium and Node: not in `make test-fast`; every test here talks to a gunicorn on 127.0.0.1.
pytestmark = [pytest.mark.tools, pytest.mark.live]

DRIVER = ROOT / "tests" / "explorer" / "explorer_browser.mjs"  # with tests/browser_driver.mjs
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


def ids_of(page: dict) -> list[str]:
    return [s["id"] for s in page["data"]]


def id_part(value: str) -> str:
    """A value as the explorer writes it into an element id (search.ts idPart): ASCII letters and
    digits kept, any other character as _<code point in hex>_."""
    return "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):x}_" for c in value)


def month_end(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def checked(dom: dict, facet: str) -> list[str]:
    return [c["value"] for c in dom["search"]["facets"][facet] if c["checked"]]


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
    steps = [
        visit(ACTOR),
        # Only the explorer's own restoring is tested: the browser's is turned off.
        {"eval": "history.scrollRestoration = 'manual', window.scrollTo(0, 400), window.scrollY", "name": "scroll"},
        click(link, scroll=False, name="event"),
        {"back": True, "name": "back"},
    ]
    actor, scrolled, event, back = explore(browser, base, "back", steps)["screens"]

    followed = next(s["event"] for s in actor["dom"]["statements"] if s["event"])  # the first such link
    assert event["dom"]["screen"] == "event" and event["dom"]["url"] == followed
    event_id = followed.removeprefix("/explore/events/")
    assert event["dom"]["title"] == api(base, f"/events/{event_id}")["title"]
    # A new screen gives its heading the focus, and starts at the top.
    assert scrolled["value"] == event["scrollBefore"] == 400
    assert event["dom"]["focused"]["id"] == "title" and event["dom"]["scrollY"] == 0
    assert [r["type"] for r in event["requests"] if r["type"] == "Document"] == []  # no page load

    assert (back["dom"]["screen"], back["dom"]["state"], back["dom"]["url"]) == ("actor", "ready", ACTOR)
    assert back["dom"]["title"] == actor["dom"]["title"] == "South Korea"
    assert [s["id"] for s in back["dom"]["statements"]] == [s["id"] for s in actor["dom"]["statements"]]
    assert back["dom"]["scrollY"] == 400  # where the reader left it


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
        {"eval": CANARY, "name": "canary", "until": "window.__xss === 1 || window.__browserDriver.csp.length >= 2"},
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


# ---- a synthetic corpus: enough statements to page through --------------------------------------

# bench/generate.py's corpus (a function of these two numbers), built by the real build: every
# month from 2015 to 2025, actors with hundreds of statements, searches with several pages.
SYNTHETIC_STATEMENTS, SYNTHETIC_SEED = 3000, 11
BUSY_ACTOR = "russia"  # about 300 statements with its affiliates': three timeline pages
PAGED_Q = "sanctions"  # over 200 matches: five search pages
FEW_MONTHS_Q = "talks"  # matches spread over fewer months than the histogram shows (50)


@pytest.fixture(scope="module")
def synthetic_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    seeds = generate_seeds(SYNTHETIC_STATEMENTS, SYNTHETIC_SEED, folder / "seeds")
    build_database(seeds, folder / "synthetic.db")
    with LiveServer(folder / "synthetic.db") as server:
        yield server


def search_facets(base: str, query: str) -> dict[str, dict[str, int]]:
    """The API's counts of every search facet for ``query`` (a /statements query string), without
    the null bucket, as the explorer asks for them."""
    facets = api(base, f"/statements/facets?{query}&facet=stance,speaker,target,month,event_type&facet_size=50")
    return {
        name: {v: c for v, c in counts(buckets).items() if v is not None} for name, buckets in facets["data"].items()
    }


def shown_facets(dom: dict) -> dict[str, dict[str, int]]:
    """The counts the search screen shows: the checkboxes of each facet, and the month columns."""
    shown = {name: {c["value"]: c["count"] for c in boxes} for name, boxes in dom["search"]["facets"].items()}
    return {**shown, "month": {m["month"]: m["count"] for m in dom["search"]["months"]}}


def test_two_stances_filter_together_and_the_focus_and_scroll_stay_on_the_checkbox(browser, synthetic_server):
    base = synthetic_server.url
    first, second = [b["value"] for b in api(base, f"/statements/facets?q={PAGED_Q}&facet=stance")["data"]["stance"]][
        :2
    ]
    both = f"q={PAGED_Q}&stance={first},{second}"
    expected = api(base, f"/statements?{both}&limit=50")
    facets = search_facets(base, both)
    assert expected["meta"]["total"] > api(base, f"/statements?q={PAGED_Q}&stance={first}")["meta"]["total"]
    box = f"#facet-stance-{id_part(first)}", f"#facet-stance-{id_part(second)}"

    _, one, two = explore(
        browser,
        base,
        "two-stances",
        [
            visit(f"/explore/search?q={PAGED_Q}"),
            # Real clicks (they move the focus, as a reader's do), each checkbox scrolled to the top.
            click(box[0], mouse=True, block="start", until="location.search.includes('stance=')"),
            click(box[1], mouse=True, block="start", until="location.search.includes(',')"),
        ],
    )["screens"]

    assert one["dom"]["url"] == f"/explore/search?q={PAGED_Q}&stance={first}"
    assert one["dom"]["focused"]["id"] == box[0][1:]
    page = two["dom"]
    # One parameter, its values separated by a comma (not %2C), as the API takes them.
    assert page["url"] == f"/explore/search?{both}"
    assert checked(page, "stance") == [first, second]
    assert page["search"]["results"] == ids_of(expected) and page["search"]["total"] == expected["meta"]["total"]
    assert shown_facets(page) == facets
    # The same screen, re-rendered: the view stayed while it loaded (busy, its heading still there,
    # no "Loading…" in its place), then the focus went back to the checkbox, and nothing scrolled.
    for step in (one, two):
        assert [(s["state"], s["busy"], s["view"]) for s in step["states"]] == [
            ("loading", "true", True),
            ("ready", "false", True),
        ], step["states"]
    assert page["focused"]["id"] == box[1][1:]
    assert two["scrollBefore"] > 100 and page["scrollY"] == two["scrollBefore"]
    assert len(two["apiRequests"]) == 2


def test_histogram_months_choose_a_range_narrow_it_and_clear_it(browser, synthetic_server):
    base = synthetic_server.url
    facets = api(base, f"/statements/facets?q={FEW_MONTHS_Q}&facet=month&facet_size=50")
    assert facets["meta"]["truncated"] == []  # every month is a column
    months = sorted(m for m in counts(facets["data"]["month"]) if m is not None)
    assert len(months) >= 6
    a, b, c = months[1], months[3], months[5]
    in_range = [m for m in months if a <= m <= c]
    total = {
        "all": api(base, f"/statements?q={FEW_MONTHS_Q}")["meta"]["total"],
        "a..c": api(base, f"/statements?q={FEW_MONTHS_Q}&since={a}-01&until={month_end(c)}&limit=50"),
        "b": api(base, f"/statements?q={FEW_MONTHS_Q}&since={b}-01&until={month_end(b)}&limit=50"),
    }
    column = {m: f"#month-{id_part(m)}" for m in (a, b, c)}
    path = f"/explore/search?q={FEW_MONTHS_Q}"
    until = {
        "a": f"location.search.endsWith('month={a}')",
        "a..c": f"location.search.endsWith('month={a},{c}')",
        "b": f"location.search.endsWith('month={b}')",
        "none": "!location.search.includes('month=')",
    }

    start, only_a, a_to_c, only_b, cleared = explore(
        browser,
        base,
        "histogram",
        [
            visit(path),
            click(column[a], mouse=True, until=until["a"]),
            click(column[c], mouse=True, until=until["a..c"]),  # outside the range: extends it
            click(column[b], mouse=True, until=until["b"]),  # inside a range of several: narrows to it
            click(column[b], mouse=True, until=until["none"]),  # the only month chosen: clears it
        ],
    )["screens"]

    def pressed(screen):
        return [m["month"] for m in screen["dom"]["search"]["months"] if m["pressed"] == "true"]

    everything = [(m["month"], m["count"]) for m in start["dom"]["search"]["months"]]
    assert [m for m, _ in everything] == months and pressed(start) == []
    assert (only_a["dom"]["url"], pressed(only_a)) == (f"{path}&month={a}", [a])
    assert (a_to_c["dom"]["url"], pressed(a_to_c)) == (f"{path}&month={a},{c}", in_range)
    assert a_to_c["dom"]["search"]["total"] == total["a..c"]["meta"]["total"]
    assert a_to_c["dom"]["search"]["results"] == ids_of(total["a..c"])
    assert (only_b["dom"]["url"], pressed(only_b)) == (f"{path}&month={b}", [b])
    assert only_b["dom"]["search"]["results"] == ids_of(total["b"])
    assert (cleared["dom"]["url"], pressed(cleared)) == (path, [])
    assert cleared["dom"]["search"]["total"] == start["dom"]["search"]["total"] == total["all"]
    for screen, month in ((only_a, a), (a_to_c, c), (only_b, b), (cleared, b)):
        # Every column stays, with the same counts (the month counts ignore the range), and the
        # focus is back on the column just clicked.
        assert [(m["month"], m["count"]) for m in screen["dom"]["search"]["months"]] == everything
        assert screen["dom"]["focused"]["id"] == column[month][1:] == f"month-{month[:4]}_2d_{month[5:]}"


MANY_MONTHS_Q = "sanctions"  # matches spread over more months than the histogram can list


def test_histogram_falls_back_to_years_when_the_months_are_too_many(browser, synthetic_server):
    base = synthetic_server.url
    facets = api(base, f"/statements/facets?q={MANY_MONTHS_Q}&facet=month,year&facet_size=50")
    assert "month" in facets["meta"]["truncated"] and "year" not in facets["meta"]["truncated"]
    years = sorted(y for y in counts(facets["data"]["year"]) if y is not None)
    assert len(years) >= 3
    y = years[1]
    path = f"/explore/search?q={MANY_MONTHS_Q}"
    chosen = api(base, f"/statements?q={MANY_MONTHS_Q}&since={y}-01-01&until={y}-12-31&limit=50")

    start, one_year = explore(
        browser,
        base,
        "histogram-years",
        [visit(path), click(f"#year-{y}", mouse=True, until=f"location.search.endsWith('month={y}-01,{y}-12')")],
    )["screens"]

    # Every year is a column, with the API's counts; no month column is shown.
    shown = [(c["year"], c["count"]) for c in start["dom"]["search"]["years"]]
    assert shown == [(year, counts(facets["data"]["year"])[year]) for year in years]
    assert start["dom"]["search"]["months"] == [] and start["dom"]["search"]["histogram"].startswith("By year")
    # A year stands for its twelve months: the range is January to December, the list the API's.
    assert [c["year"] for c in one_year["dom"]["search"]["years"] if c["pressed"] == "true"] == [y]
    assert one_year["dom"]["search"]["total"] == chosen["meta"]["total"]
    assert one_year["dom"]["search"]["results"] == ids_of(chosen)


def test_search_pages_by_cursor_and_back_restores_each_pages_scroll_position(browser, synthetic_server):
    base = synthetic_server.url
    first = api(base, f"/statements?q={PAGED_Q}&limit=50")
    cursor = first["meta"]["next_cursor"]
    second = api(base, f"/statements?q={PAGED_Q}&limit=50&cursor={quote(cursor, safe='')}")
    path = f"/explore/search?q={PAGED_Q}"

    def scroll_to(y: int) -> dict:
        return {"eval": f"window.scrollTo(0, {y}), window.scrollY", "name": f"scroll to {y}"}

    steps = [
        visit(path),
        # Only the explorer's own restoring is tested: the browser's is turned off.
        {"eval": "history.scrollRestoration = 'manual'", "name": "manual"},
        scroll_to(600),
        click('.pager a[href*="cursor="]', scroll=False, name="next", until="location.search.includes('cursor=')"),
        scroll_to(1200),
        click(f'.pager a[href="{path}"]', scroll=False, name="first", until="!location.search.includes('cursor=')"),
        scroll_to(0),
        {"back": True, "name": "back to 2", "until": "location.search.includes('cursor=')"},
        {"back": True, "name": "back to 1", "until": "!location.search.includes('cursor=')"},
    ]
    report = explore(browser, base, "paging", steps)
    screens = {s["name"]: s for s in report["screens"]}

    assert screens["scroll to 600"]["value"] == 600 and screens["scroll to 1200"]["value"] == 1200
    page_1, page_2 = screens[path]["dom"], screens["next"]["dom"]
    assert page_1["search"]["results"] == ids_of(first) and page_1["search"]["total"] == first["meta"]["total"]
    assert [link["text"] for link in page_1["search"]["pager"]] == ["Next page →"]
    assert parse_qs(urlsplit(page_2["url"]).query) == {"q": [PAGED_Q], "cursor": [cursor]}
    assert page_2["search"]["results"] == ids_of(second) and page_2["search"]["total"] == first["meta"]["total"]
    assert [link["text"] for link in page_2["search"]["pager"]] == ["← First page", "Next page →"]
    assert screens["first"]["dom"]["url"] == path and screens["first"]["dom"]["search"]["results"] == ids_of(first)
    # Back: each page again, scrolled to where it was when the reader left it.
    back_2, back_1 = screens["back to 2"]["dom"], screens["back to 1"]["dom"]
    assert (back_2["url"], back_2["search"]["results"], back_2["scrollY"]) == (page_2["url"], ids_of(second), 1200)
    assert (back_1["url"], back_1["search"]["results"], back_1["scrollY"]) == (path, ids_of(first), 600)


def test_actor_load_more_appends_the_next_page_and_its_statements_open_in_their_source(browser, synthetic_server):
    base = synthetic_server.url
    query = f"/statements?actor={BUSY_ACTOR}&include=actors&limit=100"
    first = api(base, query)
    second = api(base, f"{query}&cursor={quote(first['meta']['next_cursor'], safe='')}")
    total = first["meta"]["total"]
    assert total > 200 and second["meta"]["next_cursor"]
    shown = ids_of(first) + ids_of(second)
    chosen = second["data"][49]  # the 150th
    source = api(base, f"/sources/{chosen['source']['id']}")
    path = f"/explore/actors/{BUSY_ACTOR}"
    all_shown = "document.querySelectorAll('#main article.statement').length >= 200 && !document.querySelector('#main .more .loading')"

    before, more, opened = explore(
        browser,
        base,
        "load-more",
        [
            visit(path),
            click("#main .more button", settle=False, until=all_shown, name="more"),
            click(statement_selector(chosen["id"]), until=SOURCE_MARKED),
        ],
    )["screens"]

    assert [s["id"] for s in before["dom"]["statements"]] == ids_of(first)
    assert before["dom"]["actor"]["more"] == f"Load more statements (100 of {total} shown)"
    # One request, the next page; the timeline shows both pages, in the API's order.
    (request,) = more["apiRequests"]
    assert parse_qs(urlsplit(request).query) == {
        "actor": [BUSY_ACTOR],
        "include": ["actors"],
        "limit": ["100"],
        "cursor": [first["meta"]["next_cursor"]],
    }
    assert [s["id"] for s in more["dom"]["statements"]] == shown
    assert more["dom"]["actor"]["more"] == f"Load more statements (200 of {total} shown)"
    assert more["dom"]["focused"]["text"] == more["dom"]["actor"]["more"]
    # "Show in source" on an appended statement: the view re-renders from the extended data (all
    # 200 still there), one request (the source), its quote marked.
    view = opened["dom"]
    assert view["url"] == f"{path}?statement={chosen['id']}"
    assert opened["apiRequests"] == [f"{base}/sources/{chosen['source']['id']}"]
    assert [s["id"] for s in view["statements"]] == shown
    assert [s["id"] for s in view["statements"] if s["selected"]] == [chosen["id"]]
    assert view["source"]["mark"]["text"] == source["text"][chosen["span"]["start"] : chosen["span"]["end"]]
    assert view["source"]["mark"]["focused"] and view["source"]["mark"]["inViewport"]


def test_download_links_carry_the_list_query_and_the_csv_has_every_row(browser, synthetic_server):
    base = synthetic_server.url
    path = "/explore/search?q=sanction*&stance=warn,accuse,condemn,announce&month=2016-01,2024-12"
    (screen,) = explore(browser, base, "downloads", [visit(path)])["screens"]

    (listed,) = [u for u in screen["apiRequests"] if urlsplit(u).path == "/statements"]
    pairs = [p for p in urlsplit(listed).query.split("&") if p.split("=")[0] not in ("limit", "cursor")]
    query = "&".join(pairs)
    assert parse_qs(query) == {
        "q": ["sanction*"],
        "stance": ["warn,accuse,condemn,announce"],
        "since": ["2016-01-01"],
        "until": ["2024-12-31"],
    }
    downloads = screen["dom"]["search"]["downloads"]
    assert downloads == [
        {"text": "CSV", "href": f"/statements.csv?{query}"},
        {"text": "NDJSON", "href": f"/statements.ndjson?{query}"},
    ]
    total = screen["dom"]["search"]["total"]
    assert total == api(base, f"/statements?{query}")["meta"]["total"] > 50  # more than the page shows

    with urllib.request.urlopen(base + downloads[0]["href"], timeout=30) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"))))
    with urllib.request.urlopen(base + downloads[1]["href"], timeout=30) as response:
        lines = [json.loads(line) for line in response.read().decode("utf-8").splitlines() if line.strip()]
    assert len(rows) == len(lines) == total
    assert (
        sorted(r["id"] for r in rows)
        == sorted(r["id"] for r in lines)
        == sorted(all_ids(base, f"/statements?{query}&limit=100"))
    )


# ---- code points, passages, odd URLs, history -----------------------------------------------------


def test_marks_count_code_points_past_characters_outside_the_bmp(browser, hostile_server):
    """The API's offsets count code points; a JavaScript string counts UTF-16 units, two for each
    character outside the BMP (explorer/src/text.ts converts). Such characters stand before the
    quote in its source, inside the quote, and before the searched words in the summary."""
    server, corpus = hostile_server
    base = server.url
    (statement,) = [
        s
        for s in api(base, f"/statements?q={hostile.SUMMARY_WORD}%20{hostile.QUOTE_WORD}")["data"]
        if s["id"] == hostile.QUOTE_STATEMENT
    ]
    text = api(base, f"/sources/{corpus.source}")["text"]
    span = statement["span"]
    assert text[span["start"] : span["end"]] == statement["quote"]

    def astral(s: str) -> int:
        return sum(ord(c) > 0xFFFF for c in s)

    assert astral(text[: span["start"]]) >= 3 and astral(statement["quote"]) == 2
    highlights = {h["field"]: statement[h["field"]][h["start"] : h["end"]] for h in statement["highlights"]}
    assert highlights == {"quote": hostile.QUOTE_WORD, "summary": hostile.SUMMARY_WORD}
    summary_mark = next(h for h in statement["highlights"] if h["field"] == "summary")
    assert astral(statement["summary"][: summary_mark["start"]]) >= 3
    event = api(base, f"/events/{hostile.EVENT}")
    own = next(s for s in event["sources"] if s["source"]["id"] == corpus.source)
    assert astral(own["excerpt"][: own["excerpt_span"]["start"]]) >= 2

    source, search, event_page = explore(
        browser,
        base,
        "code-points",
        [
            visit(f"/explore/actors/{hostile.MINISTER}?statement={hostile.QUOTE_STATEMENT}", until=SOURCE_MARKED),
            visit(f"/explore/search?q={hostile.SUMMARY_WORD}%20{hostile.QUOTE_WORD}"),
            visit(f"/explore/events/{hostile.EVENT}", until=MAP_DRAWN),
        ],
    )["screens"]

    assert source["dom"]["source"]["mark"]["text"] == statement["quote"]
    (card,) = [s for s in search["dom"]["statements"] if s["id"] == hostile.QUOTE_STATEMENT]
    assert (card["quoteMarks"], card["summaryMarks"]) == ([hostile.QUOTE_WORD], [hostile.SUMMARY_WORD])
    (passage,) = [p for p in event_page["dom"]["event"]["supporting"] if p["source"] == corpus.source]
    assert passage["marks"] == [own["excerpt"][own["excerpt_span"]["start"] : own["excerpt_span"]["end"]]]


def test_opening_an_events_source_marks_every_passage_of_the_event_in_it(browser, hostile_server):
    server, _ = hostile_server
    base = server.url
    event = api(base, f"/events/{hostile.EVENT}")
    text = api(base, f"/sources/{hostile.SEED_SOURCE}")["text"]
    spans = sorted(
        (s["span"]["start"], s["span"]["end"]) for s in event["sources"] if s["source"]["id"] == hostile.SEED_SOURCE
    )
    passages = [text[start:end] for start, end in spans]
    assert passages == list(hostile.SEED_PASSAGES)
    link = f'#main .supporting li[data-source-id="{hostile.SEED_SOURCE}"] a'

    _, opened = explore(
        browser,
        base,
        "event-source",
        [visit(f"/explore/events/{hostile.EVENT}", until=MAP_DRAWN), click(link, until=SOURCE_MARKED)],
    )["screens"]

    view = opened["dom"]
    assert view["url"] == f"/explore/events/{hostile.EVENT}?source={hostile.SEED_SOURCE}"
    assert opened["apiRequests"] == [f"{base}/sources/{hostile.SEED_SOURCE}"]
    assert view["source"]["id"] == hostile.SEED_SOURCE
    # Every passage marked, in the text's order; the first is mark#span, shown and focused.
    assert view["source"]["marks"] == [{"id": "span", "text": passages[0]}, {"id": None, "text": passages[1]}]
    assert view["source"]["mark"]["focused"] and view["source"]["mark"]["inViewport"]


def served(base: str, path: str) -> tuple[int, str]:
    """GET ``path`` sent as written (no client re-encoding): (status, content type)."""
    split = urlsplit(base)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type", "")
    finally:
        connection.close()


def test_a_path_with_a_bad_percent_escape_shows_not_found(browser, live_server):
    base = live_server.url
    bad, escaped = "/explore/actors/100%zz", "/explore/actors/100%25zz"
    # The server serves the page for both; only the first is no URL the router can decode.
    assert served(base, bad) == served(base, escaped) == (200, "text/html; charset=utf-8")
    (resolution,) = api(base, "/statements?actor=100%25zz")["meta"]["resolved"]

    missing, unknown = explore(browser, base, "bad-escape", [visit(bad), visit(escaped)])["screens"]

    dom = missing["dom"]
    assert dom["url"] == bad
    assert (dom["screen"], dom["state"], dom["busy"], dom["title"]) == ("missing", "ready", "false", "Not found")
    assert dom["documentTitle"].startswith("Not found")
    assert missing["apiRequests"] == [] and errors_in(missing["console"]) == []
    # %25 is an escape: the actor '100%zz', whom the API does not know.
    assert (unknown["dom"]["screen"], unknown["dom"]["state"]) == ("actor", "error")
    assert unknown["dom"]["problem"]["detail"] == resolution["message"]


def test_back_and_forward_undo_and_redo_a_filter(browser, live_server):
    base = live_server.url
    chosen = api(base, "/statements/facets?q=troops&facet=stance")["data"]["stance"][0]["value"]
    everything = all_ids(base, "/statements?q=troops&limit=100")
    kept = all_ids(base, f"/statements?q=troops&stance={chosen}&limit=100")
    assert 0 < len(kept) < len(everything)

    start, filtered, back, forward = explore(
        browser,
        base,
        "back-filter",
        [
            visit(SEARCH),
            click(f"#facet-stance-{id_part(chosen)}", mouse=True, until="location.search.includes('stance=')"),
            {"back": True, "name": "back", "until": "!location.search.includes('stance=')"},
            {"forward": True, "name": "forward", "until": "location.search.includes('stance=')"},
        ],
    )["screens"]

    assert (checked(start["dom"], "stance"), start["dom"]["search"]["results"]) == ([], everything)
    assert (checked(filtered["dom"], "stance"), filtered["dom"]["search"]["results"]) == ([chosen], kept)
    assert back["dom"]["url"] == SEARCH and checked(back["dom"], "stance") == []
    assert back["dom"]["search"]["results"] == everything and back["dom"]["search"]["total"] == len(everything)
    assert forward["dom"]["url"] == filtered["dom"]["url"] and checked(forward["dom"], "stance") == [chosen]
    assert forward["dom"]["search"]["results"] == kept
