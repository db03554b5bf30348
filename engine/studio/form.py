"""The request form, generated from the request's JSON Schema and the catalogue.

Each scalar property becomes a field (an enum or a boolean a choice, a string or number a
box), each object a group of fields, each list one JSON box. Where the catalogue knows the
values (services, their variants, the settings' values) the field offers those.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.tools.schema import generate

MAX_NESTING = 3


@dataclass(frozen=True)
class Field:
    path: str  # dotted, e.g. customer.main_contact.email
    label: str
    description: str
    widget: str  # select | text | number | json
    options: tuple[tuple[str, str, str], ...] = ()  # (value, label, service it belongs to)
    required: bool = False
    depth: int = 0  # 0 for a top-level property; a group's heading has widget "group"
    placeholder: str = ""


def languages(catalogue: Catalogue) -> list[str]:
    """The languages the page offers (`collab plan --lang`), the default first; none when the
    catalogue is written in one."""
    pipeline = catalogue.pipeline
    if len(pipeline.languages) < 2:
        return []
    return [pipeline.default_language, *(lang for lang in pipeline.languages
                                         if lang != pipeline.default_language)]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The node behind a $ref or an `anyOf [X, null]`, and whether null is allowed."""
    nullable = False
    if "anyOf" in node:
        kinds = [k for k in node["anyOf"] if k.get("type") != "null"]
        nullable = len(kinds) < len(node["anyOf"])
        node = {**node, **kinds[0]} if len(kinds) == 1 else node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**schema["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node, nullable


def _choices(catalogue: Catalogue, path: str) -> tuple[tuple[str, str, str], ...] | None:
    if path == "service":
        return tuple((s.id, f"{s.name} ({s.id})", "") for s in catalogue.services.values())
    if path == "variant":
        return tuple((v.id, f"{v.name} ({v.id})", s.id) for s in catalogue.services.values()
                     for v in s.variants)
    if path == "agreement_period":
        return tuple((str(p), f"{p} months", "") for p in sorted(catalogue.periods))
    return None


def _request_schema(catalogue: Catalogue) -> dict[str, Any]:
    """The request schema as one object: the properties of every operation's branch (`oneOf`),
    `operation` a choice of them all, and a field only some operations take saying which."""
    schema = generate(catalogue)["request.schema.json"]
    branches = [schema["$defs"][b["$ref"].rsplit("/", 1)[-1]] for b in schema.get("oneOf", [])]
    if not branches:
        return schema
    properties: dict[str, Any] = {}
    takers: dict[str, list[str]] = {}
    for branch in branches:
        operation = branch["properties"]["operation"]["const"]
        for name, prop in branch["properties"].items():
            properties.setdefault(name, prop)
            takers.setdefault(name, []).append(operation)
    operations = takers["operation"]
    properties["operation"] = {"enum": operations, "title": "Operation",
                               "description": "What is asked for."}
    for name, ops in takers.items():
        if len(ops) < len(operations):
            prop = properties[name]
            properties[name] = {**prop, "description": f"{prop.get('description', '')} "
                                f"(only {', '.join(ops)})".strip()}
    # the request's own fields first, then the customer's and the agency's groups
    properties = {name: properties[name]
                  for name in sorted(properties, key=lambda n: n in ("customer", "agency"))}
    required = set.intersection(*(set(b.get("required", [])) for b in branches))
    return {**schema, "properties": properties,
            "required": [name for name in properties if name in required]}


@lru_cache(maxsize=4)  # per catalogue (compared by identity): the page asks on every visit
def form_fields(catalogue: Catalogue) -> tuple[Field, ...]:
    schema = _request_schema(catalogue)
    fields: list[Field] = []

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        required = set(node.get("required", []))
        for name, raw in node.get("properties", {}).items():
            prop, _ = _resolve(schema, raw)
            path = f"{prefix}{name}"
            label = prop.get("title") or name.replace("_", " ").capitalize()
            description = prop.get("description", "")
            example = (prop.get("examples") or [""])[0]
            if path == "settings":
                for service in catalogue.services.values():
                    for setting in service.settings:
                        fields.append(Field(
                            f"settings.{setting.id}", f"{service.name}: {setting.id}",
                            setting.description.in_(catalogue.pipeline.default_language),
                            "select",
                            tuple((v, v, service.id) for v in setting.values), False, depth))
                continue
            choices = _choices(catalogue, path)
            if choices is not None:
                fields.append(Field(path, label, description, "select", choices,
                                    name in required, depth))
            elif prop.get("type") == "object" and "properties" in prop and depth < MAX_NESTING:
                fields.append(Field(path, name.replace("_", " ").capitalize(), description,
                                    "group", (), name in required, depth))
                walk(prop, path + ".", depth + 1)
            elif "enum" in prop:
                fields.append(Field(path, label, description, "select",
                                    tuple((str(v), str(v), "") for v in prop["enum"]),
                                    name in required, depth))
            elif prop.get("type") == "boolean":
                fields.append(Field(path, label, description, "select",
                                    (("true", "yes", ""), ("false", "no", "")),
                                    name in required, depth))
            elif prop.get("type") == "integer":
                fields.append(Field(path, label, description, "number", (), name in required,
                                    depth, str(example)))
            elif prop.get("type") in ("array", "object"):
                import json

                fields.append(Field(path, label, description, "json", (), name in required,
                                    depth, json.dumps(example, ensure_ascii=False)
                                    if example != "" else ""))
            else:
                fields.append(Field(path, label, description, "text", (), name in required,
                                    depth, str(example)))

    walk(schema, "", 0)
    return tuple(fields)
