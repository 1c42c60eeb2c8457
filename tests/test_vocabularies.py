"""GET /vocabularies: every value of every vocabulary, with a label and its codebook definition."""

from __future__ import annotations

from schemas import codebook, vocab
from schemas.vocabularies import NOT_SERVED, VOCABULARIES

from .conftest import get_json

# Where the OpenAPI document lists each vocabulary as an enum: (schema, property path).
ENUMS = {
    "actor_kind": ("Actor", ["kind"]),
    "statement_kind": ("Statement", ["kind"]),
    "stance": ("Statement", ["stance"]),
    "channel": ("Via", ["channel"]),
    "event_type": ("Event", ["type"]),
    "event_status": ("Event", ["status"]),
    "event_certainty": ("Event", ["certainty"]),
    "participant_role": ("Participant", ["role"]),
    "casualty_category": ("Casualty", ["category"]),
    "casualty_qualifier": ("Casualty", ["qualifier"]),
    "date_basis": ("Statement", ["date_basis"]),
    "published_basis": ("SourceRef", ["published_basis"]),
    "attribution": ("Statement", ["attribution"]),
    "place_precision": ("Location", ["precision"]),
    "date_precision": ("Event", ["date_precision"]),
}


def test_every_value_of_every_vocabulary_is_listed_with_a_label_and_a_description(client):
    data = get_json(client, "/vocabularies")["data"]
    assert list(data) == list(VOCABULARIES)
    assert {name for name, _ in VOCABULARIES.values()} | set(NOT_SERVED) == set(codebook.VOCABULARIES)
    for prop, (name, _) in VOCABULARIES.items():
        values = data[prop]
        assert [v["value"] for v in values] == list(getattr(vocab, name)), prop
        for v in values:
            assert v["description"] and v["description"] == codebook.definition(name, v["value"]), (prop, v)
            assert v["label"] and v["label"][0].isupper() and "_" not in v["label"], (prop, v)
    assert {"value": "troop_deployment", "label": "Troop deployment"}.items() <= data["event_type"][0].items()


def test_the_names_are_the_enums_of_the_openapi_document(app, client):
    data = get_json(client, "/vocabularies")["data"]
    with app.app_context():
        spec = app.extensions["anchored_news_api"].spec.to_dict()
    schemas = spec["components"]["schemas"]
    assert set(ENUMS) == set(data)
    for prop, (schema, path) in ENUMS.items():
        node = schemas[schema]
        for key in path:
            node = node["properties"][key]
        enum = node.get("enum") or next(s["enum"] for s in node.get("anyOf", node.get("oneOf", [])) if "enum" in s)
        assert [v["value"] for v in data[prop]] == [e for e in enum if e is not None], prop
        if prop != "channel":  # Via.channel is nullable; its enum lists no definitions
            assert all(v["description"] in node["description"] for v in data[prop]), prop  # the same definitions
    operation = spec["paths"]["/vocabularies"]["get"]
    assert operation["operationId"] == "getVocabularies"
    document = schemas["VocabulariesDocument"]["properties"]["data"]
    assert document["$ref"].endswith("/Vocabularies") or "allOf" in document
    assert set(schemas["Vocabularies"]["required"]) == set(VOCABULARIES)


def test_cached_like_the_data_routes(client):
    first = client.get("/vocabularies")
    assert first.headers["Cache-Control"].startswith("public") and first.headers["ETag"]
    again = client.get("/vocabularies", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    zipped = client.get("/vocabularies", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"


def test_unknown_parameters_are_refused(client):
    response = client.get("/vocabularies?lang=en")
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["name"] == "lang"
