"""openapi.yaml through the linters our users run: openapi-spec-validator, Spectral (spectral:oas,
-F warn) and Redocly CLI 2 (recommended): valid, zero errors, zero warnings. Each linter is also
shown a broken copy, to prove that the way it is run here does find problems."""

from __future__ import annotations

import json

import pytest
import yaml

from .conftest import SPEC, VENV_BIN, npm_tool, pinned, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

SPECTRAL_RULESET = SPEC.parent / "tests" / "contract" / "spectral.yaml"
REDOCLY_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


@pytest.fixture()
def broken_spec(tmp_path):
    """openapi.yaml with three faults every linter flags: an operation without a description or
    summary, a duplicated operationId, and a $ref to nothing."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    operation = spec["paths"]["/actors"]["get"]
    del operation["description"], operation["summary"]
    spec["paths"]["/events"]["get"]["operationId"] = operation["operationId"]
    spec["paths"]["/sources/{source_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/NoSuchSchema"
    }
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def spectral(path, check=True):
    return run(
        [npm_tool("spectral"), "lint", "-F", "warn", "-f", "json", "--quiet", "--ruleset", SPECTRAL_RULESET, path],
        check=check,
    )


def redocly(path, check=True):
    return run(
        [npm_tool("redocly"), "lint", "--extends", "recommended", "--format", "json", path],
        env=REDOCLY_ENV,
        check=check,
    )


def test_openapi_spec_validator_finds_it_valid(broken_spec):
    result = run([VENV_BIN / "openapi-spec-validator", SPEC])
    assert result.stdout.strip() == f"{SPEC}: OK"
    broken = run([VENV_BIN / "openapi-spec-validator", broken_spec], check=False)
    assert broken.returncode != 0 and "Operation ID 'listActors'" in broken.stdout and "not unique" in broken.stdout


def test_spectral_oas_ruleset_has_no_errors_or_warnings(broken_spec):
    assert run([npm_tool("spectral"), "--version"]).stdout.strip() == pinned("@stoplight/spectral-cli")
    assert SPECTRAL_RULESET.read_text(encoding="utf-8").count('extends: ["spectral:oas"]') == 1
    result = spectral(SPEC)
    assert json.loads(result.stdout) == []
    broken = spectral(broken_spec, check=False)
    codes = {problem["code"] for problem in json.loads(broken.stdout)}
    assert broken.returncode != 0
    assert {"operation-description", "operation-operationId-unique"} <= codes, codes


def test_redocly_lint_has_no_errors_or_warnings(broken_spec):
    assert run([npm_tool("redocly"), "--version"], env=REDOCLY_ENV).stdout.strip() == pinned("@redocly/cli")
    report = json.loads(redocly(SPEC).stdout)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["problems"]
    broken = redocly(broken_spec, check=False)
    problems = json.loads(broken.stdout)
    assert broken.returncode != 0 and problems["totals"]["errors"] >= 2
    assert {"operation-operationId-unique", "no-unresolved-refs"} <= {p["ruleId"] for p in problems["problems"]}
