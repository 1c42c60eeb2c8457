"""The floor: a bare Flask + sqlite3 app that runs fixed SQL per route and returns what it selects,
with nothing else (no parsing, counting, caching, envelope or headers).

    FLOOR_DB=corpus.db FLOOR_SPEC=spec.json gunicorn -w 2 -b 127.0.0.1:PORT bench.floor:app

``spec.json`` maps a route name to SQL whose last column is a JSON body (a page, get-by-id; ``?p=``
values are bound as parameters), or to a list of SQL statements (a facets request: the count and one
GROUP BY per facet), whose rows are returned as JSON. ``/stream/<name>`` streams the bodies of a
route's SQL as newline-delimited JSON, a batch of rows at a time (an export).
"""

import json
import os
import sqlite3
import threading

from flask import Flask, Response, request

app = Flask(__name__)
SPEC = json.loads(open(os.environ["FLOOR_SPEC"], encoding="utf-8").read())
DB = os.path.abspath(os.environ["FLOOR_DB"])
BATCH = 500  # rows read, and written, at a time (as api/exports.py)
_local = threading.local()


def connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(f"file:{DB}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        _local.conn = conn
    return conn


@app.get("/<name>")
def run(name):
    spec = SPEC[name]
    if isinstance(spec, list):
        return Response(json.dumps([connection().execute(sql).fetchall() for sql in spec]), mimetype="application/json")
    rows = connection().execute(spec, request.args.getlist("p")).fetchall()
    return Response('{"data":[' + ",".join(r[-1] for r in rows) + "]}", mimetype="application/json")


@app.get("/stream/<name>")
def stream(name):
    cursor = connection().execute(SPEC[name])

    def lines():
        try:
            while rows := cursor.fetchmany(BATCH):
                yield "".join(r[-1] + "\n" for r in rows).encode("utf-8")
        finally:
            cursor.close()

    return Response(lines(), mimetype="application/x-ndjson")
