"""HTTP behaviour shared by every route: limits, conditional requests, caching, compression,
CORS and security headers."""

from __future__ import annotations

import gzip
import hashlib
import re
from urllib.parse import unquote_to_bytes

from flask import current_app, request

from .db import get_db
from .errors import problem_response

MAX_QUERY_STRING = 2048  # bytes; longer gets 414 (gunicorn's own request-line limit is larger)
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
COMPRESS_MIN_BYTES = 1024
COMPRESSIBLE = ("application/json", "application/problem+json", "application/yaml", "text/", "application/javascript")
# Data routes: their body depends only on the build and the URL, so the ETag can be computed
# before the view runs and a matching If-None-Match costs no query at all.
DATA_BLUEPRINTS = {"statements", "events", "casualties", "actors", "sources", "vocabularies"}
# Response headers a page's script may read (CORS); the request headers a preflight allows by default.
EXPOSED_HEADERS = "ETag, Link, Retry-After, Content-Disposition, X-Request-Id"
ALLOWED_HEADERS = "Accept, Accept-Encoding, If-None-Match, Content-Type, X-Request-Id"
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token: what a header name is
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def allowed_request_headers() -> str:
    """A preflight allows the headers the browser asks for (fetch wrappers add X-Requested-With,
    Cache-Control): the API takes no credentials and changes nothing, so a header lets no request
    do more than a plain GET. A list that is not all header names gets the fixed one."""
    asked = [name.strip() for name in request.headers.get("Access-Control-Request-Headers", "").split(",")]
    names = [name for name in asked if name]
    if names and all(_TOKEN.fullmatch(name) for name in names):
        return ", ".join(names)
    return ALLOWED_HEADERS


def data_etag() -> str:
    key = f"{get_db().build_id}\0{request.path}\0{request.query_string.decode('latin-1')}"
    return '"' + get_db().build_id + "-" + hashlib.sha256(key.encode()).hexdigest()[:20] + '"'


def _wanted(if_none_match: str) -> set[str]:
    # Weak comparison, as RFC 9110 prescribes for If-None-Match.
    return {t.strip().removeprefix("W/") for t in if_none_match.split(",")}


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    # The -gzip variant is the same representation's compressed form.
    wanted = _wanted(if_none_match)
    return etag in wanted or etag[:-1] + '-gzip"' in wanted


def _not_modified_etag(if_none_match: str, etag: str) -> str:
    """The ETag a 304 carries: the one of the 200 it stands for, so the -gzip variant when the
    client holds that one and still accepts gzip (its cache keeps the compressed body)."""
    gzipped = etag[:-1] + '-gzip"'
    if request.accept_encodings["gzip"] > 0 and gzipped in _wanted(if_none_match):
        return gzipped
    return etag


def query_string_error(raw: bytes) -> str | None:
    """Malformed percent-encoding or bytes that are not UTF-8 are refused before anything parses them."""
    if _BAD_PERCENT.search(raw):
        return "The query string has a '%' not followed by two hex digits; send a literal % as %25."
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "The query string is not valid UTF-8 once percent-decoded."
    return None


def before_request():
    if len(request.query_string) > MAX_QUERY_STRING:
        return problem_response(
            414, f"The query string is {len(request.query_string)} bytes; the limit is {MAX_QUERY_STRING}."
        )
    malformed = query_string_error(request.query_string)
    if malformed:
        return problem_response(400, malformed)
    if request.method in ("GET", "HEAD") and (request.content_length or request.headers.get("Transfer-Encoding")):
        return problem_response(400, "GET and HEAD requests take no body.")
    if request.method in ("GET", "HEAD") and request.blueprint in DATA_BLUEPRINTS:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match:
            etag = data_etag()
            if _matches(if_none_match, etag):
                response = current_app.response_class(status=304)
                response.headers["ETag"] = _not_modified_etag(if_none_match, etag)
                return response
    return None


def after_request(response):
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        headers["Access-Control-Allow-Headers"] = allowed_request_headers()
        response.vary.add("Access-Control-Request-Headers")
        headers["Access-Control-Max-Age"] = "86400"
        headers["Allow"] = "GET, HEAD, OPTIONS"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("Content-Security-Policy", API_CSP)
    if response.status_code == 200 and request.blueprint in DATA_BLUEPRINTS:
        headers["ETag"] = data_etag()
        headers["Cache-Control"] = "public, max-age=300"
    elif response.status_code == 304:
        headers["Cache-Control"] = "public, max-age=300"
    headers.setdefault("Cache-Control", "no-cache")
    return _compress(response)


def _compress(response):
    mimetype = response.mimetype or ""
    if not mimetype.startswith(COMPRESSIBLE):
        return response
    response.vary.add("Accept-Encoding")
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed  # never buffered here: a stream compresses itself as it goes (api.exports)
        or "Content-Encoding" in response.headers
        or "gzip" not in request.accept_encodings
        or request.accept_encodings["gzip"] == 0
    ):
        return response
    body = response.get_data()
    if len(body) < COMPRESS_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag = response.headers.get("ETag")
    if etag and etag.endswith('"') and not etag.endswith('-gzip"'):
        # A strong ETag names exact bytes, so the compressed body gets its own.
        response.headers["ETag"] = etag[:-1] + '-gzip"'
    return response


def init_app(app) -> None:
    app.before_request(before_request)
    app.after_request(after_request)
