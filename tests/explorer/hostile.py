"""A corpus whose data carries markup: the seeds plus one synthetic source, coded as the codebook
(seeds/README.md) says, whose quotes, actor names, titles, summaries, event title and description
are HTML and script payloads. The explorer must show every one of them as text.

The text also puts characters outside the BMP (🇺🇦, two code points; 𝒳, one) before the minister's
quote and inside it, and its summary puts them before a word a search marks: the API counts
offsets in code points, JavaScript strings in UTF-16 units, and a mark cut at the wrong offsets
would miss. The ceremony is also reported, in two passages, by a seed source (``SEED_SOURCE``), so
the event page's ``?source=`` view has more than one passage to mark.

The source is added the way an analyst adds one (``data.draft.new_source``: the text copied under
its ``NNN_<sha256>`` name, a draft written beside it), its draft replaced by a complete coding,
and the two actors it needs added to actors.yaml; the real build then checks it like any other.
Only the source's ``url`` is set after the build, in the built database: the annotation schema
accepts http(s) URLs only, and the explorer must not trust that a served URL is one.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import yaml

from data.build import build_database
from data.draft import new_source

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
JS_URL = "javascript:alert(1)"
PAYLOADS = (SCRIPT, IMG, JS_URL)
FLAG = "\U0001f1fa\U0001f1e6"  # 🇺🇦: two regional indicators, each a surrogate pair in UTF-16
SCRIPT_X = "\U0001d4b3"  # 𝒳: one code point, two UTF-16 units
QUOTE_WORD = "whatever"  # in the quote, after a flag
SUMMARY_WORD = "bulwark"  # in the summary, after a flag and an 𝒳

# Every quotation is covered by one statement: the curly one is the minister's words; the straight
# quotes of the <img> payload make `window.__xss=1` a quotation too, the ministry's.
TEXT = f"""The minister of the Hostile Ministry {FLAG} spoke in Kursk on April 29 at a ceremony for the troops.

The minister {SCRIPT_X} said: “{SCRIPT} We will not {FLAG} back down, {QUOTE_WORD} {JS_URL} says”.

A banner behind the stage read {IMG} in red letters, and the ministry called it a test.
"""

MINISTER = "xss-minister"
MINISTRY = "xss-ministry"
EVENT = "xss-ceremony"
SEED_SOURCE = "003_4c4acd25798775f3"  # reports the ceremony too, in these two passages (in this order)
SEED_PASSAGES = (
    "laying wreaths at a memorial wall and saluting at the memorial wall",
    "Russia had invited North Korea to the parade last November",
)
QUOTE_STATEMENT = "xss-minister-will-not-back-down"
BANNER_STATEMENT = "xss-ministry-banner"

ACTORS = [
    {
        "id": MINISTRY,
        "name": f"Ministry {IMG}",
        "kind": "ministry",
        "country": "RU",
        "aliases": [],
        "title": None,
        "affiliation": None,
        "note": f"A hostile record for the explorer's tests: {SCRIPT}",
    },
    {
        "id": MINISTER,
        "name": f"Minister {SCRIPT}",
        "kind": "person",
        "country": "RU",
        "aliases": [JS_URL],
        "title": f"Minister {IMG}",
        "affiliation": MINISTRY,
    },
]

ANNOTATION = {
    "document": {
        "title": f"Hostile {SCRIPT} headline",
        "outlet": None,
        "outlet_basis": f"None: a synthetic text for the explorer's tests {IMG}",
        "published": dt.date(2025, 4, 30),
        "published_basis": "stated",
        "published_note": "Synthetic: the date the test gives it.",
        "language": "en",
        "summary": f"A synthetic article whose words carry markup: {SCRIPT} {IMG} {JS_URL}",
    },
    "statements": [
        {
            "id": QUOTE_STATEMENT,
            "speakers": [{"actor": MINISTER, "as_written": "The minister"}],
            "quote": f"{SCRIPT} We will not {FLAG} back down, {QUOTE_WORD} {JS_URL} says",
            "kind": "direct_quote",
            "stance": "warn",
            "summary": f"The minister {FLAG} said {IMG} onerror troops would not back down, {SCRIPT_X} a {SUMMARY_WORD}.",
            "targets": [MINISTRY],
            "when": {"text": "on April 29"},
            "event": EVENT,
        },
        {
            "id": BANNER_STATEMENT,
            "speakers": [{"actor": MINISTRY, "as_written": "the ministry"}],
            "quote": "window.__xss=1",
            "anchor": 'onerror="window.__xss=1"',
            "kind": "partial_quote",
            "stance": "report",
            "summary": f"The banner read {SCRIPT} and the ministry called it a test of the troops.",
            "targets": [MINISTER],
            "event": EVENT,
        },
    ],
    "events": [
        {
            "id": EVENT,
            "type": "military_parade",
            "status": "occurred",
            "certainty": "confirmed",
            "title": f"Ceremony {SCRIPT} {IMG}",
            "description": f"A synthetic ceremony; see {JS_URL} and {IMG}.",
            "participants": [{"actor": MINISTER, "role": "initiator"}, {"actor": MINISTRY, "role": "participant"}],
            "location": {"place": "kursk-oblast", "as_written": "Kursk"},
            "when": {"text": "on April 29"},
            "anchor": "spoke in Kursk on April 29 at a ceremony for the troops",
            "also_reported_in": [{"source": SEED_SOURCE, "anchor": passage} for passage in SEED_PASSAGES],
            "note": f"Hostile: {SCRIPT}",
        }
    ],
}


@dataclass(frozen=True)
class HostileCorpus:
    database: Path
    source: str  # the synthetic source's id


def build_hostile_corpus(seeds: Path, folder: Path) -> HostileCorpus:
    """Copies ``seeds`` into ``folder``, adds the hostile source and actors, builds the database."""
    copy = folder / "seeds"
    shutil.copytree(seeds, copy)
    registry_path = copy / "actors.yaml"
    registry = yaml.safe_load(registry_path.read_text(encoding="utf-8"))
    registry["actors"].extend(ACTORS)
    registry_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")

    article = folder / "hostile-article.txt"
    article.write_text(TEXT, encoding="utf-8")
    added = new_source(article, copy, ANNOTATION["document"]["published"])
    added.annotation_path.write_text(yaml.safe_dump(ANNOTATION, allow_unicode=True, sort_keys=False), encoding="utf-8")

    database = folder / "hostile.db"
    build_database(copy, database)
    source = added.text_path.stem
    with closing(sqlite3.connect(database)) as conn, conn:
        for column in ("body", "text_body"):  # the record as listed, and with its text
            (body,) = conn.execute(f"SELECT {column} FROM sources WHERE id = ?", (source,)).fetchone()
            record = json.loads(body)
            record["url"] = JS_URL
            conn.execute(f"UPDATE sources SET {column} = ? WHERE id = ?", (json.dumps(record), source))
    return HostileCorpus(database, source)
