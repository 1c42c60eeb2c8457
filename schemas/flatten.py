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

import json
from collections.abc import Iterator, Mapping
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
    """The cells of one record (its JSON, decoded)."""
    return [_cell(c, record) for c in cols]


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
