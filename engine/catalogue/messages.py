"""Validation against a pydantic model, with pydantic's messages put in the user's words."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.catalogue.documents import Document, PathKey
from engine.errors import (
    Diagnostic,
)

M = TypeVar("M", bound=BaseModel)

PIPELINE_FILE = "pipeline.yaml"
DOMAIN_FILE = "domain.yaml"

_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "an id: lower-case letters, digits and _, starting with a letter",
    r"^[a-z][a-z0-9-]*$": "a rule id: lower-case letters, digits and -, starting with a letter",
    r"^[A-Z][A-Z0-9_]*$": "a code: upper-case letters, digits and _",
    r"^D[1-9][0-9]*$": "a domain fact number such as D14",
    r"^[0-9]+(\.[0-9]+)*$": "a version such as \"2020.0\"",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an email address",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _describe(error: Any) -> tuple[str, str]:
    """A pydantic error in a product owner's words: message and hint."""
    kind, msg = error["type"], error["msg"]
    loc = [part for part in error["loc"] if not str(part).startswith(("function-", "union["))]
    field = str(loc[-1]) if loc else "document"
    if kind == "extra_forbidden":
        return f"unknown field '{field}'", "check the spelling; the schema lists the fields allowed here"
    if kind == "missing":
        return f"missing required field '{field}'", f"add '{field}:'"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        wanted = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"'{field}' must be {wanted}, not {error['input']!r}", ""
    if kind == "string_type" and isinstance(error.get("input"), bool | int | float):
        return (f"'{field}' must be text, but YAML read {error['input']!r}",
                "quote it: YAML reads yes/no/on/off/true/false as booleans and digits as numbers")
    if kind == "value_error":
        return f"'{field}': {msg.removeprefix('Value error, ')}", ""
    given = error.get("input")
    if kind in ("model_type", "dict_type") and not loc:
        return (f"the file must hold one mapping (key: value lines), not {_kind_of(given)}",
                "write the fields at the top level, not as a list item")
    if kind in ("model_type", "dict_type"):
        return (f"'{field}' must be a mapping (key: value lines), not {_kind_of(given)}",
                "indent its fields below it")
    if kind == "int_type" and isinstance(given, str):
        return (f"'{field}' must be a whole number, not the text {given!r}",
                "remove the quotes")
    if kind in ("int_type", "int_from_float"):
        return f"'{field}' must be a whole number, not {given!r}", "write digits only, e.g. 12"
    if kind == "bool_type":
        return f"'{field}' must be true or false, not {given!r}", "write true or false, unquoted"
    if kind == "list_type":
        return (f"'{field}' must be a list, not {_kind_of(given)}",
                "write it as [a, b] or as lines starting with '- '")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"'{field}' must be {expected}, not {given!r}", "use one of the values listed"
    return f"'{field}': {msg}", "the JSON Schemas in schemas/ describe every field"


def _kind_of(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def validate_model(model: type[M], document: Document,
                   code: str) -> tuple[M | None, list[Diagnostic]]:
    """The model built from the document, or the problems, each at its line."""
    try:
        return model.model_validate(document.data), []
    except ValidationError as error:
        seen: set[tuple[PathKey, str]] = set()
        problems = []
        for item in error.errors():
            loc: PathKey = tuple(p for p in item["loc"]
                                 if not str(p).startswith(("function-", "union[")) and p not in
                                 ("str", "int", "bool", "list[union[str,int,bool]]", "Compare"))
            message, hint = _describe(item)
            if (loc, message) in seen:
                continue
            seen.add((loc, message))
            problems.append(document.diagnostic(loc, code, message, hint))
        return None, _union_noise_removed(problems)


def _union_noise_removed(problems: list[Diagnostic]) -> list[Diagnostic]:
    """A value that fits no branch of a union gets one error per branch: keep one per place."""
    kept: dict[tuple[int, int], Diagnostic] = {}
    for problem in problems:
        kept.setdefault((problem.line, problem.column), problem)
    return list(kept.values())


