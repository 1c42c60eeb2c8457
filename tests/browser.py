"""A real browser for the tests: Debian's Chromium, headless, with a fresh profile, driven over the
DevTools protocol by a Node script (chrome-remote-interface). Shared by tests/contract/
test_docs_browser.py (/docs, docs_browser.mjs) and tests/explorer/ (/explore: the generic driver
tests/browser_driver.mjs, with the explorer's part in tests/explorer/explorer_browser.mjs).

    with chromium(tmp_path) as browser:     # Chromium started, its DevTools port open
        browser.devtools_port               # for the Node driver
        browser.proxy.seen                  # every request the browser tried to send off 127.0.0.1

No request may leave 127.0.0.1: Chromium's proxy is a local recorder (RecordingProxy) that forwards
nothing, so it sees any request for another host (loopback bypasses it), whether the page or the
browser itself makes it. A test proves the recorder works by loading a probe URL (``probe_url``)
last and finding it, alone, in ``proxy.seen``.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scripts.live_server import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def probe_url(name: str) -> str:
    """A URL off this machine (the .invalid TLD never resolves) that only the proxy can answer."""
    return f"http://{name}-probe.invalid/a-request-that-would-leave-127.0.0.1"


def own_services_flags(closed_port: int) -> list[str]:
    """The flags above leave Debian's Chromium (156) calling Google services on its own: network
    time, Autofill, the Optimization Guide (optimizationguide-pa.googleapis.com, a few seconds
    after a page loads), the component updater (an on-demand component) and accounts.google.com.
    The first three are features to turn off; the other two are pointed at a closed port on
    127.0.0.1."""
    local = f"http://127.0.0.1:{closed_port}/"
    return [
        "--disable-features=NetworkTimeServiceQuerying,AutofillServerCommunication,OptimizationHints",
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


@dataclass
class Browser:
    devtools_port: int
    proxy: RecordingProxy


@contextmanager
def chromium(folder: Path, timeout: float = 60) -> Iterator[Browser]:
    """Chromium with a fresh profile in ``folder`` (its log beside it), its proxy a RecordingProxy;
    stopped (its whole process group) on leaving."""
    assert os.path.exists(CHROMIUM), "Chromium is missing: `make contract-deps` installs Debian's chromium"
    proxy = RecordingProxy()
    profile = folder / "profile"  # a fresh --user-data-dir
    log_path = folder / "chromium.log"
    log = log_path.open("wb")
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
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        yield Browser(int(port_file.read_text().split()[0]), proxy)
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


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])
