"""schemathesis 4 against the live gunicorn server, reading the spec the server serves.

All four phases (examples, coverage, fuzzing, stateful), every check (`--checks all`), positive and
negative data, a fixed seed and 200 examples per operation (tests/contract/schemathesis.toml).
The run must report zero failures; its NDJSON event log is then read to prove it did what it
claims: every operation fuzzed with at least 200 cases (one for an operation that takes no input),
every check run, and every OpenAPI link from a list to its get-by-id operation walked with an id
taken from a real response.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import Counter, defaultdict

import pytest
import yaml

from .conftest import ROOT, SPEC, VENV_BIN, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

CONFIG = ROOT / "tests" / "contract" / "schemathesis.toml"
MIN_EXAMPLES = 200
ALL_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
}


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schemathesis_run(live_server, artifacts, tmp_path_factory):
    report_dir = tmp_path_factory.mktemp("schemathesis")
    result = run(
        [
            VENV_BIN / "schemathesis",
            "--config-file",
            CONFIG,
            "run",
            f"{live_server.url}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--report",
            "ndjson,junit",
            "--report-dir",
            report_dir,
            "--no-color",
        ],
        check=False,
        timeout=900,
    )
    kept = artifacts / "schemathesis"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(report_dir, kept)
    (kept / "output.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    (ndjson,) = report_dir.glob("*.ndjson")
    events = [json.loads(line) for line in ndjson.read_text(encoding="utf-8").splitlines()]
    return result, events


def scenarios(events):
    return [e["ScenarioFinished"] for e in events if "ScenarioFinished" in e]


def test_the_configuration_keeps_every_check_and_the_issue_settings():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["generation"] == {"mode": "all", "max-examples": MIN_EXAMPLES, "database": "none"}
    assert config["cache"] == {"enabled": False}
    assert isinstance(config["seed"], int)
    assert config["checks"] == {
        "enabled": True,
        # the defaults plus 414: a rejection that comes before parameter parsing
        "negative_data_rejection": {
            "expected-statuses": [
                "400",
                "401",
                "403",
                "404",
                "405",
                "406",
                "409",
                "414",
                "415",
                "422",
                "428",
                "429",
                "5xx",
            ]
        },
    }
    from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

    expected = config["checks"]["negative_data_rejection"]["expected-statuses"]
    assert set(expected) - set(NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES) == {"414"}
    assert set(NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES) <= set(expected)


def test_schemathesis_finds_no_failure(schemathesis_run):
    result, events = schemathesis_run
    assert result.returncode == 0, result.stdout[-8000:]
    assert "No issues found" in result.stdout
    (init,) = [e["Initialize"] for e in events if "Initialize" in e]
    assert init["schemathesis_version"] == "4.32.5"
    assert init["seed"] == tomllib.loads(CONFIG.read_text(encoding="utf-8"))["seed"]
    (finished,) = [e["EngineFinished"] for e in events if "EngineFinished" in e]
    assert finished["stop_reason"] == "completed"
    statuses = Counter((s["phase"], s["status"]) for s in scenarios(events))
    assert not [key for key in statuses if key[1] not in ("success", "skip")], statuses
    for phase in ("coverage", "fuzzing", "stateful"):
        assert statuses[(phase, "success")] > 0, (phase, statuses)


def test_every_operation_is_fuzzed_with_200_examples_and_every_check(schemathesis_run, spec):
    _, events = schemathesis_run
    cases = defaultdict(Counter)
    checks = Counter()
    for scenario in scenarios(events):
        recorder = scenario["recorder"]
        for case in recorder.get("cases", {}).values():
            value = case["value"]
            cases[f"{value['method']} {value['path']}"][(scenario["phase"], value["meta"]["generation"]["mode"])] += 1
        for results in recorder.get("checks", {}).values():
            for check in results:
                assert check["status"] == "success", check
                checks[check["name"]] += 1
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            fuzzed = cases[label][("fuzzing", "positive")] + cases[label][("fuzzing", "negative")]
            if parameters:
                assert fuzzed >= MIN_EXAMPLES, (label, cases[label])
                assert cases[label][("coverage", "negative")] > 0, (label, cases[label])
            else:
                assert fuzzed >= 1, (label, cases[label])  # no input: one case is every case
            if any(p["in"] == "query" for p in parameters):
                assert cases[label][("fuzzing", "negative")] > 0 and cases[label][("fuzzing", "positive")] > 0
    missing = ALL_CHECKS - set(checks)
    assert not missing, f"checks that never ran: {missing}"


def test_the_stateful_phase_walks_every_link_from_a_list_to_its_records(schemathesis_run, spec):
    _, events = schemathesis_run
    links = {}
    for path, item in spec["paths"].items():
        for link_name, link in item["get"]["responses"]["200"].get("links", {}).items():
            links[f"GET {path} -> [200] {link_name}"] = link
    assert len(links) == 5
    walked = Counter()
    for scenario in scenarios(events):
        if scenario["phase"] != "stateful":
            continue
        recorder = scenario["recorder"]
        for case_id, case in recorder.get("cases", {}).items():
            transition = case.get("transition")
            if not transition or transition["is_inferred"] or not case["is_transition_applied"]:
                continue
            values = [p["value"] for params in transition["parameters"].values() for p in params.values()]
            assert values and all(isinstance(v, str) for v in values), transition  # from $response.body
            assert list(case["value"]["path_parameters"].values()) == values, (case, transition)
            response = (recorder["interactions"].get(case_id) or {}).get("response") or {}
            if response.get("status_code") == 200:
                body = json.loads(_content(response))
                assert [body["id"]] == values, (transition["id"], body["id"], values)
                walked[transition["id"].rsplit(" -> ", 1)[0]] += 1
    assert set(walked) == set(links), (walked, list(links))


def _content(response) -> str:
    content = response["content"]
    if isinstance(content, dict) and "$base64" in content:
        import base64
        import gzip

        raw = base64.b64decode(content["$base64"])
        return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")
    return content
