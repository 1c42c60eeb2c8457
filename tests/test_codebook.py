"""seeds/README.md is the codebook: every vocabulary value defined, every annotation field documented,
and its generated "Vocabularies" section what scripts/codebook.py renders from the seeds."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from marshmallow import Schema

from schemas import annotations, codebook, vocab

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "codebook.py"
README_PATH = ROOT / "seeds" / "README.md"
README = README_PATH.read_text(encoding="utf-8")

# Every vocabulary of schemas/vocab.py whose values an annotator writes or reads back.
VOCABULARY_NAMES = [
    "ACTOR_KINDS",
    "STATEMENT_KINDS",
    "STANCES",
    "CHANNELS",
    "EVENT_TYPES",
    "EVENT_STATUSES",
    "EVENT_CERTAINTIES",
    "PARTICIPANT_ROLES",
    "CASUALTY_CATEGORIES",
    "CASUALTY_QUALIFIERS",
    "DATE_BASES",
    "PUBLISHED_BASES",
    "ATTRIBUTIONS",
    "PLACE_PRECISIONS",
    "DATE_PRECISIONS",
    "DATE_DIRECTIONS",
]


def _script() -> ModuleType:
    """scripts/codebook.py, imported by its path (as tests/test_readme.py does its script)."""
    if "codebook_script" in sys.modules:
        return sys.modules["codebook_script"]
    spec = importlib.util.spec_from_file_location("codebook_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are defined
    spec.loader.exec_module(module)
    return module


def _annotation_fields() -> list[tuple[str, str]]:
    """(schema, field) for every field of every annotation schema of schemas/annotations.py."""
    schemas = [
        cls
        for _, cls in inspect.getmembers(annotations, inspect.isclass)
        if issubclass(cls, Schema) and cls.__module__ == annotations.__name__
    ]
    return sorted((cls.__name__, name) for cls in schemas for name in cls._declared_fields)


ALL_VALUES = {value for name in VOCABULARY_NAMES for value in getattr(vocab, name)}
FIELD_NAMES = {name for _, name in _annotation_fields()}


def test_the_codebook_covers_every_vocabulary_in_vocab_order():
    assert list(codebook.DEFINITIONS) == VOCABULARY_NAMES
    assert list(codebook.VOCABULARIES) == VOCABULARY_NAMES
    for name in VOCABULARY_NAMES:
        assert codebook.VOCABULARIES[name] == tuple(getattr(vocab, name)), name


@pytest.mark.parametrize("name", VOCABULARY_NAMES)
def test_every_value_has_a_definition_and_no_definition_names_a_value_that_does_not_exist(name):
    values, defined = set(getattr(vocab, name)), set(codebook.DEFINITIONS[name])
    assert values - defined == set(), f"{name}: values without a definition"
    assert defined - values == set(), f"{name}: definitions of values that do not exist"


@pytest.mark.parametrize("name", VOCABULARY_NAMES)
def test_each_definition_is_one_sentence_and_names_only_what_exists(name):
    for value, text in codebook.DEFINITIONS[name].items():
        assert text and text == text.strip() and text.endswith("."), (name, value)
        assert not re.search(r"[a-z)'’]\. [A-Z]", text), f"{name}.{value}: more than one sentence"
        # A word in backticks is a field of an annotation or a value of a vocabulary.
        for word in re.findall(r"`([a-z_]+)`", text):
            assert word in ALL_VALUES or word in FIELD_NAMES, f"{name}.{value}: `{word}` names nothing"


def test_the_committed_readme_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + "\nrun: .venv/bin/python scripts/codebook.py"


def test_check_fails_with_a_message_on_a_stale_readme(tmp_path, capsys):
    script = _script()
    stale = tmp_path / "README.md"
    row = "| `condemn` | " + codebook.DEFINITIONS["STANCES"]["condemn"]
    assert README.count(row) == 1
    stale.write_text(README.replace(row, "| `condemn` | an old definition."), encoding="utf-8")
    assert script.main(["--check", "--readme", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert script.main(["--readme", str(stale)]) == 0  # rewritten in place
    assert stale.read_text(encoding="utf-8") == README
    assert script.main(["--check", "--readme", str(stale)]) == 0
    unmarked = tmp_path / "unmarked.md"
    unmarked.write_text("# no markers\n", encoding="utf-8")
    assert script.main(["--check", "--readme", str(unmarked)]) == 1


def test_the_readme_defines_every_value_in_its_vocabularies_section():
    script = _script()
    section = README[README.index(script.START) : README.index(script.END)]
    for name in VOCABULARY_NAMES:
        for value in getattr(vocab, name):
            assert f"| `{value}` | " in section, f"{name}: {value}"
            assert codebook.DEFINITIONS[name][value] in section


def test_examples_are_short_and_the_first_use_in_the_seeds(tmp_path):
    script = _script()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "actors.yaml").write_text("actors:\n- {id: a, name: A, kind: person}\n", encoding="utf-8")
    (seeds / "places.yaml").write_text("places: []\n", encoding="utf-8")
    long_quote = "word " * 60
    (seeds / "004_0123456789abcdef.yaml").write_text(
        "document: {published: 2025-04-30, published_basis: stated}\n"
        "statements:\n"
        f"- {{id: first-denial, speakers: [{{actor: a}}], quote: {long_quote.strip()}, kind: direct_quote,"
        " stance: deny, when: {text: last November}}\n"
        "- {id: second-denial, speakers: [{actor: a}], anchor: A denied it, kind: paraphrase, stance: deny}\n",
        encoding="utf-8",
    )
    section = script.render(seeds)
    row = next(line for line in section.splitlines() if line.startswith("| `deny` |"))
    assert "`first-denial` (004): “" in row and "second-denial" not in row
    quoted = re.search(r"“([^”]*)”", row)
    assert quoted is not None and len(quoted.group(1)) <= 100 and quoted.group(1).endswith("…")
    assert "| `confirm` | " in section and script.NOT_USED in section.split("| `confirm` | ", 1)[1].split("\n")[0]
    assert "“last November” → 2024-11" in section  # relative, resolved against the publication date
    assert "`004_0123456789abcdef`: 2025-04-30" in section  # published_basis: stated


@pytest.mark.parametrize("schema,field", _annotation_fields())
def test_the_readme_documents_every_annotation_field(schema, field):
    as_yaml_key = re.search(rf"(^\s*(- )?|[{{,]\s*){re.escape(field)}:", README, re.MULTILINE)
    assert f"`{field}`" in README or as_yaml_key, f"{schema}.{field} is not documented in seeds/README.md"
