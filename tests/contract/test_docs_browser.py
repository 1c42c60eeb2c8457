"""/docs in a real browser: Debian's Chromium, headless, with a fresh profile, driven over the
DevTools protocol (docs_browser.mjs, chrome-remote-interface; the browser is tests/browser.py's).
Swagger UI must render every operation of openapi.yaml, and no request may leave 127.0.0.1: the
page's requests are logged by the browser, and Chromium's proxy is a local recorder that sees any
request for another host (loopback bypasses it), whether the page or the browser itself makes it."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.browser import chromium, png_size, probe_url

from .conftest import ROOT, SPEC, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

DRIVER = ROOT / "tests" / "contract" / "docs_browser.mjs"
PROBE_URL = probe_url("docs")


@pytest.fixture()
def browser(tmp_path):
    with chromium(tmp_path) as started:
        yield started.devtools_port, started.proxy


def test_docs_page_shows_every_operation_and_stays_on_127_0_0_1(browser, live_server, artifacts):
    devtools_port, proxy = browser
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    operations = {
        (method.upper(), path, op["summary"], f"operations-{op['tags'][0]}-{op['operationId']}")
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    }
    screenshot = artifacts / "docs.png"
    screenshot.unlink(missing_ok=True)

    result = run(
        ["node", DRIVER, devtools_port, f"{live_server.url}/docs", len(operations), screenshot, PROBE_URL], timeout=120
    )
    report = json.loads(result.stdout)
    (artifacts / "docs-browser.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    dom = report["dom"]

    # Swagger UI rendered the whole spec, and nothing else.
    assert report["rendered"] == len(operations)
    assert {(o["method"], o["path"], o["summary"], o["id"]) for o in dom["operations"]} == operations
    assert dom["tags"] == [tag["name"] for tag in spec["tags"]]
    assert dom["infoTitle"].startswith(spec["info"]["title"]) and dom["version"] == spec["info"]["version"]
    assert "source-anchored" in dom["description"]
    assert set(dom["models"]) == set(spec["components"]["schemas"])
    assert dom["errors"] is None and dom["loadingFailed"] is None
    list_statements = spec["paths"]["/statements"]["get"]
    assert report["parameters"] == [p["name"] for p in list_statements["parameters"]]
    assert not [c for c in report["console"] if c["type"] in ("error", "exception", "log.error", "assert")], report[
        "console"
    ]

    # Every request went to the server on 127.0.0.1 (or was inline data), and they all succeeded.
    urls = [r["url"] for r in report["requests"]]
    assert f"{live_server.url}/docs" in urls and f"{live_server.url}/openapi.json" in urls
    assert f"{live_server.url}/docs/swagger-ui-bundle.js" in urls
    offsite = [u for u in urls if not (u.startswith(f"{live_server.url}/") or u.startswith("data:"))]
    assert offsite == [], offsite
    assert report["failures"] == []
    # ... and the browser sent nothing to any other host before the probe; the probe was caught.
    assert proxy.seen == [("GET", PROBE_URL)], proxy.seen
    assert [r["url"] for r in report["probeRequests"] if not r["url"].startswith("data:")] == [PROBE_URL]

    assert png_size(screenshot) == (1280, 2400)
    assert screenshot.stat().st_size > 50_000  # a rendered page, not a blank one
