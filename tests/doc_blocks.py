"""The command blocks of README.md and docs/*.md, and who runs them.

Every fenced block of shell commands (```sh, ```bash, ```console, ```shell) is preceded by a comment
naming the test that runs it:

    <!-- run-by: tests/contract/test_client_docs.py::test_the_python_commands_run_as_written -->
    ```sh
    ...
    ```

The target is a test file, a test in it (``file::function``), or a folder of tests. A test that runs
blocks asks for its own (``blocks("docs/clients.md", run_by=...)``), so editing the doc changes what
it runs; tests/test_doc_commands.py checks that every block has a target, that the target exists, and
that it reads the doc the block is in. Commands are run as written, except that a test may replace the
base URL ``http://127.0.0.1:8000`` (where `make serve` listens) with its live server's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHELL_LANGUAGES = ("sh", "bash", "console", "shell")
BASE_URL = "http://127.0.0.1:8000"
RUN_BY = re.compile(r"^<!-- run-by: (\S+) -->$")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")


@dataclass(frozen=True)
class Block:
    doc: str  # its file, relative to the repository: README.md, docs/clients.md
    line: int  # of the opening fence, counting from 1
    language: str
    text: str  # the block's lines, dedented to its fence, each ending in a newline
    run_by: str | None

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def documents() -> list[str]:
    return ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]


def blocks(doc: str | None = None, *, run_by: str | None = None, languages=SHELL_LANGUAGES) -> list[Block]:
    """The command blocks of ``doc`` (every document when None), those ``run_by`` names if given."""
    found = []
    for name in [doc] if doc else documents():
        lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            indent, language = m[1], m[2]
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            if language in languages:
                previous = lines[i - 1].strip() if i else ""
                tag = RUN_BY.match(previous)
                body = "".join(line.removeprefix(indent) + "\n" for line in lines[i + 1 : end])
                found.append(Block(name, i + 1, language, body, tag[1] if tag else None))
            i = end + 1
    return [b for b in found if run_by is None or b.run_by == run_by]


def commands(block: Block) -> list[str]:
    """Its commands: lines joined across trailing backslashes, comments and blank lines left out."""
    joined = re.sub(r"\\\n\s*", " ", block.text)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A shell as a new user has it (``env -i``): HOME a fresh folder, the system PATH plus node's
    folder, and nothing of this project's environment (no .venv on PATH, no VIRTUAL_ENV)."""
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    node = shutil.which("node")
    if node and str(Path(node).parent) not in path:
        path.append(str(Path(node).parent))
    assert all(".venv" not in p for p in path)
    return {"HOME": str(home), "PATH": ":".join(path), "LANG": "C.UTF-8", **extra}


def run_script(
    script: str, *, env: dict[str, str], cwd: Path = ROOT, timeout: float = 900
) -> subprocess.CompletedProcess:
    """``script`` under ``env -i`` with bash, stopping at the first command that fails."""
    result = subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"exited {result.returncode}\n--- script:\n{script}\n--- stdout:\n{result.stdout[-6000:]}\n"
        f"--- stderr:\n{result.stderr[-6000:]}"
    )
    return result


def with_base_url(text: str, url: str) -> str:
    return text.replace(BASE_URL, url)
