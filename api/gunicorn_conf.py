"""gunicorn settings for `make serve` (production WSGI server; never Flask's debug server)."""

import os

import gunicorn
import gunicorn.util

# No server software or version in the Server header.
gunicorn.SERVER = "anchored-news"
gunicorn.SERVER_SOFTWARE = "anchored-news"

workers = int(os.environ.get("WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
keepalive = 2
# Above the app's own 2048-byte query-string limit, so the app answers with a problem document.
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-" if os.environ.get("ACCESS_LOG") else None
preload_app = False
# The control socket (gunicornc: add/remove workers, reload, stop) is not needed to serve; off.
control_socket_disable = True


def post_worker_init(worker):
    """Debug mode is impossible under gunicorn, whatever FLASK_DEBUG says. A long export tells the
    arbiter, batch by batch, that the worker is alive (api/exports.py)."""
    if hasattr(worker.wsgi, "debug"):
        worker.wsgi.debug = False
    if hasattr(worker.wsgi, "config"):
        worker.wsgi.config["WORKER_HEARTBEAT"] = worker.notify


def _write_problem(sock, status_int, reason, mesg):
    """gunicorn's own refusals (request line too long -> 414, malformed request -> 400, too many
    or too large headers -> 431) as problem+json like every other error, not an HTML page."""
    import json

    body = json.dumps({"type": "about:blank", "title": reason, "status": status_int, "detail": mesg or reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


gunicorn.util.write_error = _write_problem
