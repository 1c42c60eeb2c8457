"""gunicorn settings for `make serve` (production WSGI server; never Flask's debug server)."""

import os

import gunicorn

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
