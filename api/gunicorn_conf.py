"""gunicorn settings for `make serve` (production WSGI server; never Flask's debug server)."""

import fcntl
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import gunicorn
import gunicorn.util

# No server software or version in the Server header.
gunicorn.SERVER = "anchored-news"
gunicorn.SERVER_SOFTWARE = "anchored-news"


def _seconds(name: str, default: int) -> int:
    """A whole number of seconds from the environment, at least 1 (0 would turn a timeout off)."""
    value = int(os.environ.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1 second, not {value}")
    return value


workers = int(os.environ.get("WORKERS", "2"))
# gevent: a connection costs a greenlet, not a worker, so slow clients (slowloris) cannot take the
# workers away from everyone else when the server is exposed directly (`make serve`). Behind a
# buffering proxy (`make cluster`: nginx reads whole requests first) WORKER_CLASS=sync is enough.
WORKER_CLASS = os.environ.get("WORKER_CLASS", "gevent")
worker_connections = 1000  # per worker, gevent only
timeout = 30
graceful_timeout = 10
# The header timeout: under gevent a request's line and headers must arrive within `keepalive`
# seconds of the connection (or of the previous response), or the connection is closed
# (gunicorn's AsyncWorker reads each request under gevent.Timeout(keepalive)).
keepalive = _seconds("HEADER_TIMEOUT", 5)
# Under gevent, how long a response may wait on a client that does not read it; then the
# connection is dropped. (gunicorn's gevent worker leaves client sockets with no timeout at all,
# and its worker timeout only catches a blocked event loop.)
SEND_TIMEOUT = _seconds("SEND_TIMEOUT", 30)


def _gevent_worker():
    """gunicorn's gevent worker, with SEND_TIMEOUT on every client socket."""
    from gunicorn.workers.base_async import AsyncWorker
    from gunicorn.workers.ggevent import GeventWorker

    class TimedGeventWorker(GeventWorker):
        def handle(self, listener, client, addr):
            client.settimeout(SEND_TIMEOUT)
            AsyncWorker.handle(self, listener, client, addr)

    return TimedGeventWorker


worker_class = _gevent_worker() if WORKER_CLASS == "gevent" else WORKER_CLASS
# Above the app's own 2048-byte query-string limit, so the app answers with a problem document.
limit_request_line = 8190
limit_request_fields = 100


def _load_access_log():
    """api/access_log.py by path: importing ``api.access_log`` would load the app into the master."""
    spec = importlib.util.spec_from_file_location("anchored_news_access_log", Path(__file__).with_name("access_log.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ACCESS_LOG: unset -> no access log; "json" -> JSON lines; anything else ("text", "1") -> text
# with the request id (api/access_log.py).
_access_log = _load_access_log()
_access_mode = _access_log.mode(os.environ.get("ACCESS_LOG"))
accesslog = "-" if _access_mode else None
if _access_mode == "json":
    logger_class = _access_log.JsonLogger
elif _access_mode == "text":
    access_log_format = _access_log.TEXT_FORMAT
preload_app = False
# The control socket (gunicornc: add/remove workers, reload, stop) is not needed to serve; off.
control_socket_disable = True


# Metrics (api/metrics.py): prometheus_client's multiprocess mode, each worker writing its values to
# files in PROMETHEUS_MULTIPROC_DIR and a scrape summing them. The directory belongs to one master:
# unset, the master makes a private temporary one at start and removes it at exit; set (by the
# operator), its stale files are deleted at start, and a lock on it keeps a second master from
# using it at the same time (it refuses to start). The variable is set in the master before any
# worker is forked, and the master never imports the app or prometheus_client before that: the
# mode is chosen when prometheus_client is imported. A master that finds the variable set by
# another master (a re-exec'd one, USR2) makes its own directory too.
_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_METRICS_OWNER = "ANCHORED_NEWS_METRICS_DIR_OWNER"  # the pid of the master that made the directory
_metrics: dict = {"path": None, "created": False, "lock": None}


_METRICS_PREFIX = "anchored-news-metrics-"


def _sweep_abandoned_metrics_dirs():
    """The directories of masters that were killed before on_exit (SIGKILL): no lock held on them
    (a live master's is locked by it and its workers) and older than a minute (not one being made)."""
    for directory in Path(tempfile.gettempdir()).glob(_METRICS_PREFIX + "*"):
        try:
            if time.time() - directory.stat().st_mtime < 60:
                continue
            with open(directory / ".lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(directory, ignore_errors=True)
        except OSError:  # locked: in use; or gone, or not ours
            continue


def on_starting(server):
    if "prometheus_client.values" in sys.modules:
        raise RuntimeError("prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set")
    path = os.environ.get(_METRICS_DIR)
    created = not path or _METRICS_OWNER in os.environ
    if created:
        _sweep_abandoned_metrics_dirs()
        path = tempfile.mkdtemp(prefix=_METRICS_PREFIX)  # mode 0700, a new name every time
        os.environ[_METRICS_DIR] = path
        os.environ[_METRICS_OWNER] = str(os.getpid())
    else:
        os.makedirs(path, exist_ok=True)
    lock = open(os.path.join(path, ".lock"), "a")  # noqa: SIM115 - held until the master exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise RuntimeError(
            f"PROMETHEUS_MULTIPROC_DIR={path} is in use by another gunicorn master; give each its own "
            "directory (or leave the variable unset: each master then makes a private one)"
        ) from None
    for stale in Path(path).glob("*.db"):  # a previous run's values
        stale.unlink()
    _metrics.update(path=path, created=created, lock=lock)
    server.log.info("Metrics of the workers in %s", path)


def child_exit(server, worker):
    """A worker is gone: its live gauges go with it (counters and histograms stay in the sum)."""
    if _metrics["path"]:
        from prometheus_client import multiprocess  # after on_starting set the directory

        multiprocess.mark_process_dead(worker.pid, _metrics["path"])


def on_exit(server):
    if _metrics["lock"] is not None:
        _metrics["lock"].close()
    if _metrics["created"] and _metrics["path"]:
        shutil.rmtree(_metrics["path"], ignore_errors=True)


def post_worker_init(worker):
    """Debug mode is impossible under gunicorn, whatever FLASK_DEBUG says. A long export tells the
    arbiter, batch by batch, that the worker is alive (api/exports.py)."""
    if hasattr(worker.wsgi, "debug"):
        worker.wsgi.debug = False
    if hasattr(worker.wsgi, "config"):
        worker.wsgi.config["WORKER_HEARTBEAT"] = _heartbeat(worker)


def _heartbeat(worker):
    """What an export calls batch by batch: the arbiter hears the worker is alive; under gevent the
    worker's other connections get their turn too (a fast reader never makes a write wait, so a
    long export would otherwise hold the worker to itself)."""
    if not _is_gevent(worker):
        return worker.notify
    import gevent

    def beat():
        worker.notify()
        gevent.sleep(0)

    return beat


def _is_gevent(worker) -> bool:
    return any(cls.__module__ == "gunicorn.workers.ggevent" for cls in type(worker).__mro__)


def post_request(worker, req, environ, resp):
    """Under gevent, a kept-alive connection whose next request has already arrived would be served
    again before any other: yielding after each response serves the connections in turn (measured
    at saturation: p99 ~700 ms -> ~25 ms, the same throughput)."""
    if _is_gevent(worker):
        import gevent

        gevent.sleep(0)


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
    # The rest of the refused request may still be unread: closing now would reset the connection
    # and the client could lose the answer. The sync worker closes gracefully after this; gevent's
    # (AsyncWorker) closes at once, so the graceful close (FIN, drain, close) is done here for both.
    gunicorn.util.close_graceful(sock)


gunicorn.util.write_error = _write_problem
