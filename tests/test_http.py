"""ETags, caching, compression, CORS and security headers."""

import gzip
import os
import subprocess
import sys

from .conftest import ROOT, get_json


def test_strong_etag_and_304(client):
    first = client.get("/statements?limit=5")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get("/statements?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    other = client.get("/statements?limit=6", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers["ETag"] != etag


def test_etag_derives_from_the_build_id(client):
    build_id = get_json(client, "/health")["build_id"]
    assert client.get("/actors").headers["ETag"].startswith(f'"{build_id}-')


def test_large_bodies_are_gzipped_when_asked(client):
    plain = client.get("/statements?limit=50")
    zipped = client.get("/statements?limit=50", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # different bytes, different strong ETag
    revalidated = client.get(
        "/statements?limit=50", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    assert "Content-Encoding" not in plain.headers


def test_cors_allows_reading_from_any_origin(client):
    response = client.get("/statements", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/statements", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_security_headers(client):
    for url in ["/statements", "/health", "/nope", "/docs"]:
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers
    docs_csp = client.get("/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in docs_csp and "http" not in docs_csp


def test_head_works_like_get_without_a_body(client):
    response = client.head("/statements")
    assert response.status_code == 200
    assert response.get_data() == b""


def test_the_gzip_etag_is_the_one_its_304_carries(client):
    zipped = client.get("/statements?limit=50", headers={"Accept-Encoding": "gzip"})
    etag = zipped.headers["ETag"]
    assert etag.endswith('-gzip"')
    again = client.get("/statements?limit=50", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    weak = client.get("/statements?limit=50", headers={"Accept-Encoding": "gzip", "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304 and weak.headers["ETag"] == etag
    # A client that no longer takes gzip is told the plain representation's ETag.
    plain = client.get("/statements?limit=50", headers={"If-None-Match": etag})
    assert plain.status_code == 304 and plain.headers["ETag"] == etag.replace('-gzip"', '"')
    assert client.get("/statements?limit=50").headers["ETag"] == plain.headers["ETag"]


def test_paged_lists_link_to_the_next_page(client):
    first = client.get("/statements?limit=10&sort=date")
    body = first.get_json()
    assert body["links"]["next"]
    assert first.headers["Link"] == f'<{body["links"]["next"]}>; rel="next"'
    url, pages = first.headers["Link"][1:].split(">;")[0], 1
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages += 1
        next_url = response.get_json()["links"]["next"]
        assert response.headers.get("Link") == (f'<{next_url}>; rel="next"' if next_url else None)
        url = next_url
    assert pages > 1
    statement = body["data"][0]["id"]
    assert "Link" not in client.get(f"/statements/{statement}").headers


def test_cors_exposes_the_headers_a_page_reads(client):
    response = client.get("/statements?limit=1", headers={"Origin": "https://app.example"})
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "Retry-After", "Content-Disposition"} <= exposed


def test_preflight_allows_the_headers_the_browser_asks_for(client):
    def preflight(asked=None):
        headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        if asked is not None:
            headers["Access-Control-Request-Headers"] = asked
        response = client.options("/statements", headers=headers)
        assert response.status_code == 200
        assert "Access-Control-Request-Headers" in response.headers["Vary"]
        return response.headers["Access-Control-Allow-Headers"]

    fixed = "Accept, Accept-Encoding, If-None-Match, Content-Type, X-Request-Id"
    assert preflight() == fixed
    assert preflight("cache-control,x-requested-with") == "cache-control, x-requested-with"
    assert preflight(" if-none-match , x-client-version ,") == "if-none-match, x-client-version"
    assert preflight("x-ok,not a header") == fixed
    assert preflight("x-ok,(bad)") == fixed
    assert preflight("") == fixed


def test_allow_lists_the_methods_in_one_order_whatever_the_hash_seed(built_db):
    """Werkzeug's 405 lists a rule's methods in set order, which follows the process's hash seed;
    the API's Allow is the same on every 405 and OPTIONS, in every process."""
    script = (
        "import sys; from api import create_app; "
        "c = create_app({'TESTING': True, 'DATABASE': sys.argv[1]}).test_client(); "
        "print('|'.join([c.delete(u).headers['Allow'] for u in ('/statements', '/docs', '/health')] "
        "+ [c.options('/statements').headers['Allow']]))"
    )
    seen = set()
    for seed in ("1", "3", "4", "6"):
        out = subprocess.run(
            [sys.executable, "-c", script, str(built_db)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.strip()
        seen.update(out.split("|"))
    assert seen == {"GET, HEAD, OPTIONS"}


def test_docs_with_a_trailing_slash_redirects_to_docs(client):
    response = client.get("/docs/")
    assert response.status_code == 308
    assert response.headers["Location"] == "/docs"
    assert client.get("/docs/", follow_redirects=True).status_code == 200
