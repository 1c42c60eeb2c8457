"""The HTTP layer: ``create_app`` wires the database, the resource blueprints, the docs and the
shared HTTP behaviour together (Flask's app-factory pattern)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import db, docs, explorer, http, ids
from .framework import Api

ROOT = Path(__file__).resolve().parent.parent
API_VERSION = "3.2.0"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    # "/events//x" and "/events/%2Fx" are no resource (404), not a 308 redirect to "/events/x".
    app.url_map.merge_slashes = False
    app.config.from_mapping(
        DATABASE=os.environ.get("ANCHORED_NEWS_DATABASE", str(ROOT / "data" / "corpus.db")),
        SEEDS=os.environ.get("ANCHORED_NEWS_SEEDS", str(ROOT / "seeds")),
        SPEC_FILE=str(ROOT / "openapi.yaml"),
        API_TITLE="Anchored News API",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=None,  # /openapi.* and /docs are served from the committed file (api.docs)
        API_SPEC_OPTIONS={
            "info": {
                "description": http_description(),
                "contact": {"name": "Anchored News API maintainers", "email": "maintainers@users.noreply.github.com"},
                "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
            },
        },
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    # Flask's default provider (DefaultJSONProvider) has these; the base type does not say so.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    db.init_app(app)
    api = Api(app)
    app.extensions["anchored_news_api"] = api
    ids.init_app(app, api)  # before the blueprints: their routes use the id converters
    from . import actors, casualties, events, health, sources, statements, vocabularies

    for module in (statements, actors, events, casualties, sources, health, vocabularies):
        api.register_blueprint(module.blp)
    docs.init_app(app, Path(app.config["SPEC_FILE"]))
    explorer.init_app(app)
    http.init_app(app)
    from . import observability  # here, not at the top: see api.metrics on multiprocess mode

    observability.init_app(app)

    from .spec import spec_command

    app.cli.add_command(spec_command)
    return app


def http_description() -> str:
    from .spec import DESCRIPTION

    return DESCRIPTION
