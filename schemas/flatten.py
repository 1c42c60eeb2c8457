"""CSV columns of a record, derived from the record's schema: one row per record, one cell per column.

The schema is the one source of truth, so a field added to it is a column of the export too:

- a scalar is one column, named as the field (``id``, ``stance``); a null is an empty cell;
- a nested object is spread into one column per field of its schema, ``<field>_<subfield>``, at
  any depth (``event_id``, ``event_title``, ``source_outlet_name``, ``span_start``, ``span_end``);
  a null object leaves all of them empty;
- a list (of objects or of scalars) is one column per leaf, the list's values joined with "; " in
  the list's order (``speakers_actor_id``, ``speakers_actor_name``, ``targets_id``, ``aliases``);
  a null inside the list is an empty value, so the n-th value of every column of one list belongs
  to the same item;
- what cannot be spread into columns (a list within a list item, a field the schema does not
  describe, such as ``fields.Raw``) is written as compact JSON.

A value that itself contains "; " makes a joined cell ambiguous; the NDJSON export has the
records unflattened.

Cells are the data as it is, unaltered: no cell is prefixed to neutralize spreadsheet formulas
(a text starting with ``=``, ``+``, ``-`` or ``@``), since a quote or a negative number would then
no longer be what the source says, and nothing in the file would say which cells were changed.
Spreadsheet users should import the file as text rather than open it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields

JOIN = "; "

Step = tuple[str, bool]  # (JSON key, whether the value there is a list whose items the rest applies to)


@dataclass(frozen=True)
class Column:
    name: str
    steps: tuple[Step, ...]

    @property
    def many(self) -> bool:
        return any(many for _, many in self.steps)


def columns(schema: Schema | type[Schema]) -> tuple[Column, ...]:
    """The columns of a record dumped by ``schema``, in the order of its fields."""
    instance = schema() if isinstance(schema, type) else schema
    found = tuple(_leaves(instance, "", (), frozenset({type(instance)})))
    names = [c.name for c in found]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ValueError(f"{type(instance).__name__}: two fields flatten to the same CSV column(s) {clashes}")
    return found


def header(cols: tuple[Column, ...]) -> list[str]:
    return [c.name for c in cols]


def row(cols: tuple[Column, ...], record: Mapping[str, Any]) -> list[str]:
    """The cells of one record (its JSON, decoded). The definition: ``compiled`` is the same, faster."""
    return [_cell(c, record) for c in cols]


Row = Callable[[Any], list[str]]


def compiled(cols: tuple[Column, ...]) -> Row:
    """``row`` for these columns as one function (``compiled(cols)(record) == row(cols, record)``
    for any record), for exports: ``row`` walks each column's path from the record's root and
    tests each value's type on the way, over 1 µs a column. The compiled function reads every
    object of the record once (``record["source"]`` once for all the ``source_*`` columns), walks
    each list once for all its columns, and tests for the types the JSON of a record has (dict,
    list, str, None) first; any other value (a ``Mapping`` that is not a dict, a record that is
    not an object) takes the path ``row`` takes. Its source is generated once per column list."""
    return _compile(cols)


# --------------------------------------------------------------------------------------------


def _nested_schema(field: fields.Field) -> Schema | None:
    """The schema a field spreads into columns, or None for a leaf (Pluck dumps a scalar)."""
    if isinstance(field, fields.Nested) and not isinstance(field, fields.Pluck):
        return field.schema
    return None


def _leaves(schema: Schema, prefix: str, steps: tuple[Step, ...], seen: frozenset[type]) -> Iterator[Column]:
    for name, field in schema.fields.items():
        if field.load_only:
            continue
        key = field.data_key or name
        many = isinstance(field, fields.List) or (isinstance(field, fields.Nested) and bool(field.many))
        inner = field.inner if isinstance(field, fields.List) else field
        nested = _nested_schema(inner)
        if nested is not None and many and any(m for _, m in steps):
            nested = None  # a list within a list item: its items are written as JSON
        here = (*steps, (key, many))
        if nested is None or type(nested) in seen:  # a leaf, or a schema nested in itself
            yield Column(prefix + key, here)
        else:
            yield from _leaves(nested, f"{prefix}{key}_", here, seen | {type(nested)})


def _walk(value: Any, steps: tuple[Step, ...]) -> Any:
    """The value at the end of ``steps``; past a list step, the list of each item's value."""
    for i, (key, many) in enumerate(steps):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
        if many and isinstance(value, list):
            return [_walk(item, steps[i + 1 :]) for item in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cell(column: Column, record: Mapping[str, Any]) -> str:
    value = _walk(record, column.steps)
    if column.many and isinstance(value, list):
        return JOIN.join(_text(v) for v in value)
    return _text(value)


# --------------------------------------------------------------------------------------------
# Rows as CSV text.
#
# csv_bytes joins the cells of a row with _CELL and the rows with _ROW, control characters no
# cell holds (checked). In a copy translated with _MARKS, every character that needs quotes is
# _QUOTE and every separator _CELL, so that a search (memchr) finds the cells to quote and their
# ends; _CSV then makes the separators what CSV has: a comma, CRLF.
_CELL, _ROW, _QUOTE = "\x00", "\x01\x03", b"\x02"
_MARKS = bytes.maketrans(b',"\r\n\x01\x03', _QUOTE * 4 + b"\x00\x00")
_CSV = bytes.maketrans(b"\x00\x01\x03", b",\r\n")


def csv_bytes(rows: list[list[str]]) -> bytes:
    """The CSV of ``rows``, UTF-8, exactly as ``csv_reference_bytes`` (csv.writer): RFC 4180, CRLF
    line ends, a cell quoted (its quotes doubled) only when it holds a comma, a quote, CR or LF.
    csv.writer tests each character of each cell against the dialect's, twice: about 10 µs for a
    record of 58 cells and ~1 KB. Here the batch is one string, and a cell is looked at in Python
    only when it must be quoted (about one a record)."""
    if not rows or min(map(len, rows)) < 2:  # csv.writer writes a row of one empty cell as ""
        return csv_reference_bytes(rows)
    text = _ROW.join([_CELL.join(row) for row in rows]).encode("utf-8")
    marks = text.translate(_MARKS)
    separators = sum(map(len, rows)) - len(rows) + len(_ROW) * (len(rows) - 1)
    if marks.count(b"\x00") != separators or _QUOTE in text:
        return csv_reference_bytes(rows)  # a cell holds a control character that is a mark here
    parts: list[bytes] = []
    start = 0  # what is copied next: the text's start, or the end of the cell quoted last
    at = marks.find(_QUOTE)
    while at >= 0:
        begin = marks.rfind(b"\x00", start, at) + 1  # the start of the cell that holds it
        end = marks.find(b"\x00", at)  # and its end
        if end < 0:
            end = len(text)
        parts += (text[start:begin], b'"', text[begin:end].replace(b'"', b'""'), b'"')
        start = end
        at = marks.find(_QUOTE, end)
    parts.append(text[start:])
    return b"".join(parts).translate(_CSV) + b"\r\n"


def csv_reference_bytes(rows: list[list[str]]) -> bytes:
    """The CSV of ``rows`` as csv.writer writes it (what csv_bytes writes faster): the definition."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # RFC 4180: CRLF, quotes only where needed
    return buffer.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------
# ``compiled``: the columns as generated Python source. Each value of a record is one local
# variable, read from its parent object with ``.get``; the cells are those variables as text.


def _dig(value: Any, keys: tuple[str, ...]) -> Any:
    """``_walk`` along keys that are not lists: None once a value on the way is no object."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _tail(value: Any, steps: tuple[Step, ...]) -> str:
    """The cell of a list column whose list step found no list at ``value``: ``_walk`` goes on."""
    value = _walk(value, steps)
    if isinstance(value, list):
        return JOIN.join(_text(v) for v in value)
    return _text(value)


class _Source:
    """The generated function's lines, its constants and its variable names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, value: Any) -> str:
        name = self.name("k")
        self.constants[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


@dataclass
class _Node:
    """One value of a record (or of a list item): where it is read from, and its children's."""

    var: str
    children: dict[str, _Node]


def _tree(src: _Source, root: str, paths: list[tuple[str, ...]]) -> tuple[_Node, list[str]]:
    """The nodes of ``paths`` (key paths from ``root``), one variable per distinct path; the
    variables of the paths, in their order."""
    top = _Node(root, {})
    found = []
    for path in paths:
        node = top
        for key in path:
            if key not in node.children:
                node.children[key] = _Node(src.name("v"), {})
            node = node.children[key]
        found.append(node.var)
    return top, found


def _emit_tree(src: _Source, node: _Node, depth: int) -> None:
    """Lines that set the variables below ``node`` (its own is set): read from a dict, None below
    a null, and ``_dig`` below anything else (a Mapping, a list or a scalar where an object was)."""
    if not node.children:
        return
    src.emit(depth, f"if {node.var}.__class__ is dict:")
    for key, child in node.children.items():
        src.emit(depth + 1, f"{child.var} = {node.var}.get({key!r})")
    for child in node.children.values():
        _emit_tree(src, child, depth + 1)
    below: list[tuple[str, tuple[str, ...]]] = []

    def collect(n: _Node, keys: tuple[str, ...]) -> None:
        for key, child in n.children.items():
            below.append((child.var, (*keys, key)))
            collect(child, (*keys, key))

    collect(node, ())
    src.emit(depth, f"elif {node.var} is None:")
    src.emit(depth + 1, " = ".join(var for var, _ in below) + " = None")
    src.emit(depth, "else:")
    for var, keys in below:
        src.emit(depth + 1, f"{var} = _dig({node.var}, {src.constant(keys)})")


def _text_of(var: str) -> str:
    """``_text(var)``, with the values most cells have (a string, None, an integer) read without a call."""
    return f"({var} if {var}.__class__ is str else '' if {var} is None else str({var}) if {var}.__class__ is int else _text({var}))"


def _emit_item(src: _Source, item: str, group: list[tuple[str, tuple[Step, ...]]], depth: int) -> list[str]:
    """Lines that read one item of a list (at ``item``) for all the columns of ``group``; the text
    of each column's value, as expressions."""
    simple = [steps for _, steps in group if not any(many for _, many in steps)]
    top, values = _tree(src, item, [tuple(key for key, _ in steps) for steps in simple])
    _emit_tree(src, top, depth)
    found = iter(values)
    texts = []
    for _, steps in group:
        if any(many for _, many in steps):  # a list within the item: as ``_walk`` has it
            texts.append(f"_text(_walk({item}, {src.constant(steps)}))")
        else:
            texts.append(_text_of(next(found)))
    return texts


def _emit_list(src: _Source, var: str, group: list[tuple[str, tuple[Step, ...]]], depth: int) -> None:
    """Lines that set the cells (``group``: (cell variable, the steps after the list)) of the
    columns of one list, the list at ``var``: each item read once for all of them; a list of one
    item (the commonest) is its item's values, as ``_join`` would leave them."""
    cells = [cell for cell, _ in group]
    src.emit(depth, f"if isinstance({var}, list):")
    src.emit(depth + 1, f"if len({var}) == 1:")
    item = src.name("i")
    src.emit(depth + 2, f"{item} = {var}[0]")
    for cell, text in zip(cells, _emit_item(src, item, group, depth + 2), strict=True):
        src.emit(depth + 2, f"{cell} = {text}")
    src.emit(depth + 1, f"elif {var}:")
    parts = [src.name("p") for _ in group]
    src.emit(depth + 2, "; ".join(f"{p} = []" for p in parts))
    item = src.name("i")
    src.emit(depth + 2, f"for {item} in {var}:")
    for p, text in zip(parts, _emit_item(src, item, group, depth + 3), strict=True):
        src.emit(depth + 3, f"{p}.append({text})")
    for cell, p in zip(cells, parts, strict=True):
        src.emit(depth + 2, f"{cell} = _join({p})")
    src.emit(depth + 1, "else:")
    src.emit(depth + 2, " = ".join(cells) + " = ''")
    src.emit(depth, f"elif {var} is None:")
    src.emit(depth + 1, " = ".join(cells) + " = ''")
    src.emit(depth, "else:  # no list where the schema has one: as ``_walk`` goes on")
    for cell, steps in group:
        src.emit(depth + 1, f"{cell} = _tail({var}, {src.constant(steps)})")


def _compile(cols: tuple[Column, ...]) -> Row:
    src = _Source()
    # Each column's path up to its first list (all of it when it has none), from the record.
    heads: list[tuple[str, ...]] = []
    for column in cols:
        first = next((i for i, (_, many) in enumerate(column.steps) if many), len(column.steps) - 1)
        heads.append(tuple(key for key, _ in column.steps[: first + 1]))
    top, values = _tree(src, "record", heads)
    src.emit(1, "if record.__class__ is not dict:")
    src.emit(2, "return _row(_columns, record)")
    for key, child in top.children.items():
        src.emit(1, f"{child.var} = record.get({key!r})")
    for child in top.children.values():
        _emit_tree(src, child, 1)
    lists: dict[str, list[tuple[str, tuple[Step, ...]]]] = {}
    cells = []
    for column, head, var in zip(cols, heads, values, strict=True):
        if column.many:
            cell = src.name("c")
            lists.setdefault(var, []).append((cell, column.steps[len(head) :]))
            cells.append(cell)
        else:
            cells.append(_text_of(var))
    for var, group in lists.items():
        _emit_list(src, var, group, 1)
    src.emit(1, "return [" + ", ".join(cells) + "]")
    source = "def row(record):\n" + "\n".join(src.lines) + "\n"
    scope: dict[str, Any] = {
        "_row": row,
        "_columns": cols,
        "_text": _text,
        "_walk": _walk,
        "_dig": _dig,
        "_tail": _tail,
        "_join": JOIN.join,
        **src.constants,
    }
    exec(compile(source, f"<flatten.compiled {', '.join(c.name for c in cols[:3])}, ...>", "exec"), scope)
    function: Row = scope["row"]
    function.__doc__ = source  # what it runs, for a reader (help(), a debugger)
    return function
