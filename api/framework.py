"""flask-smorest, fitted to this API: query parsing that refuses unknown and repeated parameters,
and an ``Api`` that documents errors as problem details and answers them with ``api.errors``."""

from __future__ import annotations

import http

import flask_smorest
from marshmallow import ValidationError
from webargs.fields import DelimitedList
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from schemas.envelopes import Problem

from . import errors
from .errors import PROBLEM_JSON


class QueryParser(FlaskParser):
    """Query parsing with 400 for bad input, unknown parameters refused, and no silent repeats."""

    DEFAULT_VALIDATION_STATUS = 400
    # None: use the schema's own Meta.unknown (RAISE) instead of webargs' EXCLUDE for queries.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def load_querystring(self, req, schema):
        repeated = [name for name in req.args if len(req.args.getlist(name)) > 1]
        refused = {
            name: ["Given more than once; give it once."]
            for name in repeated
            if not isinstance(schema.fields.get(name), DelimitedList)
        }
        if refused:
            raise ValidationError(refused)
        if repeated:
            # A repeated multi-value parameter (id=a&id=b) means what id=a,b means.
            args = MultiDict(req.args)
            for name in repeated:
                args.setlist(name, [",".join(args.getlist(name))])
            return self._makeproxy(args, schema)
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
        errors.register_error_handlers(self._app)
