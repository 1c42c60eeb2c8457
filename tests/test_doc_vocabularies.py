"""docs/vocabularies.md lists every vocabulary in full: exactly the values the code has, so it cannot
go stale (scripts/vocabularies_doc.py writes it)."""

from __future__ import annotations

import importlib.util
import re

from schemas import codebook, vocab, vocabularies

from .conftest import ROOT

DOC = ROOT / "docs" / "vocabularies.md"


def _script():
    spec = importlib.util.spec_from_file_location("vocabularies_doc", ROOT / "scripts" / "vocabularies_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tables(text: str) -> dict[str, list[str]]:
    """Each section (### or ## heading) -> the values (first column, in backticks) of its table."""
    sections: dict[str, list[str]] = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("#"):
            m = re.match(r"^#{2,3} (\w+)$", line)
            heading = m[1] if m else None
        elif heading and (m := re.match(r"^\| `([^`]+)` \|", line)):
            sections.setdefault(heading, []).append(m[1])
    return sections


def test_the_doc_is_what_the_script_writes():
    assert DOC.read_text(encoding="utf-8") == _script().render(), (
        "docs/vocabularies.md is stale: run .venv/bin/python scripts/vocabularies_doc.py"
    )


def test_the_doc_lists_exactly_the_values_the_api_serves(client):
    served = client.get("/vocabularies").get_json()["data"]
    tables = _tables(DOC.read_text(encoding="utf-8"))
    assert set(served) == set(vocabularies.VOCABULARIES)
    for name, values in served.items():
        assert tables.get(name) == [v["value"] for v in values], name  # every value, in order, nothing more
    assert tables["plover"] == list(vocab.PLOVER_CATEGORIES)
    assert tables["date_direction"] == list(codebook.VOCABULARIES["DATE_DIRECTIONS"])
    # every vocabulary of the code is in the doc: served, PLOVER, or annotations only
    listed = {vocabularies.VOCABULARIES[n][0] for n in served} | {"PLOVER_CATEGORIES", *vocabularies.NOT_SERVED}
    assert listed == set(codebook.VOCABULARIES) | {"PLOVER_CATEGORIES"}


def test_each_definition_is_the_codebooks(client):
    text = DOC.read_text(encoding="utf-8")
    for values in client.get("/vocabularies").get_json()["data"].values():
        for v in values:
            row = f"| `{v['value']}` | {v['label']} | {v['description'].replace('|', chr(92) + '|')} |"
            assert row in text, row
