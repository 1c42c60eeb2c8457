"""Shared by the contract tests: the pinned tools (installed by `make test`: .venv and `npm ci`) and
where artifacts go. The live gunicorn server is tests/conftest.py's ``live_server``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT

SPEC = ROOT / "openapi.yaml"
NODE_BIN = ROOT / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
PACKAGE_JSON = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


def npm_tool(name: str) -> Path:
    """A tool from node_modules; `make test` installs them (`npm ci`) before pytest runs."""
    path = NODE_BIN / name
    assert path.exists(), f"{path} is missing: run `make contract-deps` (npm ci) first"
    return path


def pinned(package: str) -> str:
    return PACKAGE_JSON["devDependencies"][package]


def run(cmd, *, timeout=600, env=None, cwd=ROOT, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout[-6000:]}\nstderr:\n{result.stderr[-6000:]}"
        )
    return result


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
