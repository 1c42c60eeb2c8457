"""ETags, caching, compression, CORS and security headers."""

import gzip

from .conftest import get_json


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
