"""Regenerate the "Examples" block of README.md from real responses of the app.

    .venv/bin/python scripts/readme_examples.py [--database data/corpus.db]

The block between ``<!-- EXAMPLES -->`` and ``<!-- /EXAMPLES -->`` is replaced; tests/test_readme.py
fails when the committed README no longer matches what the server answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START, END = "<!-- EXAMPLES -->", "<!-- /EXAMPLES -->"

# (what it shows, the request)
EXAMPLES = [
    (
        "A metonym resolves to the actor, with its ministries and envoys; `meta.resolved` says so",
        "/statements?actor=Seoul&limit=1",
    ),
    (
        "An event says how sure the source is and who asserts it, and where it is: `location=` takes any spelling",
        "/events?location=Sudzha",
    ),
    (
        "Casualty figures are claims, with who claimed them and what they are part of",
        "/casualties?claimed_by=NIS&category=killed",
    ),
    ("A misspelt parameter is a 400 naming it, never a silent full list", "/statements?actr=Seoul"),
    ("An unknown id is a 404", "/events/no-such-event"),
]


def render(database: Path) -> str:
    from api import create_app

    client = create_app({"DATABASE": str(database), "TESTING": True}).test_client()
    parts = [START, "", "## Examples", ""]
    for title, url in EXAMPLES:
        response = client.get(url)
        body = json.dumps(response.get_json(), indent=2, ensure_ascii=False)
        parts += [
            f"{title}:",
            "",
            "```http",
            f"GET {url}",
            "",
            f"HTTP/1.1 {response.status}",
            f"Content-Type: {response.headers['Content-Type']}",
            "",
            body,
            "```",
            "",
        ]
    parts.append(END)
    return "\n".join(parts)


def replace_block(readme: str, block: str) -> str:
    start = readme.index(START)
    end = readme.index(END, start) + len(END) if END in readme else start + len(START)
    return readme[:start] + block + readme[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=ROOT / "data" / "corpus.db")
    args = parser.parse_args()
    readme = ROOT / "README.md"
    readme.write_text(replace_block(readme.read_text(encoding="utf-8"), render(args.database)), encoding="utf-8")
    print(f"updated {readme}")


if __name__ == "__main__":
    main()
