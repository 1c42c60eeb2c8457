"""A small OpenAPI 3.1 comparer: the changes from one spec to the next that break existing clients.

oasdiff is not available here; this covers what this API's contract can break (GET operations,
query and path parameters, JSON responses). ``breaking_changes(old, new)`` lists, one string each:

- a removed path, a removed operation, a removed response status;
- a parameter that is new and required, that became required, or that was removed (this API
  refuses unknown parameters, so a removed one turns working requests into 400s);
- a request parameter whose enum lost values, or whose type changed;
- in a response body: a removed field, a field no longer always present, a field that may now
  be null, a changed type, or an enum that gained values (generated clients map enums to closed
  types: openapi-python-client raises on a value it does not know).

Additions (a new path, operation, optional parameter, response field, or request enum value) and
documentation changes are not breaking.
"""

from __future__ import annotations

import re

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def parse_semver(version: str) -> tuple[int, int, int]:
    match = SEMVER.match(version)
    if not match:
        raise ValueError(f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return int(match[1]), int(match[2]), int(match[3])


class _Doc:
    def __init__(self, spec: dict):
        self.spec = spec

    def resolve(self, node):
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise ValueError(f"cannot resolve {ref!r}")
            seen.add(ref)
            target = self.spec
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node


def _operations(spec: dict):
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield path, method, item


def _parameters(doc: _Doc, path_item: dict, operation: dict) -> dict[tuple[str, str], dict]:
    params = {}
    for raw in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = doc.resolve(raw)
        params[(param["in"], param["name"])] = param
    return params


def _types(schema: dict, doc: _Doc) -> tuple[set, bool, dict]:
    """(types other than null, nullable, the non-null schema) of ``schema``, seeing through the
    ``anyOf: [X, {type: null}]`` and ``type: [X, "null"]`` spellings of nullable."""
    schema = doc.resolve(schema)
    if "anyOf" in schema or "oneOf" in schema:
        options = [doc.resolve(s) for s in schema.get("anyOf") or schema.get("oneOf")]
        non_null = [s for s in options if s.get("type") != "null"]
        nullable = len(non_null) < len(options)
        if len(non_null) == 1:
            types, inner_nullable, inner = _types(non_null[0], doc)
            return types, nullable or inner_nullable, inner
        return {"<union>"}, nullable, schema
    declared = schema.get("type")
    if declared is None:
        return set(), False, schema  # any type
    declared = set(declared) if isinstance(declared, list) else {declared}
    nullable = "null" in declared or None in schema.get("enum", [object()])
    return declared - {"null"}, nullable, schema


def _enum(schema: dict) -> set | None:
    if "enum" in schema:
        return {v for v in schema["enum"] if v is not None}
    if "const" in schema:
        return {schema["const"]}
    return None


def _compare_response(old, new, where: str, old_doc: _Doc, new_doc: _Doc, found: list, seen: set) -> None:
    key = (id(old), id(new))
    if key in seen:
        return
    seen.add(key)
    old_types, old_nullable, old_schema = _types(old, old_doc)
    new_types, new_nullable, new_schema = _types(new, new_doc)
    if new_nullable and not old_nullable:
        found.append(f"{where}: may now be null")
    if old_types and (not new_types or not new_types <= old_types):
        found.append(f"{where}: type changed from {sorted(old_types)} to {sorted(new_types) or 'any'}")
        return
    old_enum, new_enum = _enum(old_schema), _enum(new_schema)
    if old_enum is not None and (new_enum is None or new_enum - old_enum):
        added = sorted(map(str, new_enum - old_enum)) if new_enum is not None else "any value"
        found.append(f"{where}: enum widened with {added}")
    old_props, new_props = old_schema.get("properties") or {}, new_schema.get("properties") or {}
    old_required, new_required = set(old_schema.get("required") or ()), set(new_schema.get("required") or ())
    for name, old_prop in old_props.items():
        if name not in new_props:
            found.append(f"{where}.{name}: field removed")
            continue
        if name in old_required and name not in new_required:
            found.append(f"{where}.{name}: no longer always present (not required)")
        _compare_response(old_prop, new_props[name], f"{where}.{name}", old_doc, new_doc, found, seen)
    if "items" in old_schema and "items" in new_schema:
        _compare_response(old_schema["items"], new_schema["items"], f"{where}[]", old_doc, new_doc, found, seen)


def _compare_parameter(old: dict, new: dict, where: str, old_doc: _Doc, new_doc: _Doc, found: list) -> None:
    if new.get("required") and not old.get("required"):
        found.append(f"{where}: became required")
    old_types, _, old_schema = _types(old.get("schema") or {}, old_doc)
    new_types, _, new_schema = _types(new.get("schema") or {}, new_doc)
    if new_types and not old_types <= new_types:
        found.append(f"{where}: type changed from {sorted(old_types) or 'any'} to {sorted(new_types)}")
    old_enum, new_enum = _enum(old_schema), _enum(new_schema)
    if new_enum is not None and (old_enum is None or old_enum - new_enum):
        removed = sorted(map(str, old_enum - new_enum)) if old_enum is not None else "all but the enum"
        found.append(f"{where}: enum narrowed, no longer accepts {removed}")


def breaking_changes(old: dict, new: dict) -> list[str]:
    old_doc, new_doc = _Doc(old), _Doc(new)
    found: list[str] = []
    new_paths = new.get("paths") or {}
    for path, method, old_item in _operations(old):
        label = f"{method.upper()} {path}"
        if path not in new_paths:
            found.append(f"{path}: path removed")
            continue
        new_item = new_paths[path]
        if not isinstance(new_item.get(method), dict):
            found.append(f"{label}: operation removed")
            continue
        old_op, new_op = old_item[method], new_item[method]

        old_params = _parameters(old_doc, old_item, old_op)
        new_params = _parameters(new_doc, new_item, new_op)
        for key, param in new_params.items():
            if key not in old_params and param.get("required"):
                found.append(f"{label}: new required {key[0]} parameter {key[1]!r}")
        for key, param in old_params.items():
            where = f"{label} {key[0]} parameter {key[1]!r}"
            if key not in new_params:
                found.append(f"{where}: removed")
            else:
                _compare_parameter(param, new_params[key], where, old_doc, new_doc, found)

        new_responses = new_op.get("responses") or {}
        for status, old_response in (old_op.get("responses") or {}).items():
            if status not in new_responses:
                found.append(f"{label} {status}: response removed")
                continue
            old_content = old_doc.resolve(old_response).get("content") or {}
            new_content = new_doc.resolve(new_responses[status]).get("content") or {}
            for media_type, old_media in old_content.items():
                if media_type not in new_content:
                    found.append(f"{label} {status}: {media_type} response removed")
                elif "schema" in old_media:
                    _compare_response(
                        old_media["schema"],
                        new_content[media_type].get("schema") or {},
                        f"{label} {status} body",
                        old_doc,
                        new_doc,
                        found,
                        set(),
                    )
    return list(dict.fromkeys(found))


def check_release(old: dict, new: dict) -> list[str]:
    """What is wrong with releasing ``new`` after ``old``: breaking changes without a major bump,
    a version that is not semver or goes backwards."""
    old_version, new_version = parse_semver(old["info"]["version"]), parse_semver(new["info"]["version"])
    if new_version < old_version:
        return [f"info.version went back from {old['info']['version']} to {new['info']['version']}"]
    changes = breaking_changes(old, new)
    if changes and new_version[0] == old_version[0]:
        return [
            f"breaking change without a major version bump ({old['info']['version']} -> {new['info']['version']}): {c}"
            for c in changes
        ]
    return []
