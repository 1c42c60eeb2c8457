"""Headers and exposure, checked on the production server (gunicorn) and in process."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from .helpers import LIST_OPERATIONS, raw_get, raw_request

VERSION = re.compile(r"\d+\.\d+")
FRAMEWORKS = re.compile(r"gunicorn|werkzeug|flask|python|smorest", re.I)


def all_kinds_of_response(port: int, sample_ids) -> dict[str, object]:
    statement = sample_ids["statements"][0]
    return {
        "list": raw_get(port, b"/statements?limit=2"),
        "item": raw_get(port, f"/statements/{statement}".encode()),
        "health": raw_get(port, b"/health"),
        "docs": raw_get(port, b"/docs"),
        "docs asset": raw_get(port, b"/docs/swagger-ui-bundle.js"),
        "400": raw_get(port, b"/statements?actr=x"),
        "404": raw_get(port, b"/nowhere"),
        "405": raw_get(port, b"/statements", method=b"DELETE"),
        "414 (app)": raw_get(port, b"/statements?q=" + b"a" * 3000),
        "414 (gunicorn)": raw_get(port, b"/statements?q=" + b"a" * 9000),
        "400 (gunicorn)": raw_get(port, b"/statements\x00"),
        "431 (gunicorn)": raw_get(port, b"/statements", headers=b"X-Big: " + b"b" * 9000 + b"\r\n"),
        "preflight": raw_get(
            port,
            b"/statements",
            method=b"OPTIONS",
            headers=b"Origin: https://example.org\r\nAccess-Control-Request-Method: GET\r\n",
        ),
        "gzip": raw_get(port, b"/statements?limit=50", headers=b"Accept-Encoding: gzip\r\n"),
    }


def test_no_server_or_framework_version_in_any_header(live_server, sample_ids):
    for kind, response in all_kinds_of_response(live_server.port, sample_ids).items():
        assert "x-powered-by" not in response.headers, kind
        server = response.headers.get("server", "")
        assert not VERSION.search(server) and not FRAMEWORKS.search(server), (kind, server)
        for name, value in response.headers.items():
            assert not FRAMEWORKS.search(value) or name == "content-security-policy", (kind, name, value)


def test_nosniff_and_csp_on_every_answer_of_the_app(live_server, sample_ids):
    for kind, response in all_kinds_of_response(live_server.port, sample_ids).items():
        assert response.headers.get("x-content-type-options") == "nosniff", kind
        if "gunicorn" in kind:
            # refused by gunicorn before the app: a problem document, no body a browser could run
            assert response.content_type == "application/problem+json", kind
            response.problem()
            continue
        csp = response.headers["content-security-policy"]
        if kind.startswith("docs"):
            assert "script-src 'self'" in csp and "default-src 'none'" in csp
        else:
            assert csp == "default-src 'none'; frame-ancestors 'none'", (kind, csp)


def test_the_docs_csp_allows_only_its_own_assets(live_server):
    response = raw_get(live_server.port, b"/docs")
    assert response.status == 200
    csp = dict(
        (part.split()[0], part.split()[1:])
        for part in response.headers["content-security-policy"].split(";")
        if part.strip()
    )
    for directive, sources in csp.items():
        for source in sources:
            assert source in ("'self'", "'none'", "'unsafe-inline'", "data:"), (directive, source)
        assert "'unsafe-eval'" not in sources and "*" not in sources and not any(s.startswith("http") for s in sources)
    assert csp["default-src"] == ["'none'"] and csp["script-src"] == ["'self'"]

    class Assets(HTMLParser):
        urls = []

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if name in ("src", "href") and value:
                    self.urls.append(value)

    parser = Assets()
    parser.feed(response.body.decode())
    assert parser.urls, "the docs page loads its assets"
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"/docs loads {url} from elsewhere"
        absolute = url if url.startswith("/") else "/docs/" + url.removeprefix("./")
        assert raw_get(live_server.port, absolute.encode()).status == 200, url


def test_cors_allows_get_head_and_options_only(live_server):
    port = live_server.port
    for method in (b"GET", b"HEAD", b"PUT", b"POST", b"DELETE", b"PATCH"):
        preflight = raw_get(
            port,
            b"/statements",
            method=b"OPTIONS",
            headers=b"Origin: https://example.org\r\nAccess-Control-Request-Method: " + method + b"\r\n",
        )
        assert preflight.status == 200
        allowed = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
        assert allowed == {"GET", "HEAD", "OPTIONS"}
        assert "access-control-allow-credentials" not in preflight.headers
    for method in (b"PUT", b"POST", b"DELETE", b"PATCH"):
        response = raw_get(
            port, b"/statements", method=method, headers=b"Origin: https://example.org\r\nContent-Length: 0\r\n"
        )
        assert response.status == 405
        assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}


def test_the_query_string_limit_is_enforced_on_the_server(live_server):
    port = live_server.port
    assert raw_get(port, b"/statements?q=" + b"a" * 200 + b"&limit=5").status == 200
    problem = raw_get(port, b"/statements?q=" + b"a" * 2047).problem(414)
    assert "2048" in problem["detail"]
    for size in (9000, 100_000):
        raw_get(port, b"/statements?q=" + b"a" * size).problem(414)
    raw_get(port, b"/" + b"a" * 10_000).problem(414)


@pytest.mark.parametrize(
    "request_line, status",
    [
        (b"GET /statements?q=\xff\xfe HTTP/1.1", 400),  # raw invalid UTF-8 bytes
        (b"GET /statements?q=%ff%fe HTTP/1.1", 400),  # encoded invalid UTF-8
        (b"GET /statements?q=%zz HTTP/1.1", 400),
        (b"GET /statements?q=a\x00b HTTP/1.1", 400),
        (b"GET /statements/\xc0\xaf HTTP/1.1", 400),
        (b"GET /statements/a%2Fb HTTP/1.1", 404),
        (b"GET /statements/..%2F..%2Fetc%2Fpasswd HTTP/1.1", 404),
        (b"GET /statements/../../etc/passwd HTTP/1.1", 404),
        (b"GET /docs/../api/db.py HTTP/1.1", 404),
        (b"GET /docs/%2e%2e/%2e%2e/pyproject.toml HTTP/1.1", 404),
        (b"GET /static/../../pyproject.toml HTTP/1.1", 404),
        (b"GET /events//x HTTP/1.1", 404),
        (b"get /statements HTTP/1.1", 400),
        (b"GET /statements HTTP/2.7", 400),
        (b"GET statements HTTP/1.1", 400),
        (b"PROPFIND /statements HTTP/1.1", 405),
        (b"TRACE /health HTTP/1.1", 405),
    ],
)
def test_malformed_requests_on_the_wire(live_server, request_line, status):
    response = raw_request(live_server.port, request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    problem = response.problem(status)
    assert "Traceback" not in json.dumps(problem)


def test_bodies_on_get_are_refused_on_the_wire(live_server):
    port = live_server.port
    raw_get(port, b"/statements", headers=b"Content-Length: 2\r\n", body=b"{}").problem(400)
    raw_get(port, b"/statements", headers=b"Transfer-Encoding: chunked\r\n", body=b"2\r\n{}\r\n0\r\n\r\n").problem(400)


def test_debug_mode_is_impossible_under_gunicorn(live_server_factory):
    """FLASK_DEBUG=1 in the environment changes nothing: Flask's debug mode would pretty-print
    JSON (and in a dev server, run the debugger); under gunicorn the app stays in production mode."""
    server = live_server_factory(env={"FLASK_DEBUG": "1", "FLASK_ENV": "development"})
    health = raw_get(server.port, b"/health")
    assert health.status == 200
    assert b"\n" not in health.body.strip(), "debug mode is on: the JSON is pretty-printed"
    problem = raw_get(server.port, b"/statements?limit=x")
    assert problem.status == 400 and b"\n" not in problem.body.strip() and b"Traceback" not in problem.body
    for path in (b"/console", b"/?__debugger__=yes&cmd=resource&f=style.css"):
        assert raw_get(server.port, path).status == 404


def test_make_serve_runs_gunicorn_never_the_flask_dev_server():
    from ..conftest import ROOT

    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^serve:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "gunicorn" in recipe and "api/gunicorn_conf.py" in recipe
    assert "flask run" not in recipe and "--debug" not in recipe and "--reload" not in recipe
    conf = (ROOT / "api" / "gunicorn_conf.py").read_text()
    assert "worker.wsgi.debug = False" in conf and not re.search(r"^reload\s*=\s*True", conf, re.M)


def test_cors_and_headers_on_every_list_operation_in_process(client):
    for path in LIST_OPERATIONS:
        response = client.get(path, headers={"Origin": "https://example.org"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Server" not in response.headers or not VERSION.search(response.headers["Server"])
