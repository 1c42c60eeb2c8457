"""Generated TypeScript types: openapi-typescript from openapi.yaml, the strict-mode frontend module
in clients/typescript (openapi-fetch) compiled with `tsc --strict --noEmit`, then built and run with
node against the live server. Mutants of the module that use a wrong field name, a nullable field as
non-null, or an unknown query parameter must fail the same compile."""

from __future__ import annotations

import re
import shutil

import pytest
import requests

from .conftest import ROOT, SPEC, npm_tool, pinned, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

MODULE = ROOT / "clients" / "typescript"
SPEAKERS = "src/speakers.ts"

# (name, the line of src/speakers.ts to change, its replacement, the error tsc must report)
MUTANTS = [
    (
        "wrong_field_name",
        "`<b>${escapeHtml(speaker.name)}</b>",
        "`<b>${escapeHtml(speaker.fullName)}</b>",
        r"error TS2339: Property 'fullName' does not exist on type",
    ),
    (
        "nullable_quote_as_string",
        "const words = first.quote ?? first.summary;",
        "const words: string = first.quote;",
        r"error TS2322: Type 'string \| null' is not assignable to type 'string'",
    ),
    (
        "nullable_date_dereferenced",
        'const when = first.date_start ?? "undated";',
        "const when = first.date_start.slice(0, 10);",
        r"error TS18047: 'first\.date_start' is possibly 'null'",
    ),
    (
        "nullable_cursor_as_non_null",
        "cursor = data.meta.next_cursor ?? undefined;",
        "cursor = data.meta.next_cursor;",
        r"error TS2322: Type 'string \| null' is not assignable to type 'string \| undefined'",
    ),
    (
        "unknown_query_parameter",
        "const query: StatementQuery = { actor, limit: 100,",
        "const query: StatementQuery = { speaker: actor, limit: 100,",
        r"error TS2353: Object literal may only specify known properties, and 'speaker' does not exist",
    ),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """clients/typescript copied to a temporary folder, with src/schema.d.ts generated afresh."""
    root = tmp_path_factory.mktemp("ts")
    shutil.copytree(MODULE, root / "typescript", ignore=shutil.ignore_patterns("schema.d.ts", "dist", "node_modules"))
    project = root / "typescript"
    (project / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    generated = run([npm_tool("openapi-typescript"), SPEC, "--output", project / "src" / "schema.d.ts"])
    assert "openapi-typescript " + pinned("openapi-typescript") in generated.stdout + generated.stderr
    return project


def test_types_are_generated_from_the_spec(project):
    schema = (project / "src" / "schema.d.ts").read_text(encoding="utf-8")
    assert '"/statements": {' in schema and "listStatements: {" in schema
    assert re.search(r"quote: string \| null;", schema)
    assert '"direct_quote" | "partial_quote" | "paraphrase"' in schema


def test_the_module_compiles_in_strict_mode(project):
    assert run([npm_tool("tsc"), "--version"]).stdout.strip() == f"Version {pinned('typescript')}"
    result = run([npm_tool("tsc"), "--strict", "--noEmit", "-p", project], cwd=project)
    assert result.stdout == ""


def test_wrong_fields_and_nullables_fail_the_compile(project, tmp_path):
    source = (project / SPEAKERS).read_text(encoding="utf-8")
    for name, line, replacement, _ in MUTANTS:
        assert source.count(line) == 1, f"{name}: {line!r} is not in {SPEAKERS} once"
        (project / "src" / f"mutant_{name}.ts").write_text(source.replace(line, replacement), encoding="utf-8")
    try:
        result = run([npm_tool("tsc"), "--strict", "--noEmit", "-p", project], cwd=project, check=False)
    finally:
        for name, *_ in MUTANTS:
            (project / "src" / f"mutant_{name}.ts").unlink()
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if ": error TS" in line]
    for name, _, _, expected in MUTANTS:
        mine = [e for e in errors if e.startswith(f"src/mutant_{name}.ts(")]
        assert mine, f"{name}: the compile did not fail on it\n{result.stdout}"
        assert any(re.search(expected, e) for e in mine), (name, mine)
    assert all(e.startswith("src/mutant_") for e in errors), errors  # the real module stays clean


def test_the_module_runs_with_node_against_the_live_server(project, live_server):
    run([npm_tool("tsc"), "-p", project], cwd=project)  # emits dist/*.js
    result = run(["node", project / "dist" / "main.js", live_server.url], cwd=project, timeout=60)
    html = result.stdout
    assert html.startswith('<ul class="speakers">') and html.rstrip().endswith("</ul>")
    items = re.findall(r'<li data-actor="([^"]+)" data-kind="([^"]+)"><b>([^<]+)</b> \((\d+)\): “', html)
    expected = requests.get(f"{live_server.url}/statements", params={"actor": "Seoul", "limit": 100}, timeout=10).json()
    speakers = {}
    for statement in expected["data"]:
        for speaker in statement["speakers"]:
            speakers.setdefault(speaker["actor"]["id"], [speaker["actor"], 0])[1] += 1
    assert [(i, k, n, int(c)) for i, k, n, c in items] == [
        (s["id"], s["kind"], s["name"].replace("'", "&#39;"), count) for s, count in speakers.values()
    ]
    assert "South Korea" in {name for _, _, name, _ in items}
