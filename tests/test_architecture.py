"""The layout is the architecture: these tests keep the dependency rules true."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

MAX_MODULE_LINES = 400  # a module longer than this usually has more than one job


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            else:
                found.add(node.module or "")
    return found


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_the_api_never_imports_the_build():
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m == "data" or m.startswith("data."))
        for p in python_files("api")
    }
    assert {file: mods for file, mods in offenders.items() if mods} == {}


def test_schemas_import_nothing_of_the_api_or_the_build():
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m.split(".")[0] in ("api", "data"))
        for p in python_files("schemas")
    }
    assert {file: mods for file, mods in offenders.items() if mods} == {}


def test_scripts_and_the_benchmark_never_import_the_tests():
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m.split(".")[0] == "tests")
        for p in python_files("scripts", "bench")
        if "work" not in p.relative_to(ROOT).parts and ".venv" not in p.relative_to(ROOT).parts
    }
    assert {file: mods for file, mods in offenders.items() if mods} == {}


def test_no_module_of_the_product_has_more_than_one_job_by_its_length():
    long = {
        str(p.relative_to(ROOT)): n
        for p in python_files("api", "data", "schemas")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these modules by what they do: {long}"


def test_the_import_checker_sees_relative_imports():
    # A guard on the guard: api/query/paging.py imports api.db relatively ("from ..db import").
    assert "api.db" in imported_modules(ROOT / "api" / "query" / "paging.py")
    assert "data.build.check" in imported_modules(ROOT / "data" / "build" / "index.py")
