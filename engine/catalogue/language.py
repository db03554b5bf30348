"""Texts in several languages, and the glossary of the words texts share.

Every sentence of the catalogue is a LocalText: one text per language that rules/pipeline.yaml
declares (`languages:`). Texts name screens through `{screen.<id>}` placeholders declared once
in the pipeline's `glossary:`, so a renamed screen is one edit. No code here knows which
languages exist: a product owner adds one by adding texts (`collab validate` lists the ones
missing, CAT050).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import ConfigDict, Field, RootModel, StringConstraints

from engine.catalogue.types import Id, Model
from engine.catalogue.words import tool_word

Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
_Word = Annotated[str, StringConstraints(min_length=1, max_length=300)]

SCREEN_PREFIX = "screen."
PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")

_EXAMPLE: Any = {"en": "The customer approves in Mina tjänster.",
            "sv": "Kunden godkänner i Mina tjänster."}


class LocalText(RootModel[_Text | dict[Lang, _Text]]):
    """A text in each of the catalogue's languages (language: text). A plain string is one
    text for every language, which `collab validate` warns about when several are declared."""

    model_config = ConfigDict(strict=True, frozen=True,
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

    model_config = ConfigDict(strict=True, frozen=True,
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

    def entries(self) -> Iterator[tuple[str, str, Word]]:
        """(section, key, word) of every entry."""
        for section in ("screens", "values", "labels"):
            for key, word in getattr(self, section).items():
                yield section, key, word

    def label(self, key: str, lang: str, **fields: object) -> str:
        """The printed word for ``key`` in ``lang``: the glossary's, else the tool's
        (engine.catalogue.words)."""
        return tool_word(key, lang, self.words(lang), **fields)

    def words(self, lang: str) -> dict[str, str]:
        """The glossary's labels in ``lang``, for engine.catalogue.words.tool_word."""
        return {key: word.in_(lang) for key, word in self.labels.items()}


def fill(text: str, facts: dict[str, Any], glossary: Glossary, lang: str) -> str:
    """``text`` with its `{fact}` and `{screen.<id>}` placeholders replaced, in ``lang``."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith(SCREEN_PREFIX):
            screen = glossary.screens.get(name[len(SCREEN_PREFIX):])
            return screen.in_(lang) if screen is not None else match.group(0)
        found = facts.get(name)
        if isinstance(found, LocalText):
            found = found.in_(lang)
        if found is None or found == "":
            return glossary.label("not_given", lang)
        if isinstance(found, bool):
            return glossary.label("answer_yes" if found else "answer_no", lang)
        word = glossary.values.get(str(found))
        return word.in_(lang) if word is not None else str(found)

    return PLACEHOLDER.sub(value, text)
