"""/explore: the explorer, a frontend built on the public API alone (explorer/ holds its source).

Every explorer URL (/explore, /explore/actors/<name>, /explore/events/<id>, /explore/search) is
the same page; its script routes in the browser. The page, script, stylesheet and base map are
static files built by ``make explorer`` into api/static/explorer/ and committed, so serving them
needs no Node.js. They are read once, with their gzip forms made ahead, and served with ETags
under a CSP that allows no inline script or style and no request to another origin.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, redirect, request
from werkzeug.exceptions import NotFound

STATIC = Path(__file__).parent / "static" / "explorer"
ASSETS = ("explorer.js", "explorer.css", "basemap.json", "basemap.LICENSE.txt")
EXPLORER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

bp = Blueprint("explorer", __name__)


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    mimetype: str
    etag: str  # of the identity body; the gzipped body's is the same with -gzip


def _load(path: Path) -> Asset:
    body = path.read_bytes()
    # Flask adds "; charset=utf-8" to text types itself.
    mimetype = "application/json" if path.suffix == ".json" else mimetypes.guess_type(path.name)[0] or "text/plain"
    return Asset(body, gzip.compress(body, 9, mtime=0), mimetype, hashlib.sha256(body).hexdigest()[:24])


def _send(asset: Asset, max_age: int):
    wants_gzip = request.accept_encodings["gzip"] > 0
    response = current_app.response_class(asset.gzipped if wants_gzip else asset.body, mimetype=asset.mimetype)
    if wants_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(asset.etag + ("-gzip" if wants_gzip else ""))
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Content-Security-Policy"] = EXPLORER_CSP
    return response.make_conditional(request)


def _assets() -> dict[str, Asset]:
    assets = current_app.extensions.get("anchored_news_explorer")
    if assets is None:
        raise NotFound("The explorer has not been built; run `make explorer`.")
    return assets


@bp.route("/explore")
@bp.route("/explore/search")
@bp.route("/explore/actors/<path:name>")
@bp.route("/explore/events/<path:event_id>")
def page(**_):
    return _send(_assets()["index.html"], 60)


@bp.route("/explore/")
def page_with_slash():
    return redirect("/explore", code=308)


@bp.route("/explore/assets/<name>")
def asset(name: str):
    found = _assets().get(name)
    if found is None or name == "index.html":
        raise NotFound(f"The explorer has no asset {name!r}.")
    return _send(found, 300)


def init_app(app) -> None:
    if (STATIC / "index.html").exists():
        app.extensions["anchored_news_explorer"] = {
            name: _load(STATIC / name) for name in ("index.html", *ASSETS) if (STATIC / name).exists()
        }
    app.register_blueprint(bp)
