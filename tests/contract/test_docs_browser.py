"""/docs in a real browser: Debian's Chromium, headless, with a fresh profile, driven over the
DevTools protocol (docs_browser.mjs, chrome-remote-interface). Swagger UI must render every
operation of openapi.yaml, and no request may leave 127.0.0.1: the page's requests are logged by
the browser, and Chromium's proxy is a local recorder that sees any request for another host
(loopback bypasses it), whether the page or the browser itself makes it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from scripts.live_server import free_port

from .conftest import ROOT, SPEC, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = ROOT / "tests" / "contract" / "docs_browser.mjs"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PROBE_URL = "http://docs-probe.invalid/a-request-that-would-leave-127.0.0.1"


def own_services_flags(closed_port: int) -> list[str]:
    """The flags above leave Debian's Chromium (156) calling Google services on its own: network
    time, Autofill, the component updater (an on-demand component) and accounts.google.com. The
    first two are features to turn off; the other two are pointed at a closed port on 127.0.0.1."""
    local = f"http://127.0.0.1:{closed_port}/"
    return [
        "--disable-features=NetworkTimeServiceQuerying,AutofillServerCommunication",
        f"--component-updater=url-source={local}",
        f"--gaia-url={local}",
    ]


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards nothing: it records each request and answers 403."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def _refuse(self):
                seen.append((self.command, self.path))
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_CONNECT = _refuse

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def browser(tmp_path):
    assert os.path.exists(CHROMIUM), "Chromium is missing: `make contract-deps` installs Debian's chromium"
    proxy = RecordingProxy()
    profile = tmp_path / "profile"  # a fresh --user-data-dir
    log = (tmp_path / "chromium.log").open("wb")
    process = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            *own_services_flags(free_port()),
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            f"--proxy-server=http://127.0.0.1:{proxy.port}",
            "about:blank",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, (tmp_path / "chromium.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        yield int(port_file.read_text().split()[0]), proxy
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        proxy.stop()


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


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
