"""/health: is there a database, which build is it."""

import datetime as dt

from flask import current_app
from flask.views import MethodView

from schemas.envelopes import Health, Problem

from .db import get_db
from .errors import PROBLEM_JSON
from .framework import Blueprint

blp = Blueprint("health", __name__, description="Service status, for load balancers and monitors.")


@blp.route("/health")
class HealthCheck(MethodView):
    @blp.doc(operationId="getHealth")
    @blp.response(200, Health, description="The database is open and readable.")
    @blp.alt_response(
        400,
        schema=Problem,
        content_type=PROBLEM_JSON,
        description="A malformed query string (bad percent-encoding, not UTF-8) or a request body.",
    )
    @blp.alt_response(
        503,
        schema=Problem,
        content_type=PROBLEM_JSON,
        description="No database is built yet, or it cannot be read.",
    )
    def get(self):
        """Check health

        `200` with the build id and record counts when the database is open and answers a query;
        `503` problem details when there is no database yet or it cannot be read.
        """
        db = get_db()
        db.execute("SELECT 1 FROM meta LIMIT 1").fetchone()
        return {
            "status": "ok",
            "build_id": db.build_id,
            "built_at": dt.datetime.fromisoformat(db.built_at),
            "api_version": current_app.config["API_VERSION"],
            "counts": db.counts,
        }
