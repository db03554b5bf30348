"""Validation against a pydantic model, with pydantic's messages put in the user's words."""

from __future__ import annotations

import re
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


# "Did you mean" compares a word with each choice (difflib: quadratic in their lengths), and
# the choices may come from the input itself (a request's own task ids): the work is bounded
# so that a hostile request costs at most SUGGEST_CANDIDATES small comparisons (issue 22).
SUGGEST_LENGTH = 64  # a longer word, or choice, is not an id anyone mistyped: no suggestion
SUGGEST_CANDIDATES = 200  # choices compared at most, those of the closest lengths first


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the choice closest to ``word``, or "" when none is close.

    Only choices of a length that can reach difflib's 0.6 cutoff are compared (from 3/7 to
    7/3 of the word's: a ratio is 2 * matches / total length), at most SUGGEST_CANDIDATES of
    them, and neither a word nor a choice over SUGGEST_LENGTH characters.
    """
    if len(word) > SUGGEST_LENGTH:
        return ""
    similar = {choice for choice in choices if len(choice) <= SUGGEST_LENGTH
               and 3 * len(word) <= 7 * len(choice) and 3 * len(choice) <= 7 * len(word)}
    nearest = sorted(similar, key=lambda choice: (abs(len(choice) - len(word)), choice))
    import difflib  # here: only a mistake is worth its import (issue 23)

    close = difflib.get_close_matches(word, sorted(nearest[:SUGGEST_CANDIDATES]), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _describe(error: Any, loc: PathKey) -> tuple[str, str]:
    """A pydantic error in a product owner's words: message and hint."""
    kind, msg = error["type"], error["msg"]
    field = _field(loc)
    if kind == "extra_forbidden":
        return f"unknown field {field}", "check the spelling; the schema lists the fields allowed here"
    if kind == "missing":
        return f"missing required field {field}", f"add {field[:-1]}:'"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        wanted = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"{field} must be {wanted}, not {error['input']!r}", ""
    given = error.get("input")
    if kind == "union_mismatch":
        wanted = error["ctx"]["alternatives"]
        return (f"{field} must be {wanted}, not {_kind_of(given)}",
                "the JSON Schemas in schemas/ show an example of each field")
    if kind == "string_type" and isinstance(given, bool | int | float):
        return (f"{field} must be text, but YAML read {given!r}",
                "quote it: YAML reads yes/no/on/off/true/false as booleans and digits as numbers")
    if kind == "string_type":
        return f"{field} must be text, not {_kind_of(given)}", "write it on the same line"
    if kind == "string_too_short":
        return f"{field} must not be empty", "write the text after the colon"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length", "")
        return f"{field} is longer than {limit:,} characters", "shorten it"
    if kind == "too_short":
        least = error.get("ctx", {}).get("min_length", 1)
        return (f"{field} needs at least {least} item{'s' if least != 1 else ''}",
                "add the missing items")
    if kind == "value_error":
        return f"{field}: {msg.removeprefix('Value error, ')}", ""
    if kind in ("model_type", "dict_type") and not loc:
        # a file that is only text (a key, a password file) is not quoted at all
        shown = "text" if isinstance(given, str) else _kind_of(given)
        return (f"the file must hold one mapping (key: value lines), not {shown}",
                "write the fields at the top level, not as a list item")
    if kind in ("model_type", "dict_type"):
        return (f"{field} must be a mapping (key: value lines), not {_kind_of(given)}",
                "indent its fields below it")
    if kind == "int_type" and isinstance(given, str) and re.fullmatch(r"[-+]?[1-9][0-9]*|0", given):
        return f"{field} must be a whole number, not the text {given!r}", "remove the quotes"
    if kind == "int_type" and isinstance(given, str) and re.fullmatch(r"[-+]?[0-9:._]+", given):
        return (f"{field} must be a whole number, but YAML read {given} as text",
                "write digits only, without a leading 0, e.g. 12 (YAML 1.1 reads 0:12 and 09 "
                "as text, 012 as the octal number 10)")
    if kind in ("int_type", "int_from_float"):
        return f"{field} must be a whole number, not {_kind_of(given)}", "write digits only, e.g. 12"
    if kind == "bool_type":
        return (f"{field} must be true or false, not {_kind_of(given)}",
                "write true or false, unquoted")
    if kind == "list_type":
        return (f"{field} must be a list, not {_kind_of(given)}",
                "write it as [a, b] or as lines starting with '- '")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{field} must be {expected}, not {_kind_of(given)}", "use one of the values listed"
    return f"{field}: {msg}", "the JSON Schemas in schemas/ describe every field"


def _field(loc: PathKey) -> str:
    """The field's name as the message shows it: 'agreement_period', item 2 of 'source'."""
    if not loc:
        return "the document"
    if isinstance(loc[-1], int):
        parent = f" of '{loc[-2]}'" if len(loc) > 1 and isinstance(loc[-2], str) else ""
        return f"item {loc[-1] + 1}{parent}"
    return f"'{loc[-1]}'"


def _kind_of(value: object) -> str:
    if value is None:
        return "empty (nothing is written after the colon)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the text {_first_line(value)!r}"
    return repr(value)


def _first_line(text: str, limit: int = 60) -> str:
    """At most a line of a value: a long or multi-line value is not echoed whole into a
    terminal or a CI report."""
    line = text.split("\n", 1)[0]
    return line if len(line) <= limit and line == text else line[:limit] + "..."


def validate_model(model: type[M], document: Document,
                   code: str) -> tuple[M | None, list[Diagnostic]]:
    """The model built from the document, or the problems, each at its line."""
    try:
        return model.model_validate(document.data), []
    except ValidationError as error:
        seen: set[tuple[PathKey, str]] = set()
        problems = []
        located = [_split(item, document.data) for item in error.errors()]
        for loc, item in _resolve(located, document.data):
            message, hint = _describe(item, loc)
            if (loc, message) in seen:
                continue
            seen.add((loc, message))
            problems.append(document.diagnostic(loc, code, message, hint))
        return None, problems


# An error's loc mixes places in the document (keys, indexes) with the union branches pydantic
# tried (`str`, `list[...]`, `Compare`). A value that fits no branch gets an error from each:
# only those of the branch the value's kind points to are kept (a mapping: the models; a
# list: the lists; else the scalars), or one error naming every branch when none fits.

_Located = tuple[PathKey, list[tuple[int, str]], Any]  # place, (where, branch) tags, error

_BRANCH_WORDS = {"str": "text", "int": "a whole number", "bool": "true or false",
                 "Compare": "a comparison such as {gt: 0}", "FromFact": "{from: a fact}"}


def _split(error: Any, data: Any) -> _Located:
    """The error's place in the document, and the union branches along the way."""
    place: list[str | int] = []
    tags: list[tuple[int, str]] = []
    current = data
    parts = error["loc"]
    for index, part in enumerate(parts):
        inside_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if (isinstance(current, dict) and part in current) or inside_list:
            current = current[part]
        elif index == len(parts) - 1 and error["type"] in ("missing", "extra_forbidden"):
            current = None
        elif isinstance(part, str) and part.startswith(("function-", "union[")):
            continue  # a validator's or a union's own name: neither a place nor a branch
        elif isinstance(part, str) and (part in _BRANCH_WORDS or part[:1].isupper()
                                        or part.startswith("list[")):
            tags.append((len(place), part))
            continue
        else:
            current = None
        place.append(part)
    return tuple(place), tags, error


def _branch_fits(tag: str, value: Any) -> bool:
    if isinstance(value, dict):
        return tag[:1].isupper()
    if isinstance(value, list):
        return tag.startswith("list[")
    return not tag[:1].isupper() and not tag.startswith("list[")


def _value_at(data: Any, place: PathKey) -> Any:
    for part in place:
        data = data[part]
    return data


def _resolve(located: list[_Located], data: Any) -> list[tuple[PathKey, Any]]:
    """Errors at their places, each union's branches reduced to those the value could mean."""
    resolved: list[tuple[PathKey, Any]] = []
    branched: dict[PathKey, list[_Located]] = {}
    for place, tags, error in located:
        if tags:
            branched.setdefault(place[:tags[0][0]], []).append((place, tags, error))
        else:
            resolved.append((place, error))
    for point, group in branched.items():
        try:
            value = _value_at(data, point)
        except (KeyError, IndexError, TypeError):
            value = None
        fitting = [(place, tags[1:], error) for place, tags, error in group
                   if _branch_fits(tags[0][1], value)]
        if fitting and (isinstance(value, dict | list) or len(fitting) == 1):
            resolved += _resolve(fitting, data)
            continue
        words: list[str] = []
        for _, tags, _error in group:
            tag = tags[0][1]
            word = "a list" if tag.startswith("list[") else _BRANCH_WORDS.get(tag, tag)
            if word not in words:
                words.append(word)
        wanted = ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]
        resolved.append((point, {"type": "union_mismatch", "loc": point, "msg": "",
                                 "input": value, "ctx": {"alternatives": wanted}}))
    return resolved
