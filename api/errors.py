"""Every error is an RFC 9457 problem (``application/problem+json``), never a stack trace."""

from __future__ import annotations

import http
import sqlite3

from flask import current_app, json, request
from werkzeug.exceptions import HTTPException

from .db import DatabaseCorrupt, DatabaseUnavailable
from .query import BadParameter

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
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
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
            if isinstance(reasons, dict):  # a multi-value parameter: {position: [reasons]}
                reasons = [
                    f"value {position + 1 if isinstance(position, int) else position}: {' '.join(map(str, why))}"
                    if isinstance(why, list)
                    else str(why)
                    for position, why in reasons.items()
                ]
            for reason in reasons if isinstance(reasons, list) else [reasons]:
                if reason == "Unknown field.":
                    reason = "Unknown parameter."
                found.append({"name": name if name != "_schema" else "query", "reason": str(reason)})
    return found


# The order of Allow everywhere (405s and OPTIONS): Werkzeug lists a rule's methods in set order,
# which changes with the process's hash seed.
METHOD_ORDER = ("GET", "HEAD", "OPTIONS")


def allow_header(methods) -> str:
    known = [m for m in METHOD_ORDER if m in methods]
    return ", ".join(known + sorted(set(methods) - set(METHOD_ORDER)))


def handle_http_exception(error):
    data = getattr(error, "data", None) or {}
    headers = dict(error.get_headers()) if error.code == 405 else {}
    headers.pop("Content-Type", None)
    if "Allow" in headers:
        headers["Allow"] = allow_header([m.strip() for m in headers["Allow"].split(",")])
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


def handle_bad_parameter(error):
    return problem_response(
        400,
        f"Invalid query parameter(s) {error.name}. {error.name}: {error.reason}",
        invalid_params=[{"name": error.name, "reason": error.reason}],
    )


def handle_unavailable(error):
    current_app.logger.error("%s", error)  # the log has the path; the client gets no file names
    if isinstance(error, DatabaseUnavailable):
        detail = "No database has been built yet; the operator has to run `make db`."
    else:
        detail = "The database cannot be served; the operator has to rebuild it with `make db`."
    return problem_response(503, detail, headers={"Retry-After": "30"})


def handle_database_error(error):
    current_app.logger.exception("database error")
    return problem_response(
        503, "The database could not be read; the operator has to rebuild it.", headers={"Retry-After": "30"}
    )


def handle_unexpected(error):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    current_app.logger.exception("unhandled error")
    return problem_response(500, "An unexpected error occurred; it has been logged.")


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(BadParameter, handle_bad_parameter)
    app.register_error_handler(DatabaseUnavailable, handle_unavailable)
    app.register_error_handler(DatabaseCorrupt, handle_unavailable)
    app.register_error_handler(sqlite3.DatabaseError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
