"""The README's promises: its two opening commands and what they install, a guide short enough to
read, links that resolve, and examples that are real responses (README.md and docs/examples.md)."""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES_DOC = ROOT / "docs" / "examples.md"
MAX_LINES = 250


def _examples_module():
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_opens_with_the_serve_and_test_commands():
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["make serve", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_what_the_two_commands_install_is_stated_up_front():
    """Right under the commands: every runtime dependency `make serve` installs, the test tools, the
    Node version package.json requires, and what comes from apt."""
    under = README.split("```sh\n", 1)[1].split("```", 1)[1].split("\n## ", 1)[0]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def name(requirement: str) -> str:
        return re.split(r"[=<>\[ ]", requirement, maxsplit=1)[0].lower()

    serve = next(line for line in under.splitlines() if line.startswith("- `make serve`"))
    for dependency in map(name, project["dependencies"]):
        assert dependency in serve.lower(), f"`make serve` installs {dependency}: the README does not say so"
    test = next(line for line in under.splitlines() if line.startswith("- `make test`"))
    extras = {name(r) for r in project["optional-dependencies"]["test"]}
    listed = re.search(r"\(([^)]*pytest[^)]*)\)", test)[1].split(", ")
    assert set(listed) <= extras and {"pytest", "schemathesis", "ruff", "mypy"} <= set(listed), listed
    engines = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["engines"]["node"]
    assert engines == ">=20.19.0" and "Node ≥ 20.19" in test
    for words in (
        "npm ci --ignore-scripts",
        "as root or via sudo",
        "Chromium",
        "--no-install-recommends",
        "wrk",
        "nginx",
    ):
        assert words in test, words
    for variable, default in (("HOST", "127.0.0.1"), ("PORT", "8000"), ("WORKERS", "2")):
        assert f"`{variable}` (default {default})" in serve, variable
    assert "`make help` lists every target" in under


def test_the_first_screen_shows_the_explorer():
    """Under the two commands and what they install: a screenshot of the explorer and the one line that opens it."""
    first_screen = "\n".join(README.splitlines()[:15])
    assert "`make serve`, then open http://127.0.0.1:8000/explore" in first_screen
    images = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", first_screen)
    assert images, "no screenshot on the README's first screen"
    for image in images:
        data = (ROOT / image).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, image
    for screen in ("actor", "event", "search"):  # each screen's committed copy, and where the test puts it
        assert f"](docs/screenshots/explorer-{screen}.png)" in README, screen
        assert (ROOT / "docs" / "screenshots" / f"explorer-{screen}.png").is_file(), screen
        assert f"test-artifacts/explorer-{screen}.png" in README, screen


def test_the_readme_is_a_guide_that_links_the_reference():
    assert len(README.splitlines()) <= MAX_LINES
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for doc in sorted((ROOT / "docs").glob("*.md")):
        if doc.name != "README.md":
            assert f"](docs/{doc.name})" in README, f"README.md does not link docs/{doc.name}"
            assert f"]({doc.name})" in index, f"docs/README.md does not link {doc.name}"
    assert "](docs/README.md)" in README
    for doc in ("api", "vocabularies", "examples", "clients", "operating", "benchmarks", "explorer", "pact"):
        assert (ROOT / "docs" / f"{doc}.md").is_file(), doc
    assert "](seeds/README.md)" in README  # the codebook, the coding guide
    assert "](../bench/RESULTS.md)" in (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_relative_link_resolves():
    docs = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            assert file.exists(), f"{doc.relative_to(ROOT)}: {target} does not exist"
            if anchor and file.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.M)
                assert anchor in {_slug(h) for h in headings}, f"{doc.relative_to(ROOT)}: no heading for {target}"


def test_the_examples_are_what_the_server_answers(built_db):
    examples = _examples_module()
    for text, (start, end), rendered, where in (
        (README, (examples.RESOURCES_START, examples.RESOURCES_END), examples.render_resources, "README.md"),
        (EXAMPLES_DOC.read_text(encoding="utf-8"), (examples.START, examples.END), examples.render, "docs/examples.md"),
    ):
        block = text[text.index(start) : text.index(end) + len(end)]
        assert block == rendered(built_db), (
            f"{where} examples are stale: run .venv/bin/python scripts/readme_examples.py"
        )


def test_each_resource_has_one_example():
    examples = _examples_module()
    assert [r for r, *_ in examples.RESOURCES] == ["statement", "event", "casualty", "actor", "source"]


def test_each_screen_takes_at_most_two_requests_and_each_answers(client):
    for screen, _, requests in _examples_module().SCREENS:
        assert 1 <= len(requests) <= 2, screen
        for url, _ in requests:
            assert client.get(url).status_code == 200, url
