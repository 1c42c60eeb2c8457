"""Dump what the API answers for a broad set of requests on one database, to diff two versions.

    .venv/bin/python scripts/dump_api.py --database data/corpus.db --out before.jsonl
    ... change the code, rebuild ...
    .venv/bin/python scripts/dump_api.py --database data/corpus.db --out after.jsonl
    diff before.jsonl after.jsonl

Every list is walked to its end (small pages, both sorts, every filter value the data has), every
record is fetched by id, and a set of bad requests is sent; one JSON line per request with the
status, content type and body exactly as served. Headers that depend on the build id (ETag) and
the /health body are left out, since any change to the code changes the build id.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIST_SORTS = {
    "statements": ("date", "-date"),
    "events": ("date", "-date"),
    "casualties": ("date", "-date"),
    "actors": ("name", "-name"),
    "sources": ("date", "-date"),
}
BAD = [
    "/statements?actr=Seoul",
    "/statements?limit=0",
    "/statements?limit=101",
    "/statements?stance=nope",
    "/statements?since=2025-05-01&until=2025-04-01",
    "/statements?cursor=%21%21",
    "/statements?cursor=WyJkYXRlIiwiMjAyNS0wNC0yOCIsIngiXQ",
    "/statements?q=",
    "/statements?q=%20%20",
    "/statements?actor=Nobody%20At%20All",
    "/statements?actor=Seol",
    "/events?role=target",
    "/events/no-such-event",
    "/sources/nope",
    "/actors?country=XYZ",
    "/nowhere",
]


def requests(client) -> list[str]:
    """The URLs to dump, discovered from the data itself."""
    urls: list[str] = []
    everything = {}
    for resource, sorts in LIST_SORTS.items():
        everything[resource] = client.get(f"/{resource}?limit=100").get_json()["data"]
        for sort in sorts:
            urls.append(f"/{resource}?limit=7&sort={sort}")
        urls += [f"/{resource}/{record['id']}" for record in everything[resource]]
    statements, events, actors = everything["statements"], everything["events"], everything["actors"]
    names = sorted({a["name"] for a in actors} | {alias for a in actors for alias in a["aliases"]})
    for name in names:
        urls += [
            "/statements?" + urlencode({"actor": name}),
            "/statements?" + urlencode({"target": name, "include_affiliates": "false"}),
            "/events?" + urlencode({"actor": name}),
            "/casualties?" + urlencode({"actor": name}),
            "/casualties?" + urlencode({"claimed_by": name}),
            "/actors?" + urlencode({"affiliated_with": name}),
            "/actors?" + urlencode({"affiliated_with": name, "include_affiliates": "false"}),
            "/actors?" + urlencode({"q": name[:4]}),
        ]
    for field in ("stance", "kind"):
        for value in sorted({s[field] for s in statements}):
            urls.append(f"/statements?{field}={value}&limit=5")
    for value in sorted({s["event"]["id"] for s in statements if s["event"]}):
        urls.append(f"/statements?event={value}")
    for field in ("type", "status"):
        for value in sorted({e[field] for e in events}):
            urls.append(f"/events?{field}={value}")
    for role in ("actor", "target", "location", "supporter", "mediator"):
        urls.append(f"/events?actor=Russia&role={role}")
    for location in ("RU-KRS", "RU", "KP", "Kursk", "kursk", "moscow", "nowhere"):
        urls.append("/events?" + urlencode({"location": location}))
    for resource in ("statements", "events", "casualties", "sources"):
        for source in everything["sources"]:
            if resource != "sources":
                urls.append(f"/{resource}?source={source['id']}")
        for since, until in (
            ("2025-04-26", None),
            (None, "2025-04-27"),
            ("2025-04-26", "2025-04-28"),
            ("2024-01-01", "2024-12-31"),
        ):
            params = {k: v for k, v in (("since", since), ("until", until)) if v}
            urls.append(f"/{resource}?" + urlencode(params))
    for q in ("Kursk", "troop*", "north korea", "sanctions", '"quoted" OR', "zzzz"):
        urls.append("/statements?" + urlencode({"q": q}))
        urls.append("/events?" + urlencode({"q": q}))
    for kind in sorted({a["kind"] for a in actors}):
        urls.append(f"/actors?kind={kind}")
    for country in ("KR", "ru", "US", "ZZ"):
        urls.append(f"/actors?country={country}")
    urls += [
        "/statements?actor=Seoul&target=Pyongyang",
        "/statements?actor=Seoul&stance=condemn&since=2025-04-01",
        "/events?actor=Moscow&type=military_operation",
        "/statements?actor=Moscow&q=Kursk",
    ]
    return urls + BAD


def walk(client, url: str, out) -> int:
    """Write the answer to ``url`` and, for a list, every following page."""
    pages = 0
    while url and pages < 200:
        response = client.get(url)
        record = {
            "url": url,
            "status": response.status_code,
            "content_type": response.headers.get("Content-Type"),
            "allow": response.headers.get("Allow"),
            "body": response.get_data(as_text=True),
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        pages += 1
        body = response.get_json(silent=True) if response.status_code == 200 else None
        url = (body or {}).get("links", {}).get("next") if isinstance(body, dict) else None
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=ROOT / "data" / "corpus.db")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    from api import create_app

    client = create_app({"DATABASE": str(args.database), "TESTING": True}).test_client()
    total = 0
    with args.out.open("w", encoding="utf-8") as out:
        for url in requests(client):
            total += walk(client, url, out)
    print(f"wrote {total} responses to {args.out}")


if __name__ == "__main__":
    main()
