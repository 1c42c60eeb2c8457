"""Regenerate the example responses of README.md and docs/examples.md from real responses of the app.

    .venv/bin/python scripts/readme_examples.py [--database data/corpus.db]

Two blocks are replaced: in README.md, one short example per resource (between ``<!-- RESOURCES -->``
and ``<!-- /RESOURCES -->``); in docs/examples.md, the three screens and the longer examples (between
``<!-- EXAMPLES -->`` and ``<!-- /EXAMPLES -->``). tests/test_readme.py fails when either no longer
matches what the server answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

README = ROOT / "README.md"
EXAMPLES_DOC = ROOT / "docs" / "examples.md"
START, END = "<!-- EXAMPLES -->", "<!-- /EXAMPLES -->"  # in docs/examples.md
RESOURCES_START, RESOURCES_END = "<!-- RESOURCES -->", "<!-- /RESOURCES -->"  # in README.md

# Three screens a frontend builds, each from two requests: (screen, what it shows, [(request, the
# fields of each record the screen uses, or None for the whole body)]. Records are trimmed to those
# fields and lists to their first rows, so docs/examples.md shows what matters; the rest is in the spec.
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


# README.md: one request per resource, (resource, request, the shape shown). A shape keeps, of a
# dict, the keys it names (True: the whole value), and of a list, the first item shaped by its one element.
RESOURCES = [
    (
        "statement",
        "/statements?actor=Seoul&stance=condemn&limit=1",
        {
            "data": [{"id": True, "speakers": [{"actor": {"name": True}}], "stance": True, "quote": True}],
            "meta": {"total": True, "next_cursor": True},
        },
    ),
    (
        "event",
        "/events?location=Sudzha",
        {
            "data": [{"id": True, "type": True, "certainty": True, "asserted_by": [{"name": True}], "plover": True}],
            "meta": {"total": True},
        },
    ),
    (
        "casualty",
        "/casualties?claimed_by=NIS&category=killed",
        {
            "data": [
                {
                    "party": {"name": True},
                    "category": True,
                    "value": True,
                    "qualifier": True,
                    "claimed_by": {"name": True},
                    "part_of": True,
                }
            ]
        },
    ),
    (
        "actor",
        "/actors/south-korea",
        {"id": True, "name": True, "kind": True, "aliases": True, "statement_count_with_affiliates": True},
    ),
    (
        "source",
        "/sources?limit=1",
        {
            "data": [
                {"id": True, "outlet": {"name": True}, "published_start": True, "published_basis": True, "sha256": True}
            ],
            "meta": {"total": True},
        },
    ),
]


def shaped(value, shape):
    """``value`` cut to ``shape`` (see RESOURCES)."""
    if shape is True:
        return value
    if isinstance(shape, list):
        return [shaped(item, shape[0]) for item in value[:SHOWN_ROWS]]
    return {key: shaped(value[key], sub) for key, sub in shape.items() if key in value}


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


def compact(value, indent: int = 0, width: int = 100) -> str:
    """JSON indented by 2, with each object or array that fits in ``width`` columns on one line."""
    one_line = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)) or not value or indent + len(one_line) <= width:
        return one_line
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {compact(v, indent + 2, width)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + compact(v, indent + 2, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def exchange(client, url: str, fields=None, shape=None) -> list[str]:
    """A request and its response: whole or trimmed to ``fields`` (docs/examples.md), or cut to
    ``shape`` and printed compactly (README.md)."""
    response = client.get(url)
    if shape is not None:
        body = compact(shaped(response.get_json(), shape))
        return ["```http", f"GET {url}", "", f"HTTP/1.1 {response.status}", "", body, "```", ""]
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


def _client(database: Path):
    from api import create_app

    return create_app({"DATABASE": str(database), "TESTING": True}).test_client()


def render_resources(database: Path) -> str:
    """README.md's block: one request per resource, its response cut to a few fields."""
    client = _client(database)
    parts = [RESOURCES_START, ""]
    for resource, url, shape in RESOURCES:
        parts += [f"A{'n' if resource[0] in 'aeiou' else ''} **{resource}**:", "", *exchange(client, url, shape=shape)]
    parts.append(RESOURCES_END)
    return "\n".join(parts)


def render(database: Path) -> str:
    """docs/examples.md's block: the three screens and the longer examples."""
    client = _client(database)
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


def replace_block(text: str, block: str, start_marker: str = START, end_marker: str = END) -> str:
    start = text.index(start_marker)
    end = text.index(end_marker, start) + len(end_marker) if end_marker in text else start + len(start_marker)
    return text[:start] + block + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=ROOT / "data" / "corpus.db")
    args = parser.parse_args()
    for path, block, markers in (
        (README, render_resources(args.database), (RESOURCES_START, RESOURCES_END)),
        (EXAMPLES_DOC, render(args.database), (START, END)),
    ):
        path.write_text(replace_block(path.read_text(encoding="utf-8"), block, *markers), encoding="utf-8")
        print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
