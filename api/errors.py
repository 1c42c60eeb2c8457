"""Every error is an RFC 9457 problem (``application/problem+json``), never a stack trace."""

from __future__ import annotations

import http
import sqlite3

import flask_smorest
from flask import current_app, json, request
from marshmallow import ValidationError, fields
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from schemas.envelopes import Problem

from .db import DatabaseCorrupt, DatabaseUnavailable
from .listing import BadParameter

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, detail: str, *, invalid_params=None, headers=None, title=None):
    body = {
        "type": "about:blank",
        "title": title or http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if invalid_params is not None:
        body["invalid_params"] = invalid_params
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON
    )
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _invalid_params(messages) -> list[dict]:
    """webargs' {"query": {"actr": ["Unknown field."]}} -> [{"name": "actr", "reason": ...}]."""
    found = []
    for location_messages in messages.values():
        if not isinstance(location_messages, dict):
            location_messages = {"_schema": location_messages}
        for name, reasons in location_messages.items():
            if isinstance(reasons, dict):  # nested; not expected for flat query schemas
                reasons = [str(v) for v in reasons.values()]
            for reason in reasons if isinstance(reasons, list) else [reasons]:
                if reason == "Unknown field.":
                    reason = "Unknown parameter."
                found.append({"name": name if name != "_schema" else "query", "reason": str(reason)})
    return found


class QueryParser(FlaskParser):
    """Query parsing with 400 for bad input, unknown parameters refused, and no silent repeats."""

    DEFAULT_VALIDATION_STATUS = 400
    # None: use the schema's own Meta.unknown (RAISE) instead of webargs' EXCLUDE for queries.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def load_querystring(self, req, schema):
        repeated = {
            name: ["Given more than once; give it once."]
            for name in req.args
            if len(req.args.getlist(name)) > 1 and not isinstance(schema.fields.get(name), fields.List)
        }
        if repeated:
            raise ValidationError(repeated)
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = QueryParser()


class Api(flask_smorest.Api):
    """flask-smorest's Api, answering and documenting errors as problem details."""

    ERROR_SCHEMA = Problem

    def _register_pagination_header(self):
        """Lists page by cursor in the body; flask-smorest's X-Pagination header is never sent."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR",
            {
                "description": "Any other error, as RFC 9457 problem details.",
                "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}},
            },
            lazy=True,
        )

    def _register_error_handlers(self):
        self._app.register_error_handler(HTTPException, self.handle_http_exception)
        self._app.register_error_handler(BadParameter, self.handle_bad_parameter)
        self._app.register_error_handler(DatabaseUnavailable, self.handle_unavailable)
        self._app.register_error_handler(DatabaseCorrupt, self.handle_unavailable)
        self._app.register_error_handler(sqlite3.DatabaseError, self.handle_database_error)
        self._app.register_error_handler(Exception, self.handle_unexpected)

    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        headers = dict(error.get_headers()) if error.code == 405 else {}
        headers.pop("Content-Type", None)
        headers.update(data.get("headers") or {})
        if "messages" in data:
            params = _invalid_params(data["messages"])
            names = ", ".join(dict.fromkeys(p["name"] for p in params))
            detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
            return problem_response(
                error.code, f"Invalid query parameter(s) {names}. {detail}", invalid_params=params, headers=headers
            )
        detail = data.get("message") or error.description or http.HTTPStatus(error.code).phrase
        if error.code == 404 and error.description and "requested URL was not found" in error.description:
            detail = f"No resource at {request.path}."
        if error.code == 405:
            detail = f"{request.method} is not allowed here; allowed: {headers.get('Allow', 'GET')}."
        return problem_response(error.code, detail, headers=headers)

    def handle_bad_parameter(self, error):
        return problem_response(
            400,
            f"Invalid query parameter(s) {error.name}. {error.name}: {error.reason}",
            invalid_params=[{"name": error.name, "reason": error.reason}],
        )

    def handle_unavailable(self, error):
        current_app.logger.error("%s", error)  # the log has the path; the client gets no file names
        if isinstance(error, DatabaseUnavailable):
            detail = "No database has been built yet; the operator has to run `make db`."
        else:
            detail = "The database cannot be served; the operator has to rebuild it with `make db`."
        return problem_response(503, detail, headers={"Retry-After": "30"})

    def handle_database_error(self, error):
        current_app.logger.exception("database error")
        return problem_response(
            503, "The database could not be read; the operator has to rebuild it.", headers={"Retry-After": "30"}
        )

    def handle_unexpected(self, error):
        if isinstance(error, HTTPException):
            return self.handle_http_exception(error)
        current_app.logger.exception("unhandled error")
        return problem_response(500, "An unexpected error occurred; it has been logged.")



