"""Generated TypeScript types: openapi-typescript from openapi.yaml, the strict-mode frontend module
in clients/typescript (openapi-fetch) compiled with `tsc --strict --noEmit`, then built and run with
node against the live server: src/speakers.ts (who in Seoul said what) and src/screen.ts (facet
counts, a filter with several values, highlights). Mutants of the module that use a wrong field
name, a nullable or optional field as present, an unknown query parameter, an unknown facet or a
single value where a filter takes a list must fail the same compile."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import requests

from .conftest import ROOT, SPEC, npm_tool, pinned, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

MODULE = ROOT / "clients" / "typescript"
SPEAKERS = "src/speakers.ts"
SCREEN = "src/screen.ts"

# (name, the file, the line of it to change, its replacement, the error tsc must report)
MUTANTS = [
    (
        "wrong_field_name",
        SPEAKERS,
        "`<b>${escapeHtml(speaker.name)}</b>",
        "`<b>${escapeHtml(speaker.fullName)}</b>",
        r"error TS2339: Property 'fullName' does not exist on type",
    ),
    (
        "nullable_quote_as_string",
        SPEAKERS,
        "const words = first.quote ?? first.summary;",
        "const words: string = first.quote;",
        r"error TS2322: Type 'string \| null' is not assignable to type 'string'",
    ),
    (
        "nullable_date_dereferenced",
        SPEAKERS,
        'const when = first.date_start ?? "undated";',
        "const when = first.date_start.slice(0, 10);",
        r"error TS18047: 'first\.date_start' is possibly 'null'",
    ),
    (
        "nullable_cursor_as_non_null",
        SPEAKERS,
        "cursor = data.meta.next_cursor ?? undefined;",
        "cursor = data.meta.next_cursor;",
        r"error TS2322: Type 'string \| null' is not assignable to type 'string \| undefined'",
    ),
    (
        "unknown_query_parameter",
        SPEAKERS,
        "const query: StatementQuery = { actor, limit: 100,",
        "const query: StatementQuery = { speaker: actor, limit: 100,",
        r"error TS2353: Object literal may only specify known properties, and 'speaker' does not exist",
    ),
    (
        "unknown_facet",
        SCREEN,
        'facet: ["stance", "month"]',
        'facet: ["stance", "speeker"]',
        r"error TS2820: Type '\"speeker\"' is not assignable to type '.*\"speaker\".*'",
    ),
    (
        "one_value_for_a_list_filter",
        SCREEN,
        "const query: StatementQuery = { stance, limit: 100,",
        'const query: StatementQuery = { stance: "condemn", limit: 100,',
        r"error TS2322: Type 'string' is not assignable to type '\(.*\"condemn\".*\)\[\]'",
    ),
    (
        "absent_highlights_used",
        SCREEN,
        "const highlights = statement.highlights ?? [];",
        "const highlights = statement.highlights;",
        r"error TS18048: 'highlights' is possibly 'undefined'",
    ),
    (
        "absent_facet_used",
        SCREEN,
        "stance: data.data.stance ?? []",
        "stance: data.data.stance",
        r"error TS2322: Type '.*\[\] \| undefined' is not assignable to type",
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
    for name, file, line, replacement, _ in MUTANTS:
        source = (project / file).read_text(encoding="utf-8")
        assert source.count(line) == 1, f"{name}: {line!r} is not in {file} once"
        (project / "src" / f"mutant_{name}.ts").write_text(source.replace(line, replacement), encoding="utf-8")
    try:
        result = run([npm_tool("tsc"), "--strict", "--noEmit", "-p", project], cwd=project, check=False)
    finally:
        for name, *_ in MUTANTS:
            (project / "src" / f"mutant_{name}.ts").unlink()
    assert result.returncode != 0
    errors = [line for line in result.stdout.splitlines() if ": error TS" in line]
    for name, *_, expected in MUTANTS:
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


def test_the_screen_module_runs_with_node_against_the_live_server(project, live_server):
    """src/screen.ts: facet counts that add up to the list, several stances comma-separated on the
    wire, and matches marked where the highlights say (code-point offsets)."""
    run([npm_tool("tsc"), "-p", project], cwd=project)  # emits dist/*.js
    result = run(["node", project / "dist" / "screen_main.js", live_server.url], cwd=project, timeout=60)
    out = json.loads(result.stdout)

    def get(path, **params):
        response = requests.get(f"{live_server.url}{path}", params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    facets = get("/statements/facets", q="troops", facet="stance,month")
    listed = get("/statements", q="troops", limit=100)
    counts = out["counts"]
    assert counts == {
        "total": facets["meta"]["total"],
        "stance": facets["data"]["stance"],
        "month": facets["data"]["month"],
    }
    assert counts["total"] == listed["meta"]["total"] == len(listed["data"]) > 0
    assert sum(b["count"] for b in counts["stance"]) == sum(b["count"] for b in counts["month"]) == counts["total"]

    assert "?stance=condemn,accuse&" in out["url"], out["url"]  # style: form, explode: false
    expected = get("/statements", stance="condemn,accuse", limit=100)
    assert expected["meta"]["next_cursor"] is None
    assert out["statements"] == [[s["id"], s["stance"]] for s in expected["data"]]
    assert {stance for _, stance in out["statements"]} == {"condemn", "accuse"}

    searched = get("/statements", q="korea*", limit=5)["data"]
    assert [re.match(r'<li data-id="([^"]+)">', li)[1] for li in out["marked"]] == [s["id"] for s in searched]
    for li, statement in zip(out["marked"], searched, strict=True):
        marks = re.findall(r"<mark>(.*?)</mark>", li)
        assert len(marks) == len(statement["highlights"]) > 0, (li, statement["highlights"])
        assert all(m.lower().startswith("korea") for m in marks), marks
