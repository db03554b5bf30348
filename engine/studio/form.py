"""The request form, generated from the request's JSON Schema and the catalogue.

Each scalar property becomes a field (an enum or a boolean a choice, a string or number a
box), each object a group of fields, each list a sub-form with a row per item (added and
removed by the person; drawn by the vendored @json-editor/json-editor from the property's
JSON Schema). Where the catalogue knows the values (services, their variants, the settings'
values) the field offers those. A field shows no placeholder: an example value written in
grey inside a box reads as a value; its example is in the field's tooltip instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.words import ENGLISH, WORDS, tool_word
from engine.tools.schema import generate
from engine.tools.wording import value_word, when_words

MAX_NESTING = 3


@dataclass(frozen=True)
class Field:
    path: str  # dotted, e.g. customer.main_contact.email
    label: str
    description: str
    widget: str  # select | text | number | list
    options: tuple[tuple[str, str, str], ...] = ()  # (value, label, service it belongs to)
    required: bool = False
    depth: int = 0  # 0 for a top-level property; a group's heading has widget "group"
    example: str = ""  # an example value, for the tooltip
    schema: str = ""  # a list's JSON Schema (with its definitions), as JSON safe inside <script>


def languages(catalogue: Catalogue) -> list[str]:
    """The languages the page offers (`collab plan --lang`), the default first; none when the
    catalogue is written in one."""
    pipeline = catalogue.pipeline
    if len(pipeline.languages) < 2:
        return []
    return [pipeline.default_language, *(lang for lang in pipeline.languages
                                         if lang != pipeline.default_language)]


def page_language(catalogue: Catalogue | None, asked: str) -> str:
    """The language a page is shown in: ``asked`` when the catalogue offers it, else its
    default language."""
    if catalogue is None:
        return ENGLISH
    return asked if asked in languages(catalogue) else catalogue.pipeline.default_language


def page_words(catalogue: Catalogue | None, lang: str) -> Callable[..., str]:
    """``word(key, **fields)`` of a page in ``lang``: the glossary's, else the tool's words."""
    if catalogue is None:
        return lambda key, **fields: tool_word(key, ENGLISH, None, **fields)
    glossary = catalogue.pipeline.glossary
    return lambda key, **fields: glossary.label(key, lang, **fields)


def catalogue_words(catalogue: Catalogue, lang: str) -> dict[str, Callable[..., str]]:
    """What the catalogue page calls to speak ``lang``: its words, a rule's conditions and a
    fact's values in words (engine.tools.wording)."""
    return {
        "w": page_words(catalogue, lang),
        "rule_when": lambda rule: when_words(catalogue, lang, rule.when),
        "values": lambda fact, items: ", ".join(value_word(catalogue, lang, fact, item)
                                                for item in items),
    }


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


def _choices(catalogue: Catalogue, path: str, lang: str) -> tuple[tuple[str, str, str], ...] | None:
    def w(key: str, **fields: object) -> str:
        return catalogue.pipeline.glossary.label(key, lang, **fields)

    if path == "service":
        return tuple((s.id, w("choice", name=s.name, id=s.id), "")
                     for s in catalogue.services.values())
    if path == "variant":
        return tuple((v.id, w("choice", name=v.name, id=v.id), s.id)
                     for s in catalogue.services.values() for v in s.variants)
    if path == "agreement_period":
        return tuple((str(p), w("months", count=p), "") for p in sorted(catalogue.periods))
    return None


def _value_label(catalogue: Catalogue, path: str, value: str, lang: str) -> str:
    """An enum's value as the page's language reads it: an operation, a payer, an ending."""
    glossary = catalogue.pipeline.glossary
    if path == "operation":
        return glossary.label(value, lang)
    word = glossary.values.get(value)
    if word is not None:
        return word.in_(lang)
    return tool_word(f"value.{value}", lang) if f"value.{value}" in WORDS.get(lang, {}) else value


def _has_word(key: str, lang: str) -> bool:
    return key in WORDS.get(lang, {}) or key in WORDS[ENGLISH]


def _field_label(name: str, path: str, lang: str) -> str:
    """A field's label: the words table's (``field.<path>``), else its name in words."""
    key = f"field.{path}"
    if key in WORDS.get(lang, {}) or key in WORDS[ENGLISH]:
        return tool_word(key, lang)
    return name.replace("_", " ").capitalize()


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


def _list_schema(catalogue: Catalogue, schema: dict[str, Any], prop: dict[str, Any], path: str,
                 lang: str) -> str:
    """The JSON Schema of a list field for the form library: its definitions under
    `definitions`, no title or description of its own (the field's label and tooltip say
    them), each item titled by the words table ("Row") and each item's field labelled in
    ``lang``, as text safe inside a <script> element."""
    prop = json.loads(json.dumps(prop))  # a copy: the labels below are this page's
    node = {key: value for key, value in prop.items()
            if key not in ("title", "examples", "description")}
    definitions = schema.get("$defs", {})
    reached: dict[str, Any] = {}
    waiting = [node]
    while waiting:  # only the definitions the list refers to, however deeply
        for name in re.findall(r'"#/\$defs/([^"]+)"', json.dumps(waiting.pop())):
            if name not in reached and name in definitions:
                reached[name] = definitions[name]
                waiting.append(definitions[name])
    reached = json.loads(json.dumps(reached))
    for definition in reached.values():
        definition.pop("description", None)
        properties = definition.get("properties", {})
        for name, field in list(properties.items()):
            if isinstance(field, dict):
                kinds = [k for k in field.get("anyOf", []) if k.get("type") != "null"]
                if "anyOf" in field and len(kinds) == 1:  # left empty, a field is absent: no null
                    field = properties[name] = {**{k: v for k, v in field.items()
                                                   if k not in ("anyOf", "default")}, **kinds[0]}
                field.pop("description", None)  # in a row, a description is noise: see the tooltip
                field.pop("examples", None)
                if "enum" in field:  # a choice shows its values in the page's language
                    field["options"] = {"enum_titles": [
                        _value_label(catalogue, name, str(value), lang) for value in field["enum"]]}
                field["title"] = _field_label(name, f"{path}.{name}", lang) \
                    if _has_word(f"field.{path}.{name}", lang) else _field_label(name, name, lang)
    node["definitions"] = reached
    node["title"] = " "
    if isinstance(node.get("items"), dict):
        node["items"] = {**node["items"], "title": tool_word("studio_row", lang)}
    text = json.dumps(node, ensure_ascii=False, sort_keys=True)
    text = text.replace('"$defs"', '"definitions"').replace("#/$defs/", "#/definitions/")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=8)  # per catalogue (compared by identity) and language: asked on every visit
def form_fields(catalogue: Catalogue, lang: str = ENGLISH) -> tuple[Field, ...]:
    """The form's fields, their labels and choices in ``lang`` (the words table)."""
    schema = _request_schema(catalogue)
    fields: list[Field] = []
    yes_no = catalogue.pipeline.glossary.words(lang)

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        required = set(node.get("required", []))
        for name, raw in node.get("properties", {}).items():
            prop, _ = _resolve(schema, raw)
            path = f"{prefix}{name}"
            label = _field_label(name, path, lang)
            description = prop.get("description", "")
            example = (prop.get("examples") or [""])[0]
            if path == "settings":
                for service in catalogue.services.values():
                    for setting in service.settings:
                        about = setting.description.in_(lang)
                        fields.append(Field(
                            f"settings.{setting.id}", tool_word(
                                "setting_field", lang, None, service=service.name,
                                id=setting.id, about=about.split(":")[0].split(".")[0]),
                            about, "select",
                            tuple((v, _value_label(catalogue, path, v, lang), service.id)
                                  for v in setting.values), False, depth))
                continue
            choices = _choices(catalogue, path, lang)
            if choices is not None:
                fields.append(Field(path, label, description, "select", choices,
                                    name in required, depth))
            elif prop.get("type") == "object" and "properties" in prop and depth < MAX_NESTING:
                fields.append(Field(path, label, description, "group", (), name in required,
                                    depth))
                walk(prop, path + ".", depth + 1)
            elif "enum" in prop:
                fields.append(Field(path, label, description, "select",
                                    tuple((str(v), _value_label(catalogue, path, str(v), lang), "")
                                          for v in prop["enum"]),
                                    name in required, depth))
            elif prop.get("type") == "boolean":
                fields.append(Field(path, label, description, "select",
                                    (("true", tool_word("answer_yes", lang, yes_no), ""),
                                     ("false", tool_word("answer_no", lang, yes_no), "")),
                                    name in required, depth))
            elif prop.get("type") == "integer":
                fields.append(Field(path, label, description, "number", (), name in required,
                                    depth, str(example)))
            elif prop.get("type") in ("array", "object"):
                fields.append(Field(path, label, description, "list", (), name in required,
                                    depth, "", _list_schema(catalogue, schema, prop, path, lang)))
            else:
                fields.append(Field(path, label, description, "text", (), name in required,
                                    depth, str(example)))

    walk(schema, "", 0)
    return tuple(fields)
