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

# Three screens a frontend builds, each from two requests: (screen, what it shows, [(request, the
# fields of each record the screen uses, or None for the whole body)]. Records are trimmed to those
# fields and lists to their first rows, so the README shows what matters; the rest is in the docs.
TIMELINE_FIELDS = ["id", "speakers", "stance", "quote", "summary", "date_start", "excerpt", "excerpt_span", "source"]
SCREENS = [
    (
        "Actor page",
        "the actor's header (with the count of statements by it and its affiliates, which the list's "
        "`meta.total` repeats), then its timeline: each row says where its quote sits inside `excerpt` "
        "(`excerpt_span`), so it is highlighted without fetching the source",
        [
            ("/actors/south-korea", ["id", "name", "kind", "aliases", "affiliates", "statement_count_with_affiliates"]),
            ("/statements?actor=Seoul&limit=2", TIMELINE_FIELDS),
        ],
    ),
    (
        "Event page",
        "the event with its participants, certainty, place with coordinates and related events (each "
        "with its dates and place), then the reactions to it, with the speakers' full records included",
        [
            (
                "/events/north-korean-troops-fight-in-kursk",
                ["id", "title", "certainty", "asserted_by", "participants", "location", "date_start", "related"],
            ),
            (
                "/statements?event=cmc-confirms-deployment&include=actors&limit=2",
                ["id", "speakers", "stance", "summary"],
            ),
        ],
    ),
    (
        "Search page",
        "matches with their highlights, then a count beside every stance, speaker and month (each facet "
        "leaves out its own filter, so the other stances stay selectable)",
        [
            ("/statements?q=troop*&stance=condemn,defend&limit=2", ["id", "stance", "quote", "summary", "highlights"]),
            ("/statements/facets?q=troop*&stance=condemn,defend&facet=stance,speaker,month&facet_size=3", None),
        ],
    ),
]
SHOWN_ROWS = 1  # rows of a list, records of each kind under `included`, and records a resolution covers, shown

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


def trimmed(body, fields):
    """The body with each record cut to ``fields`` and lists to their first rows."""
    if fields is None:
        return body

    def cut(record):
        return {k: v for k, v in record.items() if k in fields}

    if isinstance(body.get("meta"), dict) and body["meta"].get("resolved"):
        resolved = [{**r, "covers": r["covers"][:SHOWN_ROWS]} for r in body["meta"]["resolved"]]
        body = {**body, "meta": {**body["meta"], "resolved": resolved}}
    if isinstance(body.get("data"), list):
        body = {**body, "data": [cut(r) for r in body["data"][:SHOWN_ROWS]]}
        if "included" in body:
            body["included"] = {
                kind: [
                    {k: r[k] for k in ("id", "name", "kind", "country", "title") if k in r} for r in rows[:SHOWN_ROWS]
                ]
                for kind, rows in body["included"].items()
            }
        return body
    return cut(body)


def exchange(client, url: str, fields=None) -> list[str]:
    response = client.get(url)
    body = json.dumps(trimmed(response.get_json(), fields), indent=2, ensure_ascii=False)
    return [
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


def render(database: Path) -> str:
    from api import create_app

    client = create_app({"DATABASE": str(database), "TESTING": True}).test_client()
    parts = [START, "", "## Three screens, two requests each", ""]
    for screen, shows, requests in SCREENS:
        parts += [f"### {screen}", "", f"Shows {shows} (records trimmed to the fields the screen uses):", ""]
        for url, fields in requests:
            parts += exchange(client, url, fields)
    parts += ["## Examples", ""]
    for title, url in EXAMPLES:
        parts += [f"{title}:", "", *exchange(client, url)]
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
