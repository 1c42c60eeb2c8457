"""openapi.yaml is generated from the code, committed, valid, and complete."""

import yaml
from openapi_spec_validator import validate

from api.spec import spec_yaml

from .conftest import ROOT

EXPECTED_OPERATIONS = {
    "listStatements",
    "getStatement",
    "listActors",
    "getActor",
    "listEvents",
    "getEvent",
    "listCasualties",
    "getCasualty",
    "listSources",
    "getSource",
    "getHealth",
    "getVocabularies",
    "listStatementFacets",
    "listEventFacets",
    "listCasualtyFacets",
    "listActorFacets",
    *(f"export{r}{f}" for r in ("Statements", "Events", "Casualties", "Actors") for f in ("Csv", "Ndjson")),
    "exportEventsGeojson",
}


def committed():
    return yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))


def test_committed_spec_matches_the_code(app):
    generated = spec_yaml(app)  # the examples come from the database the app serves (the seeds, built)
    assert generated == (ROOT / "openapi.yaml").read_text(encoding="utf-8"), (
        "openapi.yaml is out of date: run `make spec` and commit it"
    )


def test_spec_is_valid_openapi_3_1():
    spec = committed()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_operation_is_documented():
    spec = committed()
    operations = [op for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)]
    assert {op["operationId"] for op in operations} == EXPECTED_OPERATIONS
    for op in operations:
        assert op["tags"] and op["summary"] and op["description"], op["operationId"]
        for status, response in op["responses"].items():
            assert "description" in response or "$ref" in response, (op["operationId"], status)


def test_info_servers_and_problem_responses():
    spec = committed()
    info = spec["info"]
    assert info["description"] and info["contact"] and info["license"]
    assert spec["servers"]
    list_statements = spec["paths"]["/statements"]["get"]
    bad_request = list_statements["responses"]["400"]
    ref = bad_request["$ref"].split("/")[-1]
    assert "application/problem+json" in spec["components"]["responses"][ref]["content"]


def test_nullable_fields_are_type_arrays_and_enums_are_typed():
    schemas = committed()["components"]["schemas"]
    assert schemas["Statement"]["properties"]["quote"]["type"] == ["string", "null"]
    stance = schemas["Statement"]["properties"]["stance"]
    assert stance["type"] == "string" and "condemn" in stance["enum"]
    assert "troop_deployment" in schemas["Event"]["properties"]["type"]["enum"]


def test_examples_come_from_the_real_data():
    schemas = committed()["components"]["schemas"]
    (example,) = schemas["Statement"]["examples"]
    text = (ROOT / "seeds" / f"{example['source']['id']}.txt").read_text(encoding="utf-8")
    assert text[example["span"]["start"] : example["span"]["end"]] == example["quote"]


def test_facets_examples_are_real_answers_valid_against_their_schema(app, client):
    from api.spec import FACET_EXAMPLES

    schemas = committed()["components"]["schemas"]
    for name, url in FACET_EXAMPLES.items():
        (example,) = schemas[name]["examples"]
        assert example == client.get(url).get_json()
        assert set(example["data"]) <= set(schemas[f"{name}Data"]["properties"])


def test_list_responses_link_to_their_records():
    spec = committed()
    links = spec["paths"]["/statements"]["get"]["responses"]["200"]["links"]
    assert links["GetStatement"]["operationId"] == "getStatement"
