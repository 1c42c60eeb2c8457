"""Bad input gets a clear problem document naming the parameter; never a 500."""

import pytest

from .conftest import get_json

LISTS = ["/statements", "/events", "/casualties", "/actors", "/sources"]


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize("url", LISTS)
def test_an_unknown_parameter_is_a_400_naming_it(client, url):
    body = assert_problem(client.get(url + "?actr=Seoul"), 400)
    assert body["invalid_params"] == [{"name": "actr", "reason": "Unknown parameter."}]
    assert "actr" in body["detail"]


@pytest.mark.parametrize(
    "query, name",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=" + "9" * 31, "limit"),
        ("since=yesterday", "since"),
        ("since=2025-02-30", "since"),
        ("since=2025-05-01&until=2025-04-01", "since"),
        ("stance=gloat", "stance"),
        ("kind=rumour", "kind"),
        ("sort=popularity", "sort"),
        ("actor=", "actor"),
        ("actor=%20%20", "actor"),
        ("q=%00", "q"),
        ("q=a%07b", "q"),
        ("include_affiliates=perhaps", "include_affiliates"),
        ("cursor=not-a-cursor", "cursor"),
        ("q=" + "x" * 201, "q"),
        ("limit=1&limit=2", "limit"),
    ],
)
def test_bad_values_are_400s_naming_the_parameter(client, query, name):
    body = assert_problem(client.get("/statements?" + query), 400)
    assert name in [p["name"] for p in body["invalid_params"]]


@pytest.mark.parametrize(
    "url, name",
    [
        ("/events?type=picnic", "type"),
        ("/events?status=rumoured", "status"),
        ("/events?role=initiator", "role"),
        ("/casualties?category=bruised", "category"),
        ("/actors?kind=alien", "kind"),
        ("/actors?country=Korea", "country"),
        ("/actors?sort=-date", "sort"),
        ("/sources?sort=name", "sort"),
    ],
)
def test_each_resource_validates_its_own_parameters(client, url, name):
    body = assert_problem(client.get(url), 400)
    assert name in [p["name"] for p in body["invalid_params"]]


def test_a_cursor_from_another_sort_is_refused(client):
    first = get_json(client, "/statements?limit=1&sort=date")
    body = assert_problem(client.get(f"/statements?limit=1&sort=-date&cursor={first['meta']['next_cursor']}"), 400)
    assert body["invalid_params"][0]["name"] == "cursor"


@pytest.mark.parametrize("resource", ["statements", "events", "casualties", "actors", "sources"])
def test_an_unknown_id_is_a_404_problem(client, resource):
    body = assert_problem(client.get(f"/{resource}/no-such-thing"), 404)
    assert "no-such-thing" in body["detail"]


@pytest.mark.parametrize("url", ["/nowhere", "/statements/a/b", "/statements/", "/statements/..%2F..%2Fetc"])
def test_unknown_routes_are_404_problems(client, url):
    assert_problem(client.get(url), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_405_with_allow(client, method):
    response = getattr(client, method)("/statements")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_a_body_on_get_is_refused(client):
    assert_problem(client.get("/statements", data="{}", content_type="application/json"), 400)


def test_an_over_long_query_string_is_414(client):
    body = assert_problem(client.get("/statements?q=" + "a" * 3000), 414)
    assert "limit" in body["detail"]


def test_errors_are_not_cached(client):
    assert client.get("/statements?actr=x").headers["Cache-Control"] == "no-store"
