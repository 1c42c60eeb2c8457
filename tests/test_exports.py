"""Exports (/statements.csv, /events.ndjson, /events.geojson, ...): the whole filtered list, streamed."""

from __future__ import annotations

import csv
import gzip
import inspect
import io
import json
import random
import shutil
import sqlite3
import zlib
from types import MappingProxyType

import pytest
from marshmallow import Schema, fields

from api import create_app, exports
from data.build import build_database
from schemas import flatten
from schemas.queries import Paging
from schemas.resources import Actor, Casualty, Event, Statement

from .conftest import generate_seeds, get_all, get_json

SCHEMAS = {"statements": Statement, "events": Event, "casualties": Casualty, "actors": Actor}

# (list, query): filters of every kind (a column, several values, an actor scope, one actor's own
# scope, a link table, a place, full text, dates, undated records, the sort).
FILTERED = [
    ("statements", ""),
    ("statements", "sort=date"),
    ("statements", "stance=condemn,accuse"),
    ("statements", "actor=Seoul"),
    ("statements", "actor=vladimir-putin&include_affiliates=false&sort=date"),
    ("statements", "target=north-korea"),
    ("statements", "q=Kursk"),
    ("statements", "since=2024-11-01&until=2025-06-30"),
    ("statements", "undated=only"),
    ("events", ""),
    ("events", "sort=date"),
    ("events", "location=Kursk"),
    ("events", "location=RU"),
    ("events", "actor=russia&role=initiator"),
    ("events", "type=condemnation,military_parade"),
    ("events", "q=Kursk&sort=date"),
    ("casualties", ""),
    ("actors", ""),
    ("actors", "sort=-name"),
    ("actors", "q=seo"),
    ("actors", "affiliated_with=Seoul"),
    ("actors", "kind=person,state"),
]


def export(client, path, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:500])
    return response


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


@pytest.mark.parametrize(("resource", "query"), FILTERED)
def test_csv_and_ndjson_hold_exactly_the_records_of_the_list_in_its_order(client, resource, query):
    listed = get_all(client, f"/{resource}?limit=100&{query}")
    ids = [r["id"] for r in listed]
    rows = csv_rows(export(client, f"/{resource}.csv?{query}").get_data())
    assert rows[0] == flatten.header(flatten.columns(SCHEMAS[resource]))
    assert [row[0] for row in rows[1:]] == ids
    lines = export(client, f"/{resource}.ndjson?{query}").get_data(as_text=True).split("\n")
    assert lines[-1] == ""  # every record ends with a newline
    assert [json.loads(line) for line in lines[:-1]] == listed


def test_some_filters_select_some_records_and_some_none(client):
    every = len(get_all(client, "/statements?limit=100"))
    some = len(csv_rows(export(client, "/statements.csv?stance=condemn").get_data())) - 1
    assert 0 < some < every
    assert csv_rows(export(client, "/statements.csv?q=zzzqqqxyz").get_data()) == [
        flatten.header(flatten.columns(Statement))
    ]
    assert export(client, "/statements.ndjson?q=zzzqqqxyz").get_data() == b""
    assert json.loads(export(client, "/events.geojson?q=zzzqqqxyz").get_data()) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_ndjson_lines_are_the_bodies_the_api_serves(client):
    body = export(client, "/events.ndjson").get_data()
    for line in body.split(b"\n")[:-1][:5]:
        record_id = json.loads(line)["id"]
        assert client.get(f"/events/{record_id}").get_data() == line
    assert export(client, "/events.ndjson").headers["Content-Type"] == "application/x-ndjson"


def test_csv_is_rfc_4180_and_flattens_the_record(client):
    response = export(client, "/statements.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    body = response.get_data()
    assert body.endswith(b"\r\n")
    assert body.split(b"\r\n", 1)[0].decode() == ",".join(flatten.header(flatten.columns(Statement)))
    rows = csv_rows(body)
    header = rows[0]
    assert len(set(header)) == len(header)
    assert {"id", "event_id", "event_title", "source_id", "span_start", "span_end"} <= set(header)
    assert {"speakers_actor_id", "speakers_actor_name", "targets_id", "targets_name"} <= set(header)
    records = {r["id"]: r for r in get_all(client, "/statements?limit=100")}
    several = 0
    for row in rows[1:]:
        assert len(row) == len(header)
        cell = dict(zip(header, row, strict=True))
        record = records[cell["id"]]
        assert cell["span_start"] == str(record["span"]["start"])
        assert cell["span_end"] == str(record["span"]["end"])
        assert cell["source_id"] == record["source"]["id"]
        assert cell["event_id"] == (record["event"]["id"] if record["event"] else "")
        assert cell["event_title"] == (record["event"]["title"] if record["event"] else "")
        assert cell["quote"] == (record["quote"] or "")  # verbatim, and null is an empty cell
        assert cell["speakers_actor_id"] == "; ".join(s["actor"]["id"] for s in record["speakers"])
        assert cell["speakers_actor_name"] == "; ".join(s["actor"]["name"] for s in record["speakers"])
        assert cell["targets_id"] == "; ".join(t["id"] for t in record["targets"])
        assert cell["speakers_as_written"].count("; ") == len(record["speakers"]) - 1  # one value per speaker
        several += len(record["speakers"]) > 1
        assert cell == dict(zip(header, flatten.row(flatten.columns(Statement), record), strict=True))
    assert any(not r["event"] for r in records.values())  # the null case is exercised
    assert several  # and the joined one


def test_actor_aliases_are_joined(client):
    rows = csv_rows(export(client, "/actors.csv?id=south-korea").get_data())
    cell = dict(zip(rows[0], rows[1], strict=True))
    record = get_json(client, "/actors/south-korea")
    assert cell["aliases"] == "; ".join(record["aliases"])
    assert cell["affiliation_id"] == ""  # null nested object: empty cells


def test_geojson_is_a_feature_collection_of_lon_lat_points(client):
    response = export(client, "/events.geojson")
    assert response.headers["Content-Type"] == "application/geo+json"
    collection = json.loads(response.get_data())
    assert set(collection) == {"type", "features"} and collection["type"] == "FeatureCollection"
    listed = get_all(client, "/events?limit=100")
    assert [f["id"] for f in collection["features"]] == [e["id"] for e in listed]
    placed = 0
    for feature, event in zip(collection["features"], listed, strict=True):
        assert feature["type"] == "Feature"
        assert feature["properties"] == event
        if event["location"] is None:
            assert feature["geometry"] is None
        else:
            placed += 1
            assert feature["geometry"] == {
                "type": "Point",
                "coordinates": [event["location"]["lon"], event["location"]["lat"]],
            }
    assert 0 < placed < len(listed)
    moscow = next(f for f in collection["features"] if f["properties"]["location"]["name"] == "Red Square")
    lon, lat = moscow["geometry"]["coordinates"]
    assert 37 < lon < 38 and 55 < lat < 56  # GeoJSON's order: longitude first
    kursk = json.loads(export(client, "/events.geojson?location=Kursk").get_data())
    assert [f["id"] for f in kursk["features"]] == [e["id"] for e in get_all(client, "/events?location=Kursk")]


@pytest.mark.parametrize("path", ["/statements.csv", "/events.ndjson", "/events.geojson", "/actors.csv?sort=-name"])
def test_gzip_when_asked_with_its_own_etag(client, path):
    plain = export(client, path)
    zipped = export(client, path, **{"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert export(client, path, **{"Accept-Encoding": "gzip"}).get_data() == zipped.get_data()  # same bytes
    refused = export(client, path, **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_etag_and_304(client):
    first = export(client, "/statements.csv?stance=condemn")
    etag = first.headers["ETag"]
    build_id = get_json(client, "/health")["build_id"]
    assert etag.startswith(f'"{build_id}-')
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get("/statements.csv?stance=condemn", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    zipped = export(client, "/statements.csv?stance=condemn", **{"Accept-Encoding": "gzip"})
    revalidated = client.get(
        "/statements.csv?stance=condemn", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    others = {
        export(client, url).headers["ETag"]
        for url in ["/statements.csv?stance=accuse", "/statements.ndjson?stance=condemn", "/statements.csv"]
    }
    assert etag not in others and len(others) == 3


@pytest.mark.parametrize(
    ("resource", "query"),
    [
        ("statements", "stance=bogus"),
        ("statements", "since=2025-02-01&until=2025-01-01"),
        ("statements", "actr=Seoul"),
        ("statements", "sort=name"),
        ("events", "role=initiator"),
        ("actors", "country=Korea"),
    ],
)
def test_a_bad_filter_is_the_same_400_as_the_list(client, resource, query):
    listed = client.get(f"/{resource}?{query}")
    assert listed.status_code == 400
    for extension in ("csv", "ndjson", "geojson") if resource == "events" else ("csv", "ndjson"):
        exported = client.get(f"/{resource}.{extension}?{query}")
        assert exported.status_code == 400
        assert exported.mimetype == "application/problem+json"
        assert {**exported.get_json(), "instance": None} == {**listed.get_json(), "instance": None}


@pytest.mark.parametrize("query", ["limit=5", "cursor=abc", "include=actors"])
def test_paging_parameters_are_refused(client, query):
    response = client.get(f"/statements.csv?{query}")
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["reason"] == "Unknown parameter."


@pytest.mark.parametrize(
    ("path", "filename"),
    [
        ("/statements.csv", "statements.csv"),
        ("/statements.ndjson", "statements.ndjson"),
        ("/events.csv", "events.csv"),
        ("/events.ndjson", "events.ndjson"),
        ("/events.geojson", "events.geojson"),
        ("/casualties.csv", "casualties.csv"),
        ("/casualties.ndjson", "casualties.ndjson"),
        ("/actors.csv", "actors.csv"),
        ("/actors.ndjson", "actors.ndjson"),
    ],
)
def test_every_export_is_an_attachment(client, path, filename):
    response = export(client, path)
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    head = client.head(path)
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == response.headers["ETag"]


def test_no_export_of_sources(client):
    assert client.get("/sources.csv").status_code == 404


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_the_body_is_generated_batch_by_batch(app, monkeypatch, encoding):
    """A generator, read from the cursor a few rows at a time: the whole body is never built."""
    monkeypatch.setattr(exports, "BATCH", 5)
    monkeypatch.setattr(exports, "CHUNK", 1)  # every batch a chunk of its own
    with app.test_request_context("/statements.csv", headers={"Accept-Encoding": encoding}):
        response = app.full_dispatch_request()
    assert response.status_code == 200
    assert response.is_streamed and inspect.isgenerator(response.response)
    chunks = list(response.response)
    response.close()
    count = app.extensions["anchored_news_db"].get().counts["statements"]
    if encoding == "gzip":
        assert response.headers["Content-Encoding"] == "gzip"
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        body = b"".join(decoder.decompress(chunk) for chunk in chunks) + decoder.flush()
        assert decoder.eof
    else:
        assert len(chunks) == 1 + -(-count // 5)  # the header, then one chunk per batch
        body = b"".join(chunks)
    assert len(csv_rows(body)) == 1 + count


@pytest.mark.parametrize("read", [0, 1])
def test_an_export_cut_short_or_never_read_closes_its_cursor(app, monkeypatch, read):
    opened = []

    def cursor(*args):
        opened.append(real(*args))
        return opened[-1]

    real = exports.every_record
    monkeypatch.setattr(exports, "every_record", cursor)
    monkeypatch.setattr(exports, "BATCH", 2)
    with app.test_request_context("/events.ndjson"):
        response = app.full_dispatch_request()
    chunks = iter(response.response)
    for _ in range(read):
        next(chunks)
    response.close()  # what the server does when the client goes away, or after a HEAD
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].fetchone()


def test_exports_are_documented(app):
    with app.app_context():
        paths = app.extensions["anchored_news_api"].spec.to_dict()["paths"]
    expected = {
        "/statements.csv": ("exportStatementsCsv", "text/csv"),
        "/statements.ndjson": ("exportStatementsNdjson", "application/x-ndjson"),
        "/events.csv": ("exportEventsCsv", "text/csv"),
        "/events.ndjson": ("exportEventsNdjson", "application/x-ndjson"),
        "/events.geojson": ("exportEventsGeojson", "application/geo+json"),
        "/casualties.csv": ("exportCasualtiesCsv", "text/csv"),
        "/casualties.ndjson": ("exportCasualtiesNdjson", "application/x-ndjson"),
        "/actors.csv": ("exportActorsCsv", "text/csv"),
        "/actors.ndjson": ("exportActorsNdjson", "application/x-ndjson"),
    }
    for path, (operation_id, media_type) in expected.items():
        operation = paths[path]["get"]
        assert operation["operationId"] == operation_id
        assert list(operation["responses"]["200"]["content"]) == [media_type]
        assert {"ETag", "Content-Disposition"} <= set(operation["responses"]["200"]["headers"])
        assert "304" in operation["responses"] and "400" in operation["responses"]
        names = {p["name"] for p in operation["parameters"]}
        assert "sort" in names and not names & {"limit", "cursor"}
        resource = path.split(".")[0]
        listed = {p["name"] for p in paths[resource]["get"]["parameters"]}
        assert names == listed - set(Paging().fields)  # the list's filters and sort, not its paging
    geojson = paths["/events.geojson"]["get"]["responses"]["200"]["content"]["application/geo+json"]["schema"]
    assert geojson == {"$ref": "#/components/schemas/EventFeatureCollection"}


# --------------------------------------------------------------------------------------------
# The flattening, on schemas of its own: what a field added to a record schema becomes.


class _Ref(Schema):
    id = fields.String()
    name = fields.String()


class _Item(Schema):
    ref = fields.Nested(_Ref, allow_none=True)
    role = fields.String(allow_none=True)
    tags = fields.List(fields.String())  # a list within a list item: JSON


class _Record(Schema):
    id = fields.String()
    count = fields.Integer()
    share = fields.Float()
    flag = fields.Boolean()
    ref = fields.Nested(_Ref, allow_none=True)
    items = fields.List(fields.Nested(_Item))
    refs = fields.Nested(_Ref, many=True)
    words = fields.List(fields.String())
    plucked = fields.Pluck(_Ref, "id")
    renamed = fields.String(data_key="shown")
    raw = fields.Raw()
    secret = fields.String(load_only=True)


def test_flatten_columns_follow_the_schema():
    assert flatten.header(flatten.columns(_Record)) == [
        "id",
        "count",
        "share",
        "flag",
        "ref_id",
        "ref_name",
        "items_ref_id",
        "items_ref_name",
        "items_role",
        "items_tags",
        "refs_id",
        "refs_name",
        "words",
        "plucked",
        "shown",
        "raw",
    ]


def test_flatten_cells():
    record = {
        "id": "x",
        "count": 3,
        "share": 0.5,
        "flag": False,
        "ref": None,
        "items": [
            {"ref": {"id": "a", "name": "A; B"}, "role": None, "tags": ["t", "u"]},
            {"ref": None, "role": "host", "tags": []},
        ],
        "refs": [],
        "words": ["one", "two"],
        "plucked": "p",
        "shown": "=1+1",
        "raw": {"k": [1]},
    }
    row = dict(
        zip(flatten.header(flatten.columns(_Record)), flatten.row(flatten.columns(_Record), record), strict=True)
    )
    assert row == {
        "id": "x",
        "count": "3",
        "share": "0.5",
        "flag": "false",
        "ref_id": "",
        "ref_name": "",
        "items_ref_id": "a; ",  # one value per item, empty for a null
        "items_ref_name": "A; B; ",
        "items_role": "; host",
        "items_tags": '["t","u"]; []',
        "refs_id": "",
        "refs_name": "",
        "words": "one; two",
        "plucked": "p",
        "shown": "=1+1",  # unaltered: no formula neutralizing
        "raw": '{"k":[1]}',
    }


def test_flatten_refuses_two_fields_with_one_column():
    clash = type("Clash", (Schema,), {"ref_id": fields.String(), "ref": fields.Nested(_Ref)})
    with pytest.raises(ValueError, match="ref_id"):
        flatten.columns(clash)


def test_flatten_survives_a_schema_nested_in_itself():
    class Node(Schema):
        id = fields.String()
        parent = fields.Nested(lambda: Node(), allow_none=True)

    assert flatten.header(flatten.columns(Node)) == ["id", "parent"]
    assert flatten.row(flatten.columns(Node), {"id": "b", "parent": {"id": "a", "parent": None}}) == [
        "b",
        '{"id":"a","parent":null}',
    ]


@pytest.mark.parametrize("schema", list(SCHEMAS.values()))
def test_every_record_schema_flattens(schema):
    names = flatten.header(flatten.columns(schema))
    assert names[0] == "id" and len(set(names)) == len(names)


def test_a_search_adds_highlights_as_the_list_does(client):
    listed = get_all(client, "/events?q=Kursk")
    assert listed and all(e["highlights"] for e in listed)
    rows = csv_rows(export(client, "/events.csv?q=Kursk").get_data())
    cells = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [c["highlights_field"] for c in cells] == ["; ".join(h["field"] for h in e["highlights"]) for e in listed]
    features = json.loads(export(client, "/events.geojson?q=Kursk").get_data())["features"]
    assert [f["properties"] for f in features] == listed
    assert "highlights" not in export(client, "/events.ndjson").get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# The fast path: the compiled row function and _csv_bytes write exactly what the definition
# (flatten.row, csv.writer) writes, for the seed records and for records no build would write.


def _csv_writer(rows) -> bytes:
    """The definition: csv.writer, RFC 4180 with CRLF (what the CSV export wrote before its fast path)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(("resource", "query"), FILTERED)
def test_csv_is_csv_writer_over_flatten_row(client, resource, query):
    """Byte for byte: the header, then csv.writer's line for flatten.row of each record the NDJSON
    export has (the same records, in the same order, highlights included with q)."""
    columns = flatten.columns(SCHEMAS[resource])
    lines = export(client, f"/{resource}.ndjson?{query}").get_data().split(b"\n")[:-1]
    expected = _csv_writer([flatten.header(columns), *(flatten.row(columns, json.loads(line)) for line in lines)])
    assert export(client, f"/{resource}.csv?{query}").get_data() == expected


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stored-csv")
    return build_database(generate_seeds(1500, 3, folder / "seeds"), folder / "corpus.db").path


@pytest.mark.parametrize("resource", list(SCHEMAS))
@pytest.mark.parametrize("database", ["seeds", "synthetic"])
def test_the_stored_csv_row_is_the_row_of_the_body(resource, database, built_db, synthetic_db):
    """The build stores each record's CSV row (the ``csv`` column), which an export without a
    search streams as it is: it is csv.writer's line for flatten.row of the record's body."""
    columns = flatten.columns(SCHEMAS[resource])
    path = built_db if database == "seeds" else synthetic_db
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = conn.execute(f"SELECT body, csv FROM {resource}").fetchall()
    conn.close()
    assert len(rows) > 1
    for body, stored in rows:
        assert stored.encode() == _csv_writer([flatten.row(columns, json.loads(body))])


@pytest.mark.parametrize("resource", list(SCHEMAS))
def test_the_compiled_row_is_flatten_row_for_every_seed_record(client, built_db, resource):
    columns = flatten.columns(SCHEMAS[resource])
    cells = flatten.compiled(columns)
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    records = [json.loads(body) for (body,) in conn.execute(f"SELECT body FROM {resource}")]
    conn.close()
    if resource in ("statements", "events"):
        records += get_all(client, f"/{resource}?q=Kursk")  # with highlights
    assert records
    for record in records:
        assert cells(record) == flatten.row(columns, record)


class _Text(str):
    """A string that is not exactly a str (never in decoded JSON; the definition takes it as text)."""


# What a hostile or broken body could hold where the schema expects something else.
_ODD_VALUES = [
    None,
    "",
    'a, "b"\r\nc',
    "x; y",
    "\x00\x01\x02",
    "’é😀",
    _Text("sub"),
    0,
    -7,
    2**70,
    0.1,
    -0.0,
    1e16,
    37.6173,
    True,
    False,
    [],
    [None],
    ["x", 1, None, True],
    [[1, 2], {"id": "nested"}],
    [{"actor": None}, {"actor": {"id": "a", "name": "b"}}, None, "s", 3],
    [{"id": _Text("t"), "name": ["l"]}],
    {},
    {"id": "z", "name": {"deep": [1]}},
    {"start": {"x": 1}, "end": [2, 3]},
    MappingProxyType({"id": "m", "name": "n", "actor": {"id": "p"}}),
    [MappingProxyType({"id": "m"})],
    MappingProxyType({"items": [{"ref": {"id": "r"}}, None], "words": ["w", 1], "refs": {"id": "no list"}}),
]


class _Deep(Schema):
    """Lists under an object (none of the record schemas has one)."""

    id = fields.String()
    inner = fields.Nested(_Record, allow_none=True)


def _random(rng, keys, depth=0):
    """An odd value, or an object or list of random values, over the schema's keys."""
    kind = rng.randrange(4 if depth < 3 else 1)
    if kind == 0:
        return _copy(rng.choice(_ODD_VALUES))
    if kind == 1:
        return [_random(rng, keys, depth + 1) for _ in range(rng.randrange(4))]
    made = {key: _random(rng, keys, depth + 1) for key in rng.sample(keys, rng.randrange(min(len(keys), 8) + 1))}
    return MappingProxyType(made) if kind == 2 and depth else made


def _positions(value, found):
    """Every (container, key or index) in a decoded record."""
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            _positions(item, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _positions(item, found)
    return found


def _copy(value):
    """A fresh copy (so that no two places, nor _ODD_VALUES, share a list or an object)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, MappingProxyType):
        return MappingProxyType(_copy(dict(value)))
    return value


def _mutated(record, rng):
    record = _copy(record)
    for _ in range(rng.randrange(1, 6)):
        positions = _positions(record, [])
        if not positions:
            break
        container, key = rng.choice(positions)
        if isinstance(container, dict) and rng.random() < 0.2:
            del container[key]
        else:
            container[key] = _copy(rng.choice(_ODD_VALUES))
    return record


@pytest.mark.parametrize("schema", [*SCHEMAS.values(), _Record, _Deep])
def test_the_compiled_row_is_flatten_row_for_odd_records(built_db, schema):
    """Values where the schema has none of their type: objects that are null, lists, scalars or
    Mappings other than dict, lists that are objects or hold nulls, scalars and lists, numbers,
    booleans, a str subclass, keys missing; records that are no dict at all."""
    columns = flatten.columns(schema)
    cells = flatten.compiled(columns)
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    table = next((t for t, s in SCHEMAS.items() if s is schema), None)
    seeds = [json.loads(b) for (b,) in conn.execute(f"SELECT body FROM {table} LIMIT 20")] if table else []
    conn.close()
    keys = sorted({key for column in columns for key, _ in column.steps})
    rng = random.Random(20250)
    records = [
        None,
        "record",
        [],
        [{"id": "x"}],
        MappingProxyType({"id": "m"}),
        {},
        {key: None for key in keys},
        *({key: _copy(value) for key in keys} for value in _ODD_VALUES),
    ]
    records += [_mutated(record, rng) for record in seeds for _ in range(40)]
    for _ in range(300):  # random objects over the schema's keys
        records.append({key: _copy(rng.choice(_ODD_VALUES)) for key in rng.sample(keys, rng.randrange(len(keys) + 1))})
        records.append(_random(rng, keys))
    for record in records:
        expected = _outcome(flatten.row, columns, record)
        got = _outcome(cells, record)
        assert got == expected, record
        assert got is TypeError or all(isinstance(cell, str) for cell in got)


def _outcome(function, *args):
    """What a call returns, or TypeError when it raises it (a Mapping that is not a dict where a
    leaf is: json.dumps refuses it, either way)."""
    try:
        return function(*args)
    except TypeError:
        return TypeError


def test_the_compiled_row_of_the_flatten_examples():
    record = {
        "id": "x",
        "count": 3,
        "share": 0.5,
        "flag": False,
        "ref": None,
        "items": [
            {"ref": {"id": "a", "name": "A; B"}, "role": None, "tags": ["t", "u"]},
            {"ref": None, "role": "host", "tags": []},
        ],
        "refs": [{"id": "one", "name": None}],
        "words": ["one", "two"],
        "plucked": "p",
        "shown": "=1+1",
        "raw": {"k": [1]},
    }
    columns = flatten.columns(_Record)
    assert flatten.compiled(columns)(record) == flatten.row(columns, record)

    class Node(Schema):
        id = fields.String()
        parent = fields.Nested(lambda: Node(), allow_none=True)

    nodes = flatten.columns(Node)
    node = {"id": "b", "parent": {"id": "a", "parent": None}}
    assert flatten.compiled(nodes)(node) == flatten.row(nodes, node) == ["b", '{"id":"a","parent":null}']


def test_csv_bytes_are_csv_writers():
    cases = [
        [["a", "b"]],
        [["", ""], ["", ""]],
        [["a,b", 'say "hi"'], ["\r\n", "x\ry"], ["end,", ",start"], ['"', '""']],
        [["\x00", "b"]],  # a cell holding one of _csv_bytes's marks: csv.writer writes the batch
        [["a", "\x01"]],
        [["\x02", ","]],
        [["x", "\x03"], ["\x01\x03", "y"]],
        [[""]],  # one empty cell: csv.writer writes ""
        [["only"], ["a", "b"]],
        [["’é😀, x", "ü\n"]],
        [],
    ]
    rng = random.Random(4180)
    alphabet = ["a", "b", " ", ",", '"', "\r", "\n", "\x00", "\x01", "\x02", "\x03", "é", "😀", ";", "="]
    for _ in range(3000):
        cases.append(
            [
                ["".join(rng.choices(alphabet, k=rng.randrange(5))) for _ in range(rng.randrange(1, 6))]
                for _ in range(rng.randrange(1, 5))
            ]
        )
    for _ in range(300):  # the marks left out: the fast path itself
        safe = [c for c in alphabet if c not in "\x00\x01\x02\x03"]
        cases.append([["".join(rng.choices(safe, k=rng.randrange(8))) for _ in range(5)] for _ in range(4)])
    for rows in cases:
        assert flatten.csv_bytes(rows) == _csv_writer(rows), rows


@pytest.mark.parametrize("path", ["/statements.csv", "/statements.ndjson", "/events.geojson", "/actors.csv?sort=-name"])
def test_an_export_goes_out_in_chunks_of_at_least_chunk_bytes(app, client, monkeypatch, path):
    """Batches are joined into chunks of CHUNK bytes or more (but the last), none longer than
    CHUNK plus one batch's piece: the same bytes, in fewer writes, of a bounded size. Compressed,
    the same gzip stream whatever the chunks."""
    whole = export(client, path).get_data()
    zipped = export(client, path, **{"Accept-Encoding": "gzip"}).get_data()

    def chunks(encoding: str = "identity") -> list[bytes]:
        with app.test_request_context(path, headers={"Accept-Encoding": encoding}):
            response = app.full_dispatch_request()
        assert inspect.isgenerator(response.response)
        out = list(response.response)
        response.close()
        return out

    monkeypatch.setattr(exports, "BATCH", 3)
    monkeypatch.setattr(exports, "CHUNK", 1)
    pieces = chunks()  # one per batch (and the CSV header)
    size = 2 * max(map(len, pieces))
    monkeypatch.setattr(exports, "CHUNK", size)
    joined = chunks()
    assert b"".join(joined) == b"".join(pieces) == whole
    assert 1 < len(joined) < len(pieces)
    assert all(len(chunk) >= size for chunk in joined[:-1])
    assert all(len(chunk) < size + max(map(len, pieces)) for chunk in joined)
    for chunk_size in (1, size):
        monkeypatch.setattr(exports, "CHUNK", chunk_size)
        assert b"".join(chunks("gzip")) == zipped


def test_an_export_leaves_the_connection_reading_text(app, monkeypatch):
    """The bodies are fetched as bytes (the connection's text_factory, for the fetch alone): between
    two chunks, after the export, and after one cut short, the connection reads text again."""
    monkeypatch.setattr(exports, "BATCH", 2)
    monkeypatch.setattr(exports, "CHUNK", 1)
    with app.app_context():
        conn = app.extensions["anchored_news_db"].get().connection()
    for read in (2, None):  # cut short, read whole
        with app.test_request_context("/statements.csv"):
            response = app.full_dispatch_request()
            for taken, _ in enumerate(response.response, 1):
                assert conn.text_factory is str  # between two chunks
                if taken == read:
                    break
            response.close()
        assert conn.text_factory is str
        assert isinstance(conn.execute("SELECT body FROM statements LIMIT 1").fetchone()[0], str)


def test_an_export_without_a_search_streams_the_stored_rows(tmp_path, built_db):
    """Without ``q`` the CSV is the build's stored rows (here replaced by markers, to tell them
    apart); with ``q`` (highlights) rows are made from the bodies."""
    db = tmp_path / "corpus.db"
    shutil.copy(built_db, db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE statements SET csv = 'stored ' || id || char(13, 10)")
    conn.commit()
    conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(db)}).test_client()
    ids = [r["id"] for r in get_all(client, "/statements?limit=100")]
    lines = client.get("/statements.csv").get_data().decode().split("\r\n")[1:-1]
    assert lines == [f"stored {i}" for i in ids]
    searched = client.get("/statements.csv?q=Kursk").get_data().decode()
    assert "stored " not in searched and "Kursk" in searched


def test_stored_rows_under_another_header_are_not_streamed(tmp_path, built_db):
    """Rows stored by a build whose columns were not these (other code, not rebuilt) would be
    misaligned under this header: the rows are then made from the bodies."""
    db = tmp_path / "corpus.db"
    shutil.copy(built_db, db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE statements SET csv = 'stored ' || id || char(13, 10)")
    headers = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'csv_headers'").fetchone()[0])
    headers["statements"] = "id,another_column\r\n"
    conn.execute("UPDATE meta SET value = ? WHERE key = 'csv_headers'", (json.dumps(headers),))
    conn.commit()
    conn.close()
    client = create_app({"TESTING": True, "DATABASE": str(db)}).test_client()
    body = client.get("/statements.csv").get_data().decode()
    assert "stored " not in body and body.startswith("id,")
    assert len(body.split("\r\n")) > 10
