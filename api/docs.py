"""/docs (Swagger UI from the flask-swagger-ui wheel's files, no CDN), /openapi.yaml and
/openapi.json, both served from the committed openapi.yaml, unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import flask_swagger_ui
import yaml
from flask import Blueprint, current_app, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound

from .http import DOCS_CSP

SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
ASSETS = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
    "index.css",
}
STATIC = Path(__file__).parent / "static"

bp = Blueprint("docs", __name__)


class SpecFiles:
    """The committed spec, read once: YAML bytes as written, JSON derived from them."""

    def __init__(self, path: Path):
        self.yaml_bytes = path.read_bytes()
        # libyaml's safe loader when PyYAML has it: the pure-Python one takes ~0.4 s per worker start.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.json_bytes = json.dumps(yaml.load(self.yaml_bytes, Loader=loader), ensure_ascii=False, indent=2).encode()
        self.etag = '"' + hashlib.sha256(self.yaml_bytes).hexdigest()[:24] + '"'


def _spec() -> SpecFiles:
    spec = current_app.extensions.get("anchored_news_spec")
    if spec is None:
        raise NotFound("The OpenAPI document has not been generated; run `make spec`.")
    return spec


def _send(body: bytes, mimetype: str, etag: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(etag.strip('"'))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response.make_conditional(request)


@bp.route("/openapi.yaml")
def openapi_yaml():
    spec = _spec()
    return _send(spec.yaml_bytes, "application/yaml", spec.etag)


@bp.route("/openapi.json")
def openapi_json():
    spec = _spec()
    return _send(spec.json_bytes, "application/json", spec.etag)


@bp.route("/docs")
def docs_page():
    response = send_from_directory(STATIC, "docs.html", max_age=60)
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@bp.route("/docs/")
def docs_page_with_slash():
    return redirect("/docs", code=308)


@bp.route("/docs/<path:name>")
def docs_asset(name):
    if name == "docs.js":
        response = send_from_directory(STATIC, "docs.js", max_age=60)
    elif name in ASSETS:
        response = send_from_directory(SWAGGER_DIST, name, max_age=3600)
    else:
        raise NotFound(f"No documentation asset {name!r}.")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


def init_app(app, spec_path: Path) -> None:
    if spec_path.exists():
        app.extensions["anchored_news_spec"] = SpecFiles(spec_path)
    app.register_blueprint(bp)
