"""Hostile and malformed input, in process: a fixed list over every parameter of every operation,
then hypothesis-generated query strings. Every answer is a 200 or a documented 4xx problem."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from .helpers import LIST_OPERATIONS, OTHER_ROUTES, RESOURCES, assert_problem, names_in, parameters

# Values every parameter gets: wrong types, empties, huge, unicode and RTL, control characters,
# SQL injection, FTS5 syntax, forged cursors, path tricks. None of them may cause a 500.
HOSTILE_VALUES = [
    "",
    " ",
    "   ",
    "0",
    "-1",
    "1.5",
    "1e9",
    "NaN",
    "Infinity",
    "true",
    "null",
    "[]",
    "{}",
    "0x10",
    str(10**30),
    "-" + str(10**30),
    "9" * 200,
    "2025-13-45",
    "0000-00-00",
    "9999-12-31",
    "2025-04-28T00:00:00Z",
    "yesterday",
    "Сеул",
    "서울",
    "שלום עולם",
    "مرحبا",
    "\u202eevil\u202c",
    "\u200b",
    "\ufeff",
    "e\u0301",
    "🇰🇵💥",
    "Ａ",
    "ß" * 150,
    "a\x00b",
    "\x00",
    "\x07",
    "line\nbreak",
    "tab\there",
    "\r\n",
    "\x1b[31m",
    "\x7f",
    "' OR '1'='1",
    "'; DROP TABLE statements; --",
    '" OR 1=1 --',
    "1; SELECT * FROM meta",
    "%' --",
    "\\",
    "UNION SELECT build_id FROM meta",
    "') OR ('a'='a",
    '"',
    '""',
    "'",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(a b)",
    "*",
    "**",
    "a*",
    "^a",
    "a:b",
    "body:x",
    "{a b}",
    "(",
    ")",
    "((a)",
    'a" OR "b',
    "-a",
    "+a",
    "a NOT b",
    "title: x*",
    "%",
    "%%",
    "%zz",
    "%00",
    "%u0041",
    "..",
    "../..",
    "/etc/passwd",
    "a/b",
    "a?b",
    "a#b",
    "a&b=c",
    "a=b",
    "W10",
    "WyJkYXRlIiwiMjAyNSIsIngiXQ",
    "eyJhIjoxfQ",
    "!!!!",
    "A" * 512,
    "A" * 513,
    "x" * 200,
    "x" * 201,
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "{{7*7}}",
]


def request_query(client, path: str, query: str):
    return client.get(path, environ_overrides={"QUERY_STRING": query})


def check(response, query: str, path: str):
    """The oracle for any input: 200 with JSON, or a documented 4xx problem; never 5xx."""
    status = response.status_code
    assert status in (200, 400, 404, 414), (path, query[:200], status, response.get_data(as_text=True)[:300])
    if status != 200:
        return assert_problem(response)
    assert response.content_type.startswith("application/json")
    body = response.get_json()
    if path in LIST_OPERATIONS:
        known = set(parameters(path))
        assert set(names_in(query)) <= known, (path, query, "an unknown parameter was accepted")
        assert {"data", "meta", "links"} <= set(body)
    return body


@pytest.mark.parametrize("path", list(LIST_OPERATIONS))
def test_every_parameter_with_every_hostile_value(client, path):
    tried = 0
    for name in parameters(path):
        for value in HOSTILE_VALUES:
            query = urlencode({name: value})
            response = request_query(client, path, query)
            check(response, query, path)
            # the schema decides what is valid; the app must agree, and a refusal names the parameter
            if response.status_code == 400 and "invalid_params" in response.get_json():
                assert name in [p["name"] for p in response.get_json()["invalid_params"]]
            tried += 1
    assert tried == len(parameters(path)) * len(HOSTILE_VALUES)


@pytest.mark.parametrize("path", list(LIST_OPERATIONS))
def test_values_the_schema_refuses_are_400s_naming_the_parameter(client, path):
    schema = LIST_OPERATIONS[path]()
    refused = 0
    for name in parameters(path):
        for value in HOSTILE_VALUES:
            try:
                schema.load({name: value})
            except ValidationError:
                body = assert_problem(request_query(client, path, urlencode({name: value})), 400)
                assert name in [p["name"] for p in body["invalid_params"]], (name, value, body)
                refused += 1
    assert refused > 2 * len(parameters(path))


@pytest.mark.parametrize("path", list(LIST_OPERATIONS))
def test_wrong_types_empty_repeated_and_huge(client, path):
    for query, name in [
        (f"limit={10**30}", "limit"),
        ("limit=-5", "limit"),
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("limit", "limit"),
        ("limit=5&limit=5", "limit"),
        ("sort=", "sort"),
        ("sort=date&sort=-date", "sort"),
        ("cursor=", "cursor"),
        ("cursor=" + "A" * 600, "cursor"),
        ("x=1", "x"),
        ("LIMIT=5", "LIMIT"),
        ("=5", ""),
    ]:
        body = assert_problem(request_query(client, path, query), 400)
        assert name in [p["name"] for p in body["invalid_params"]], (query, body)


@pytest.mark.parametrize("path", ["/statements", "/events"])
def test_q_is_user_text_not_fts_syntax(client, path):
    for value in ['"', "AND", "OR", "NEAR(", "*", "(((", 'say "hi', "a) OR (b", "col:val", "^start", "-", "NOT"]:
        response = request_query(client, path, urlencode({"q": value}))
        assert response.status_code == 200, (value, response.get_data(as_text=True))
    # An operator in q is a word, not an operator: "w OR zzzz" needs all three words, so it
    # finds nothing, where FTS5 syntax would have found everything w finds.
    records = client.get(f"{path}?limit=100").get_json()["data"]
    searched = ("quote", "summary") if path == "/statements" else ("title", "description")
    words = Counter(w for r in records for f in searched for w in re.findall(r"[a-z]{4,}", (r.get(f) or "").lower()))
    word = words.most_common(1)[0][0]
    assert client.get(f"{path}?q={word}").get_json()["meta"]["total"] > 0
    # as FTS5 syntax each of these would find what `word` finds; as words, qqqqzzzz occurs nowhere
    for query in (
        f"{word} OR qqqqzzzz",
        f"qqqqzzzz OR {word}",
        f"{word} NOT qqqqzzzz",
        f"NEAR({word} qqqqzzzz)",
        f"{word} OR (qqqqzzzz",
        f'"{word}" OR "qqqqzzzz"',
        f"{word} | qqqqzzzz",
    ):
        assert client.get(f"{path}?" + urlencode({"q": query})).get_json()["meta"]["total"] == 0, query


def test_a_100_kb_q_is_refused_as_too_long(client):
    body = assert_problem(client.get("/statements?q=" + "x" * 100_000), 414)
    assert "2048" in body["detail"]
    assert_problem(client.get("/statements?q=" + quote("ש" * 50_000)), 414)


def test_query_strings_at_the_limit(client):
    at_limit = "q=" + "a" * 190 + "&cursor=" + "A" * (2048 - 190 - 2 - 8)
    assert len(at_limit) == 2048
    assert request_query(client, "/statements", at_limit).status_code == 400  # a forged cursor, not 414
    assert_problem(request_query(client, "/statements", at_limit + "A"), 414)


def test_sql_injection_matches_nothing_and_changes_nothing(client):
    before = client.get("/health").get_json()
    for value in ["x' OR '1'='1", "'; DROP TABLE statements; --", "south-korea' --", "1) OR (1=1"]:
        body = client.get("/statements?" + urlencode({"actor": value})).get_json()
        assert body["meta"]["total"] == 0 and body["data"] == []
        assert body["meta"]["resolved"][0]["matched"] is None
        assert client.get("/actors?" + urlencode({"q": value})).get_json()["meta"]["total"] == 0
        assert client.get("/statements?" + urlencode({"source": value})).get_json()["meta"]["total"] == 0
        assert_problem(client.get("/actors/" + quote(value, safe="")), 404)
    assert client.get("/health").get_json() == before


@pytest.mark.parametrize(
    "raw, what",
    [
        ("q=%zz", "%25"),
        ("q=%", "%25"),
        ("q=abc%", "%25"),
        ("q=%4", "%25"),
        ("q=%u0041", "%25"),
        ("%zz=1", "%25"),
        ("q=%ff", "UTF-8"),
        ("q=%ff%fe", "UTF-8"),
        ("q=%C0%AF", "UTF-8"),  # overlong encoding of /
        ("q=%ED%A0%80", "UTF-8"),  # an encoded surrogate
        ("q=%E2%82", "UTF-8"),  # truncated sequence
        ("limit=\xff", "UTF-8"),  # raw byte, not encoded (WSGI gives bytes as latin-1)
        ("\xff\xfe=1", "UTF-8"),
        ("actor=\xc3", "UTF-8"),
    ],
)
@pytest.mark.parametrize("path", ["/statements", "/actors", "/health", "/statements/x", "/nowhere"])
def test_invalid_percent_encoding_and_utf8_are_400(client, raw, what, path):
    body = assert_problem(request_query(client, path, raw), 400)
    assert what in body["detail"]


def test_raw_utf8_in_the_query_string_is_fine(client):
    raw = "q=" + "서울".encode().decode("latin-1")
    assert request_query(client, "/statements", raw).status_code == 200


def test_forged_and_truncated_cursors(client):
    first = client.get("/statements?limit=1&sort=date").get_json()
    cursor = first["meta"]["next_cursor"]
    assert cursor, "the corpus has more than one statement"
    assert client.get(f"/statements?limit=1&sort=date&cursor={cursor}").status_code == 200
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    forged = [
        cursor[:-1],
        cursor[:-3],
        cursor[: len(cursor) // 2],
        cursor[1:],
        cursor + "A",
        cursor + "==",
        cursor[::-1],
        cursor.upper(),
        cursor.replace("W", "_"),
        "A",
        "====",
        "!!",
        "%2B%2F",
        b64(b'["date"]'),
        b64(b'["date","x"]'),
        b64(b'["date",1,2]'),
        b64(b'["date","a","b","c"]'),
        b64(b'{"sort":"date"}'),
        b64(b'"date"'),
        b64(b"null"),
        b64(b"[]"),
        b64(b"\xff\xfe"),
        b64(b'["-date","a","b"]'),
        b64(b'["name","a","b"]'),
        b64(b"[" * 10000),
        b64(b'["date","' + b"a" * 300 + b'","b"]'),
    ]
    for value in forged:
        response = client.get("/statements?sort=date&" + urlencode({"cursor": value}))
        if response.status_code == 200:
            # only a cursor that decodes to this sort's (key, id) pair may page; it is then a valid position
            decoded = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
            assert decoded[0] == "date" and len(decoded) == 3
            continue
        status = 414 if len("sort=date&" + urlencode({"cursor": value})) > 2048 else 400
        body = assert_problem(response, status)
        if status == 400:
            assert [p["name"] for p in body["invalid_params"]] == ["cursor"], (value, body)


@pytest.mark.parametrize("resource", RESOURCES)
def test_path_ids_with_slashes_dots_and_encoded_characters_are_404(client, resource, sample_ids):
    for raw_id in [
        "..",
        ".",
        "...",
        "%2e%2e",
        "%2E%2E%2F",
        "a%2Fb",
        "a/b",
        "a/../b",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "a%00b",
        "%ff",
        "%C0%AF",
        "%E2%80%AE",
        "%20",
        "%09",
        "a;b",
        "a%3Bb",
        "%25",
        "a.json",
        "a..b",
        "*",
        "%2A",
        "~root",
        "%5C",
        "a%5Cb",
        "con",
        "' OR '1'='1",
        "%27%20OR%201%3D1--",
        "x" * 1500,
        "%u0041",
        "a%2",
        "%",
    ]:
        response = client.get(f"/{resource}/{raw_id}")
        assert_problem(response, 404 if len(raw_id) < 2000 else 414)
    for real in sample_ids[resource][:3]:
        for variant in (
            real + "/",
            real + ".",
            real + "%2F",
            "./" + real,
            real.upper() if real.upper() != real else real + "X",
        ):
            assert_problem(client.get(f"/{resource}/{variant}"), 404)
        assert client.get(f"/{resource}/{real}").status_code == 200
        assert client.get(f"/{resource}/{quote(real)}").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND", "CONNECT", "FOO"])
def test_unexpected_methods_are_405_with_allow(client, method, sample_ids):
    paths = list(LIST_OPERATIONS) + [f"/{r}/{ids[0]}" for r, ids in sample_ids.items() if ids]
    paths += ["/health", "/docs", "/openapi.json", "/openapi.yaml", "/docs/swagger-ui.css"]
    for path in paths:
        response = client.open(path, method=method)
        assert_problem(response, 405)
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("path", list(LIST_OPERATIONS) + ["/health", "/statements/x"])
def test_bodies_on_get_are_refused(client, path):
    for kwargs in (
        {"data": "{}", "content_type": "application/json"},
        {"data": "q=x", "content_type": "application/x-www-form-urlencoded"},
        {"data": b"\x00" * 10},
        {"data": "x" * 100_000},
    ):
        body = assert_problem(client.get(path, **kwargs), 400)
        assert "body" in body["detail"]
        assert client.head(path, **kwargs).status_code == 400


# --------------------------------------------------------------------------------------------
# Generated query strings

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "150"))  # more: RELIABILITY_EXAMPLES=2000
_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(HOSTILE_VALUES),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.dates().map(str),
)


def encoded(value: str, how: int) -> str:
    if how == 0:
        return quote(value, safe="")
    if how == 1:
        return quote(value, safe="/:=&?%'\"()*")  # some reserved characters left raw
    return value.encode("utf-8").decode("latin-1")  # raw UTF-8 bytes, as a sloppy client sends them


def query_strategy(names):
    pair = st.tuples(st.one_of(st.sampled_from(names), st.text(max_size=12)), hostile_text, st.integers(0, 2))
    return st.lists(pair, max_size=6).map(
        lambda pairs: "&".join(f"{encoded(n, how)}={encoded(v, how)}" for n, v, how in pairs)
    )


raw_bytes_query = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))

GENERATED = {"requests": 0}


def ran(counter: dict, minimum: int) -> None:
    """Every generated test must really have sent its examples."""
    GENERATED["requests"] += counter["n"]
    print(f" [{counter['n']} generated; {GENERATED['requests']} so far]", end="")
    assert counter["n"] >= minimum


@pytest.mark.parametrize("path", list(LIST_OPERATIONS))
def test_generated_query_strings_on_list_operations(app, path):
    client = app.test_client()
    names = parameters(path)

    @_settings
    @given(query=st.one_of(query_strategy(names), raw_bytes_query))
    def run(query):
        check(request_query(client, path, query), query, path)
        counter["n"] += 1

    counter = {"n": 0}
    run()
    ran(counter, EXAMPLES // 2)


def valid_query(path):
    """Queries built only of well-formed values: the schema's verdict must be the app's."""
    schema = LIST_OPERATIONS[path]()
    fields = schema.fields
    values = {}
    for name, field in fields.items():
        choices = getattr(next((v for v in field.validators if hasattr(v, "choices")), None), "choices", None)
        if choices:
            values[name] = st.sampled_from(list(choices))
        elif name == "limit":
            values[name] = st.integers(-5, 150).map(str)
        elif name in ("since", "until"):
            values[name] = st.dates().map(str)
        elif name == "include_affiliates":
            values[name] = st.sampled_from(["true", "false", "1", "0", "yes", "no", "maybe"])
        elif name == "country":
            values[name] = st.sampled_from(["KR", "kp", "RU", "us", "XX", "K", "KOR"])
        elif name == "cursor":
            continue
        else:
            values[name] = st.one_of(
                st.sampled_from(["Seoul", "south-korea", "North Korea", "kremlin", "Moscow", "russia", "troops"]),
                st.text(
                    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=30
                ),
            )
    return st.fixed_dictionaries({}, optional=values)


@pytest.mark.parametrize("path", list(LIST_OPERATIONS))
def test_generated_well_formed_queries_agree_with_the_schema(app, path):
    client = app.test_client()
    schema = LIST_OPERATIONS[path]()

    @_settings
    @given(params=valid_query(path))
    def run(params):
        query = urlencode(params)
        response = request_query(client, path, query)
        counter["n"] += 1
        try:
            schema.load(params)
        except ValidationError as error:
            body = assert_problem(response, 400)
            assert set(error.messages) & {p["name"] for p in body["invalid_params"]}, (params, body)
            return
        assert response.status_code == 200, (params, response.get_data(as_text=True)[:300])
        body = response.get_json()
        assert len(body["data"]) <= int(params.get("limit", 20))

    counter = {"n": 0}
    run()
    ran(counter, EXAMPLES // 2)


@pytest.mark.parametrize("resource", RESOURCES)
def test_generated_ids(app, resource, sample_ids):
    client = app.test_client()
    real = sample_ids[resource]

    @_settings
    @given(
        raw_id=st.one_of(st.text(min_size=1, max_size=60), st.sampled_from(real or ["x"])),
        how=st.integers(0, 2),
        query=st.one_of(st.just(""), query_strategy(["limit", "q"])),
    )
    def run(raw_id, how, query):
        path = f"/{resource}/" + encoded(raw_id, how)
        response = client.get(path, environ_overrides={"QUERY_STRING": query})
        counter["n"] += 1
        assert response.status_code in (200, 400, 404, 414), (path, query, response.status_code)
        if response.status_code == 200:
            assert response.get_json()["id"] == raw_id and raw_id in real
        else:
            assert_problem(response)

    counter = {"n": 0}
    run()
    ran(counter, EXAMPLES // 2)


@pytest.mark.parametrize("path", OTHER_ROUTES)
def test_generated_query_strings_on_other_routes(app, path):
    client = app.test_client()

    @_settings
    @given(query=st.one_of(query_strategy(["x", "q", "limit"]), raw_bytes_query))
    def run(query):
        response = request_query(client, path, query)
        counter["n"] += 1
        assert response.status_code in (200, 400, 404, 414), (path, query, response.status_code)
        if response.status_code >= 400:
            assert_problem(response)

    counter = {"n": 0}
    run()
    ran(counter, EXAMPLES // 2)
