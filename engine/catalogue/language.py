"""Texts in several languages, and the glossary of the words texts share.

Every sentence of the catalogue is a LocalText: one text per language that rules/pipeline.yaml
declares (`languages:`). Texts name screens through `{screen.<id>}` placeholders declared once
in the pipeline's `glossary:`, so a renamed screen is one edit. No code here knows which
languages exist: a product owner adds one by adding texts (`collab validate` lists the ones
missing, CAT050).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any

from pydantic import ConfigDict, Field, RootModel, StringConstraints

from engine.catalogue.types import Id, Model
from engine.catalogue.words import tool_word

Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
_Word = Annotated[str, StringConstraints(min_length=1, max_length=300)]

SCREEN_PREFIX = "screen."
PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")

# The placeholders the printer fills in each label of a printed plan (glossary `labels:`);
# every other label offers none. Labels are filled by fill_label, never by str.format.
LABEL_FIELDS: dict[str, frozenset[str]] = {
    "plan": frozenset({"operation", "subject", "customer"}),
    "rejections": frozenset({"count"}),
}
_FORMATTER = string.Formatter()

_EXAMPLE: Any = {"en": "The customer approves in Mina tjänster.",
            "sv": "Kunden godkänner i Mina tjänster."}


class LocalText(RootModel[_Text | dict[Lang, _Text]]):
    """A text in each of the catalogue's languages (language: text). A plain string is one
    text for every language, which `collab validate` warns about when several are declared."""

    model_config = ConfigDict(strict=True, frozen=True, defer_build=True,
                              json_schema_extra={"examples": [_EXAMPLE]})

    def __hash__(self) -> int:
        return hash(self.root if isinstance(self.root, str) else tuple(sorted(self.root.items())))

    def __str__(self) -> str:
        """The text in the first language it is written in (for templates and logs)."""
        return self.in_("")

    def in_(self, lang: str) -> str:
        """The text in ``lang``, else in the first language it has (validation reports gaps)."""
        if isinstance(self.root, str):
            return self.root
        return self.root.get(lang) or next(iter(self.root.values()))

    def each(self) -> Iterator[tuple[str | None, str]]:
        """(language, text) of every translation; None for a plain string."""
        if isinstance(self.root, str):
            yield None, self.root
        else:
            yield from self.root.items()


class Word(RootModel[dict[Lang, _Word]]):
    """A word or short phrase in each of the catalogue's languages."""

    model_config = ConfigDict(strict=True, frozen=True, defer_build=True,
                              json_schema_extra={"examples": [{"en": "Customers", "sv": "Kunder"}]})

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.root.items())))

    def in_(self, lang: str) -> str:
        return self.root.get(lang) or next(iter(self.root.values()))


class Glossary(Model):
    """The words texts share: screen names, how fact values read, and a printed plan's words."""

    screens: dict[Id, Word] = Field(
        {},
        description="Screens, tabs, buttons and menus, as texts name them: `{screen.<id>}`. "
        "Swedish names are written exactly as the Swedish help pages write them.",
        examples=[{"customers": {"en": "Customers", "sv": "Kunder"}}],
    )
    values: dict[Id, Word] = Field(
        {},
        description="How a fact's value reads inside a text (`{invoice_recipient}` is agency); "
        "a value not listed reads as it is.",
        examples=[{"agency": {"en": "agency", "sv": "byrån"}}],
    )
    labels: dict[Id, Word] = Field(
        {},
        description="The words of a plan printed as text: headings, outcomes, operations, actors "
        "(`{...}` in them are filled by the printer).",
        examples=[{"steps": {"en": "Steps", "sv": "Steg"}}],
    )
    facts: dict[str, Word] = Field(
        {},
        description="How a plan names a fact the rules decided (its `Defaults applied`): one per "
        "fact a rule may set; without one, the plan shows the fact's name.",
        examples=[{"invoice_recipient": {"en": "Invoice recipient", "sv": "Fakturamottagare"}}],
    )

    def entries(self) -> Iterator[tuple[str, str, Word]]:
        """(section, key, word) of every entry."""
        for section in ("screens", "values", "labels", "facts"):
            for key, word in getattr(self, section).items():
                yield section, key, word

    def label(self, key: str, lang: str, /, **fields: object) -> str:
        """The printed word for ``key`` in ``lang``: the glossary's, else the tool's
        (engine.catalogue.words)."""
        return tool_word(key, lang, self.words(lang), **fields)

    def words(self, lang: str) -> dict[str, str]:
        """The glossary's labels in ``lang``, for engine.catalogue.words.tool_word."""
        return {key: word.in_(lang) for key, word in self.labels.items()}


def label_problems(text: str, offered: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    """(code, message, hint) of each problem with a label's placeholders: braces that do not
    pair (CAT071), a placeholder the label does not offer (CAT072), a format spec or
    conversion (CAT073: `{count:>400000000}` made one plan 400 MB)."""
    offers = (f"this label offers {', '.join(f'{{{name}}}' for name in sorted(offered))}"
              if offered else "this label offers no placeholder")
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as error:
        yield ("CAT071", f"broken braces in label: {error}",
               f"write {{{{ and }}}} for a brace shown as it is; {offers}")
        return
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in offered:
            yield "CAT072", f"unknown placeholder '{{{name}}}' in label", offers
        elif spec or conversion:
            written = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            yield ("CAT073", f"format spec in label placeholder '{written}'",
                   f"write {{{name}}} alone: the printer formats its value")


def fill_label(text: str, /, **fields: object) -> str:
    """``text`` with each `{name}` of ``fields`` replaced by its value: nothing else of
    str.format (no format spec, attribute or index), and never an error; a text that is not
    valid (validate reports it, CAT071-CAT073) is shown as it is written."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        return text
    parts = []
    for literal, name, spec, conversion in parsed:
        parts.append(literal)
        if name is None:
            continue
        if name in fields and not spec and not conversion:
            parts.append(str(fields[name]))
        else:
            parts.append(f"{{{name}{'!' + conversion if conversion else ''}"
                         f"{':' + spec if spec else ''}}}")
    return "".join(parts)


@lru_cache(maxsize=4096)
def _template(text: str) -> tuple[tuple[str, str], ...]:
    """``text`` cut once into (literal, placeholder name) pairs, the last name empty."""
    parts, start = [], 0
    for match in PLACEHOLDER.finditer(text):
        parts.append((text[start:match.start()], match.group(1)))
        start = match.end()
    parts.append((text[start:], ""))
    return tuple(parts)


class _Words:
    """A glossary's words in one language, as fill reads them: looked up once, not per text."""

    def __init__(self, glossary: Glossary, lang: str) -> None:
        self.glossary = glossary  # kept alive: _WORDS is keyed by its id
        self.lang = lang
        self.not_given = glossary.label("not_given", lang)
        self.answers = (glossary.label("answer_no", lang), glossary.label("answer_yes", lang))
        self.values = {key: word.in_(lang) for key, word in glossary.values.items()}
        self.screens = {key: word.in_(lang) for key, word in glossary.screens.items()}


_WORDS: dict[tuple[int, str], _Words] = {}
_WORDS_KEPT = 32  # glossaries x languages (a long-lived studio sees many catalogues)


def _words(glossary: Glossary, lang: str) -> _Words:
    found = _WORDS.get((id(glossary), lang))
    if found is None or found.glossary is not glossary:
        if len(_WORDS) >= _WORDS_KEPT:
            _WORDS.clear()
        found = _WORDS[id(glossary), lang] = _Words(glossary, lang)
    return found


@lru_cache(maxsize=4096)
def _compiled(text: str, words: _Words) -> tuple[tuple[str, str], ...]:
    """``text`` as (literal, fact name) pairs in ``words``' language, its `{screen.<id>}`
    placeholders already in the literals (the last name empty): compiled once per text."""
    parts: list[tuple[str, str]] = []
    literal = ""
    for text_part, name in _template(text):
        literal += text_part
        if name.startswith(SCREEN_PREFIX):
            screen = words.screens.get(name[len(SCREEN_PREFIX):])
            literal += screen if screen is not None else "{" + name + "}"
        elif name:
            parts.append((literal, name))
            literal = ""
    parts.append((literal, ""))
    return tuple(parts)


def fill(text: str, facts: dict[str, Any], glossary: Glossary, lang: str) -> str:
    """``text`` with its `{fact}` and `{screen.<id>}` placeholders replaced, in ``lang``."""
    if len(_template(text)) == 1:
        return text
    words = _words(glossary, lang)
    filled = []
    for literal, name in _compiled(text, words):
        filled.append(literal)
        if not name:
            continue
        found = facts.get(name)
        if isinstance(found, LocalText):
            found = found.in_(lang)
        if found is None or found == "":
            filled.append(words.not_given)
        elif isinstance(found, bool):
            filled.append(words.answers[found])
        else:
            shown = str(found)
            filled.append(words.values.get(shown, shown))
    return "".join(filled)
