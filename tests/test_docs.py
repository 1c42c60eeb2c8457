"""/docs is Swagger UI from local files; the spec is served exactly as committed."""

import json
import re

import yaml

from .conftest import ROOT


def test_docs_page_loads_only_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/docs/") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.get_data()) > 0
    assert "swagger-ui" in client.get("/docs/swagger-ui-bundle.js").get_data(as_text=True)[:5000].lower()


def test_openapi_yaml_is_served_byte_for_byte(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.get_data() == (ROOT / "openapi.yaml").read_bytes()


def test_openapi_json_is_the_same_document(client):
    served = json.loads(client.get("/openapi.json").get_data())
    assert served == yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert (
        client.get("/openapi.json", headers={"If-None-Match": client.get("/openapi.json").headers["ETag"]}).status_code
        == 304
    )
