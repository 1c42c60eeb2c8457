"""docs/clients.md runs as written: each of its command blocks, taken from the doc, in a clean shell
(`env -i`: HOME a new folder, PATH without .venv/bin) from the repository root, against a live
server (only the base URL http://127.0.0.1:8000 is replaced with the live server's). The Python
example that follows the commands runs too, with the interpreter they print."""

from __future__ import annotations

import pytest

from ..doc_blocks import ROOT, blocks, clean_env, run_script, with_base_url

# Runs external tool chains (pip, npm, the generators) against a live server.
pytestmark = [pytest.mark.tools, pytest.mark.live]

DOC = "docs/clients.md"
HERE = "tests/contract/test_client_docs.py"


def _script(test: str) -> str:
    found = blocks(DOC, run_by=f"{HERE}::{test}")
    assert len(found) == 1, f"{DOC} has {len(found)} blocks run by {test}"
    return found[0].text


def _python_example() -> str:
    found = blocks(DOC, languages=("python",))
    assert len(found) == 1, f"{DOC} has {len(found)} python blocks"
    return found[0].text


def test_the_python_commands_run_as_written(live_server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, TMPDIR=str(tmp_path))
    result = run_script(with_base_url(_script("test_the_python_commands_run_as_written"), live_server.url), env=env)
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    python = result.stdout.strip().splitlines()[-1]  # the block ends by printing the client's interpreter
    assert python.startswith(str(tmp_path)) and python.endswith("/venv/bin/python"), python
    example = tmp_path / "example.py"
    example.write_text(with_base_url(_python_example(), live_server.url), encoding="utf-8")
    # the example, run in the same clean shell, from the repository root as the doc says
    ran = run_script(f'"{python}" "{example}"', env=env, cwd=ROOT)
    lines = ran.stdout.splitlines()
    assert len(lines) == 5 and any(line.startswith("South Korean Foreign Ministry True ") for line in lines), lines


def test_the_typescript_commands_run_as_written(live_server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, TMPDIR=str(tmp_path))
    script = _script("test_the_typescript_commands_run_as_written")
    assert "npm ci --ignore-scripts" in script
    result = run_script(with_base_url(script, live_server.url), env=env)
    out = result.stdout
    assert '<ul class="speakers">' in out and "<b>South Korea</b>" in out, out
    assert '"counts"' in out and "?stance=condemn,accuse&" in out, out
