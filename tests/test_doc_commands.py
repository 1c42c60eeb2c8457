"""Every command in README.md and docs/*.md runs as written, and a test proves it.

Each command block names the test that runs it (``<!-- run-by: ... -->`` just above it; see
tests/doc_blocks.py). The first test checks that mechanism for every block: the named test exists
and reads the document the block is in. The others here run the blocks named after them, taken from
the documents, in a clean shell (``env -i``, HOME a new folder, PATH without .venv/bin) from the
repository root; against a live server where the block talks to one, with only the base URL
http://127.0.0.1:8000 replaced by the live server's.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest

from .doc_blocks import ROOT, Block, blocks, clean_env, commands, documents, run_script, with_base_url

HERE = "tests/test_doc_commands.py"


def _examples_module():
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mine(test: str) -> list[Block]:
    found = blocks(run_by=f"{HERE}::{test}")
    assert found, f"no block of {', '.join(documents())} is run by {test}"
    return found


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test")}


@pytest.mark.parametrize("block", blocks(), ids=lambda b: b.id)
def test_every_command_block_names_a_test_that_runs_it(block):
    assert block.run_by, f"{block.id}: a ```{block.language} block without <!-- run-by: tests/... --> above it"
    target, _, function = block.run_by.partition("::")
    path = ROOT / target
    assert target.startswith("tests/") and path.exists(), f"{block.id}: {target} does not exist"
    files = sorted(path.rglob("test*.py")) if path.is_dir() else [path]
    assert files, f"{block.id}: {target} holds no test file"
    if function:
        assert path.is_file() and function in _test_functions(path), f"{block.id}: no test {function} in {target}"
    # the test reads this document (it names it, or takes its blocks from every document through
    # tests/doc_blocks.py), so editing the block changes what the test runs
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert any(block.doc in t or "blocks(run_by=" in t for t in texts), f"{block.id}: {target} never reads {block.doc}"
    assert commands(block), f"{block.id}: an empty block"


def test_every_make_target_the_docs_name_exists():
    """Commands in running text (`make spec`, `HOST=... make serve`) name targets that exist."""
    makefiles = [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]
    targets = {m[1] for f in makefiles for m in re.finditer(r"^([a-z][\w-]*):", f.read_text(), re.M)}
    named = {}
    for doc in [*documents(), "CONTRIBUTING.md"]:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for code in re.findall(r"`([^`\n]+)`", text) + [line for b in blocks(doc) for line in commands(b)]:
            for m in re.finditer(r"(?:^|[\s;&|(])make((?: +[\w.=/,'-]+)+)", code):
                for word in shlex.split(m[1].split("#")[0]):
                    if "=" in word:
                        continue
                    if not re.fullmatch(r"[a-z][\w-]*", word):
                        break
                    named.setdefault(word, doc)
    assert named, "no make command found"
    missing = {t: doc for t, doc in named.items() if t not in targets}
    assert not missing, f"make targets the docs name that do not exist: {missing}"


@pytest.mark.live
def test_the_curl_examples_answer(live_server, tmp_path):
    """README's curl commands, run as written: each answers the response the README shows."""
    examples = _examples_module()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shapes = {url: shape for _, url, shape in examples.RESOURCES}
    ran = 0
    for block in _mine("test_the_curl_examples_answer"):
        for command in commands(block):
            url = re.search(r"http://127\.0\.0\.1:8000(/[^'\s]*)", command)[1]
            result = run_script(with_base_url(command, live_server.url), env=clean_env(tmp_path))
            body = json.loads(result.stdout)
            assert url in shapes, f"{command}: its response is not shown in README.md"
            assert examples.compact(examples.shaped(body, shapes[url])) in readme, command
            ran += 1
    assert ran == len(examples.RESOURCES)


@pytest.mark.tools
def test_the_build_commands_run(tmp_path):
    """`make check`, `make db` (and the like): as written, from a clean shell."""
    for block in _mine("test_the_build_commands_run"):
        result = run_script(block.text, env=clean_env(tmp_path))
        assert "Traceback" not in result.stdout + result.stderr, block.id


@pytest.mark.tools
@pytest.mark.live
def test_the_pact_commands_run(live_server, tmp_path):
    """docs/pact.md's commands: regenerate the pact, verify it, replay it against a running server."""
    outputs = []
    for block in _mine("test_the_pact_commands_run"):
        result = run_script(with_base_url(block.text, live_server.url), env=clean_env(tmp_path), timeout=900)
        outputs.append(result.stdout + result.stderr)
    assert any("pact written:" in out for out in outputs), outputs
    assert sum(" passed" in out for out in outputs) >= 2, outputs  # both pytest runs
    assert any("has a matching body" in out for out in outputs), outputs  # the verifier's report
