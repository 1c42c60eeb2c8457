"""Versioning of the contract: semver info.version, a CHANGELOG entry for it, and no breaking change
since the last released spec (openapi-released/openapi.yaml) unless the major version went up.

The comparer (spec_compat.py) is tested first on small hand-made specs, one per kind of change.
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from api import API_VERSION

from ..conftest import ROOT
from .spec_compat import breaking_changes, check_release, parse_semver

RELEASED = ROOT / "openapi-released" / "openapi.yaml"
CHANGELOG = ROOT / "CHANGELOG.md"


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# The comparer, on a small spec shaped like ours.


def small_spec(version="1.0.0") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": version},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "parameters": [
                        {"in": "query", "name": "kind", "schema": {"type": "string", "enum": ["a", "b"]}},
                        {"in": "query", "name": "limit", "schema": {"type": "integer"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingList"}}},
                        },
                        "400": {"$ref": "#/components/responses/BAD_REQUEST"},
                    },
                }
            },
            "/things/{thing_id}": {
                "get": {
                    "operationId": "getThing",
                    "parameters": [{"in": "path", "name": "thing_id", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "note": {"type": ["string", "null"]},
                        "owner": {"anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]},
                        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Owner"}},
                    },
                    "required": ["id", "kind", "note", "owner", "tags"],
                },
                "Owner": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    "required": ["id", "name"],
                },
                "ThingList": {
                    "type": "object",
                    "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}},
                    "required": ["data"],
                },
                "Problem": {"type": "object", "properties": {"status": {"type": "integer"}}, "required": ["status"]},
            },
            "responses": {
                "BAD_REQUEST": {
                    "description": "bad",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
            },
        },
    }


def changed(mutate) -> list[str]:
    old = small_spec()
    new = copy.deepcopy(old)
    mutate(new)
    return breaking_changes(old, new)


def test_identical_specs_have_no_breaking_change():
    assert breaking_changes(small_spec(), small_spec()) == []


def _add_optional_param(s):
    s["paths"]["/things"]["get"]["parameters"].append({"in": "query", "name": "q", "schema": {"type": "string"}})


def _add_path(s):
    s["paths"]["/others"] = copy.deepcopy(s["paths"]["/things"])


def _add_field(s):
    s["components"]["schemas"]["Thing"]["properties"]["extra"] = {"type": "string"}


def _widen_param_enum(s):
    s["paths"]["/things"]["get"]["parameters"][0]["schema"]["enum"].append("c")


def _narrow_response_enum(s):
    s["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"] = ["a"]


def _null_to_non_null(s):
    s["components"]["schemas"]["Thing"]["properties"]["note"]["type"] = "string"


def _reword(s):
    s["paths"]["/things"]["get"]["description"] = "Now documented."
    s["components"]["schemas"]["Owner"]["properties"]["name"]["description"] = "The name."


def _add_status(s):
    s["paths"]["/things/{thing_id}"]["get"]["responses"]["404"] = {"$ref": "#/components/responses/BAD_REQUEST"}


@pytest.mark.parametrize(
    "mutate",
    [
        _add_optional_param,
        _add_path,
        _add_field,
        _widen_param_enum,
        _narrow_response_enum,
        _null_to_non_null,
        _reword,
        _add_status,
    ],
)
def test_additions_and_rewording_are_not_breaking(mutate):
    assert changed(mutate) == []


def test_removed_path():
    assert changed(lambda s: s["paths"].pop("/things/{thing_id}")) == ["/things/{thing_id}: path removed"]


def test_removed_operation():
    def mutate(s):
        s["paths"]["/things"]["post"] = s["paths"]["/things"].pop("get")

    assert changed(mutate) == ["GET /things: operation removed"]


def test_removed_response_field():
    assert changed(lambda s: s["components"]["schemas"]["Owner"]["properties"].pop("name")) == [
        "GET /things 200 body.data[].owner.name: field removed",
        "GET /things 200 body.data[].tags[].name: field removed",
        "GET /things/{thing_id} 200 body.owner.name: field removed",
        "GET /things/{thing_id} 200 body.tags[].name: field removed",
    ]


def test_removed_problem_field_in_a_shared_response():
    assert changed(lambda s: s["components"]["schemas"]["Problem"]["properties"].pop("status")) == [
        "GET /things 400 body.status: field removed"
    ]


def test_field_no_longer_required_or_now_nullable():
    def mutate(s):
        s["components"]["schemas"]["Thing"]["required"].remove("id")
        s["components"]["schemas"]["Thing"]["properties"]["kind"]["type"] = ["string", "null"]

    found = changed(mutate)
    assert "GET /things/{thing_id} 200 body.id: no longer always present (not required)" in found
    assert "GET /things/{thing_id} 200 body.kind: may now be null" in found


def test_field_type_changed():
    def mutate(s):
        s["components"]["schemas"]["Thing"]["properties"]["id"] = {"type": "integer"}

    assert "GET /things/{thing_id} 200 body.id: type changed from ['string'] to ['integer']" in changed(mutate)


def test_narrowed_parameter_enum():
    def mutate(s):
        s["paths"]["/things"]["get"]["parameters"][0]["schema"]["enum"] = ["a"]

    assert changed(mutate) == ["GET /things query parameter 'kind': enum narrowed, no longer accepts ['b']"]


def test_widened_response_enum():
    def mutate(s):
        s["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"].append("c")

    assert changed(mutate) == [
        "GET /things 200 body.data[].kind: enum widened with ['c']",
        "GET /things/{thing_id} 200 body.kind: enum widened with ['c']",
    ]


def test_new_required_parameter():
    def mutate(s):
        s["paths"]["/things"]["get"]["parameters"].append(
            {"in": "query", "name": "tenant", "required": True, "schema": {"type": "string"}}
        )

    assert changed(mutate) == ["GET /things: new required query parameter 'tenant'"]


def test_optional_parameter_became_required_or_was_removed():
    def mutate(s):
        params = s["paths"]["/things"]["get"]["parameters"]
        params[0]["required"] = True
        params.pop(1)

    assert changed(mutate) == [
        "GET /things query parameter 'kind': became required",
        "GET /things query parameter 'limit': removed",
    ]


def test_removed_response_status():
    assert changed(lambda s: s["paths"]["/things"]["get"]["responses"].pop("400")) == [
        "GET /things 400: response removed"
    ]


def test_a_breaking_change_needs_a_major_version():
    old = small_spec("1.4.2")
    new = copy.deepcopy(old)
    new["paths"].pop("/things/{thing_id}")
    for version in ("1.4.2", "1.4.3", "1.5.0"):
        new["info"]["version"] = version
        (problem,) = check_release(old, new)
        assert "without a major version bump" in problem and "path removed" in problem
    new["info"]["version"] = "2.0.0"
    assert check_release(old, new) == []


def test_the_version_cannot_go_back():
    old, new = small_spec("1.2.0"), small_spec("1.1.9")
    assert check_release(old, new) == ["info.version went back from 1.2.0 to 1.1.9"]


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-", "latest"])
def test_non_semver_versions_are_refused(version):
    with pytest.raises(ValueError):
        parse_semver(version)


# --------------------------------------------------------------------------------------------
# The real contract.


def test_info_version_is_semver_and_is_the_api_version():
    spec = load(ROOT / "openapi.yaml")
    parse_semver(spec["info"]["version"])
    assert spec["info"]["version"] == API_VERSION


def test_the_changelog_records_the_current_version():
    version = load(ROOT / "openapi.yaml")["info"]["version"]
    headings = re.findall(r"^## \[([^\]]+)\]", CHANGELOG.read_text(encoding="utf-8"), flags=re.M)
    assert headings, "CHANGELOG.md has no '## [x.y.z]' entries"
    assert headings[0] == version, f"the newest CHANGELOG.md entry is {headings[0]}, the spec says {version}"
    for heading in headings:
        parse_semver(heading)
    assert [parse_semver(h) for h in headings] == sorted((parse_semver(h) for h in headings), reverse=True)


def test_the_released_spec_is_a_valid_released_version():
    released = load(RELEASED)
    parse_semver(released["info"]["version"])
    headings = re.findall(r"^## \[([^\]]+)\]", CHANGELOG.read_text(encoding="utf-8"), flags=re.M)
    assert released["info"]["version"] in headings


def test_no_breaking_change_since_the_last_release_without_a_major_bump():
    problems = check_release(load(RELEASED), load(ROOT / "openapi.yaml"))
    assert problems == [], "\n".join(problems)
