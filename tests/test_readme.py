"""The README's promises: its two opening commands, and examples that are real responses."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def test_the_first_screen_shows_the_explorer():
    """Under the two commands: a screenshot of the explorer and the one line that opens it."""
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


def test_the_examples_are_what_the_server_answers(built_db):
    examples = _examples_module()
    start = README.index(examples.START)
    end = README.index(examples.END) + len(examples.END)
    assert README[start:end] == examples.render(built_db), (
        "README examples are stale: run .venv/bin/python scripts/readme_examples.py"
    )


def test_each_screen_takes_at_most_two_requests_and_each_answers(client):
    for screen, _, requests in _examples_module().SCREENS:
        assert 1 <= len(requests) <= 2, screen
        for url, _ in requests:
            assert client.get(url).status_code == 200, url
