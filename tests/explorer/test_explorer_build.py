"""The explorer's committed build (api/static/explorer/) is what its source builds: the types are
generated from the committed openapi.yaml, the source type-checks in strict mode against them, and
esbuild's bundle of it is byte for byte the one served (the page and stylesheet beside it are
written by hand). Like openapi.yaml's drift test: a change to
explorer/ or to the contract that was not rebuilt (`make explorer`) fails here."""

from __future__ import annotations

import gzip

import pytest

from api.explorer import ASSETS, STATIC

from ..contract.conftest import ROOT, SPEC, npm_tool, run

pytestmark = pytest.mark.tools

EXPLORER = ROOT / "explorer"
BUDGET = 300 * 1024  # what the explorer may add to the package, gzipped


def test_the_types_are_generated_from_the_committed_spec(tmp_path):
    fresh = tmp_path / "schema.d.ts"
    run([npm_tool("openapi-typescript"), SPEC, "--output", fresh])
    committed = EXPLORER / "src" / "schema.d.ts"
    assert fresh.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        "explorer/src/schema.d.ts is stale: run `make explorer`"
    )


def test_the_source_type_checks_in_strict_mode():
    result = run([npm_tool("tsc"), "-p", EXPLORER / "tsconfig.json"], check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_committed_bundle_is_what_the_source_builds(tmp_path):
    run(["node", EXPLORER / "build.mjs", "--out", tmp_path])
    assert (tmp_path / "explorer.js").read_bytes() == (STATIC / "explorer.js").read_bytes(), (
        "api/static/explorer/explorer.js is stale: run `make explorer`"
    )


def test_the_explorer_adds_less_than_300_kb_gzipped():
    files = sorted(p for p in STATIC.iterdir() if p.is_file())
    assert {p.name for p in files} == {"index.html", *ASSETS}
    total = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    assert total < BUDGET, f"{total} bytes gzipped"
