"""The Python SDK our users generate: `openapi-python-client generate --fail-on-warning` from
openapi.yaml into a temporary folder, installed into a throwaway virtualenv, and used against the
live gunicorn server to call every operation (sdk_python_exercise.py)."""

from __future__ import annotations

import json
import os
import shlex
import sys
import venv

import pytest
import yaml

from ..doc_blocks import blocks, commands
from .conftest import ROOT, SPEC, VENV_BIN, run

# Runs external tool chains: not in `make test-fast` (tests using live_server are marked `live` too).
pytestmark = pytest.mark.tools

EXERCISE = ROOT / "tests" / "contract" / "sdk_python_exercise.py"
# How the SDK is generated (docs/clients.md): NDJSON exports read as bytes.
CONFIG = ROOT / "clients" / "python" / "config.yaml"


def documented_options() -> list[str]:
    """The options of docs/clients.md's `openapi-python-client generate`, but where it reads and writes:
    the SDK tested here is generated as the doc tells users to generate theirs."""
    (command,) = [c for b in blocks("docs/clients.md") for c in commands(b) if "openapi-python-client generate" in c]
    words = shlex.split(command.split("#")[0])
    options = words[words.index("generate") + 1 :]
    for option in ("--path", "--output-path"):
        del options[options.index(option) : options.index(option) + 2]
    return [str(ROOT / o) if (ROOT / o).is_file() else o for o in options]


# The generated package's runtime dependencies, pinned to what this project's own venv runs.
CONSTRAINTS = "httpx==0.28.1\nattrs==26.1.0\n"


def test_generated_python_sdk_calls_every_operation(live_server, tmp_path):
    assert documented_options() == ["--fail-on-warning", "--config", str(CONFIG)]
    output = tmp_path / "client"
    generated = run(
        [
            VENV_BIN / "openapi-python-client",
            "generate",
            "--path",
            SPEC,
            "--output-path",
            output,
            *documented_options(),
        ],
        # its post-generation hooks run ruff, which is in this project's venv
        env={"PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        cwd=tmp_path,
    )
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout + generated.stderr
    package = output / "anchored_news_api_client"
    assert (package / "api" / "statements" / "list_statements.py").exists()

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    (tmp_path / "constraints.txt").write_text(CONSTRAINTS, encoding="utf-8")
    run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            tmp_path / "constraints.txt",
            output,
        ],
        timeout=600,
    )
    # The throwaway environment is isolated: it has the SDK, and not this project.
    probe = run(
        [
            python,
            "-c",
            "import importlib.util as u; print(u.find_spec('api'), u.find_spec('anchored_news_api_client') is not None)",
        ],
        cwd=tmp_path,
    )
    assert probe.stdout.split() == ["None", "True"]

    result = run([python, EXERCISE, live_server.url], cwd=tmp_path, timeout=120)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    operation_ids = {
        op["operationId"] for item in spec["paths"].values() for method, op in item.items() if method != "parameters"
    }
    assert set(summary["operations"]) == operation_ids
    assert any("listStatements(actor='Seoul')" in line for line in summary["checked"])
    assert any("by next_cursor: [" in line for line in summary["checked"])
    for new_in_3 in (
        "listStatementFacets(q='troops')",
        "stance=[condemn, accuse]",
        "exports:",
        "include:",
        "excerpt_span:",
    ):
        assert any(new_in_3 in line for line in summary["checked"]), new_in_3
    print(json.dumps(summary, indent=2), file=sys.stderr)
