"""The access log of gunicorn (api/gunicorn_conf.py), chosen by ``ACCESS_LOG``:

- unset or empty: none;
- ``json``: one JSON object per request and line on stdout (``JsonLogger``): ``time`` (ISO 8601,
  UTC), ``remote_addr``, ``method``, ``path`` (as sent, still percent-encoded), ``query``,
  ``status``, ``bytes`` (of body sent), ``duration_ms``, ``request_id``, ``user_agent``, ``referer``;
- anything else (``text``, ``1``, ``true``): gunicorn's text log (the "combined" format) with the
  request id appended (``TEXT_FORMAT``).

The request id is the X-Request-Id of the response (api.observability echoes it on every one).
This module imports nothing of the app: gunicorn's master loads it by path, and must not load the
app or prometheus_client itself (api.metrics says why).
"""

from __future__ import annotations

import datetime as dt
import json
import traceback
from typing import Any

from gunicorn.glogging import Logger

TEXT_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
REQUEST_ID = "x-request-id"


def mode(value: str | None) -> str | None:
    """What ``ACCESS_LOG`` asks for: None (no log), "json" or "text"."""
    value = (value or "").strip().lower()
    if not value:
        return None
    return "json" if value == "json" else "text"


def _header(headers: Any, name: str) -> str | None:
    for key, value in headers.items() if hasattr(headers, "items") else headers:
        if key.lower() == name:
            return str(value)
    return None


def record(resp: Any, environ: dict[str, Any], request_time: dt.timedelta, now: dt.datetime | None = None) -> dict:
    """The access-log object of one request (gunicorn's response, the WSGI environ, the duration)."""
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    raw_uri = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
    return {
        "time": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "method": environ.get("REQUEST_METHOD"),
        "path": raw_uri.split("?", 1)[0],
        "query": environ.get("QUERY_STRING", ""),
        "status": int(status) if str(status).isdigit() else status,
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "request_id": _header(resp.headers, REQUEST_ID),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "referer": environ.get("HTTP_REFERER"),
    }


class JsonLogger(Logger):
    """gunicorn's logger with the access log as JSON lines (its error log unchanged)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta) -> None:
        if not self.access_log_enabled:
            return
        try:
            # The handler formats "%(message)s": the line goes out as it is (ASCII: \u escapes).
            self.access_log.info(json.dumps(record(resp, environ, request_time)))
        except Exception:
            self.error(traceback.format_exc())
