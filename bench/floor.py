"""The floor: a bare Flask + sqlite3 app that runs one fixed SQL statement per route and returns
the pre-rendered bodies it selects, with nothing else (no parsing, counting, envelope or headers).

    FLOOR_DB=corpus.db FLOOR_SPEC=spec.json gunicorn -w 2 -b 127.0.0.1:PORT bench.floor:app

``spec.json`` maps a route name to SQL whose last column is a JSON body; ``?p=`` values are bound
as parameters (for get-by-id).
"""

import json
import os
import sqlite3
import threading

from flask import Flask, Response, request

app = Flask(__name__)
SPEC = json.loads(open(os.environ["FLOOR_SPEC"], encoding="utf-8").read())
DB = os.path.abspath(os.environ["FLOOR_DB"])
_local = threading.local()


def connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(f"file:{DB}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        _local.conn = conn
    return conn


@app.get("/<name>")
def run(name):
    rows = connection().execute(SPEC[name], request.args.getlist("p")).fetchall()
    return Response('{"data":[' + ",".join(r[-1] for r in rows) + "]}", mimetype="application/json")
