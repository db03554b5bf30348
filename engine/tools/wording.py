"""A rule's conditions and a fact's values in a person's words, for docs, flowcharts, explain
and the studio.

A language whose words (the catalogue's glossary, else engine.catalogue.words) name the facts
(``fact.<name>``) reads "kunden abonnerar på tjänsten: ja"; the values are the catalogue's
names (a scenario's, a service's, a variant's) and the glossary's value words. A language
without them shows the conditions as the catalogue writes them (`customer.has_subscription` =
true), which is what the English pages do.
"""

from __future__ import annotations

from typing import Any

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.facts import (
    FACTS,
    OPERATIONS,
    PERIODS,
    SCENARIOS,
    SERVICES,
    SETTING_PREFIX,
    VARIANTS,
)
from engine.catalogue.rule import Compare, When, operator_of
from engine.catalogue.types import Scalar
from engine.catalogue.words import WORDS, tool_word
from engine.evaluation.operators import conditions


def _words(catalogue: Catalogue, lang: str) -> dict[str, str]:
    return catalogue.pipeline.glossary.words(lang)


def word(catalogue: Catalogue, lang: str, key: str, **fields: object) -> str:
    """The tool's word for ``key`` in ``lang`` (the glossary first)."""
    return tool_word(key, lang, _words(catalogue, lang), **fields)


def _has(catalogue: Catalogue, lang: str, key: str) -> bool:
    return key in _words(catalogue, lang) or key in WORDS.get(lang, {})


def fact_word(catalogue: Catalogue, lang: str, name: str) -> str | None:
    """How ``lang`` names the fact; None when it has no word for it."""
    if name.startswith(SETTING_PREFIX):
        setting = next((s for service in catalogue.services.values() for s in service.settings
                        if s.id == name[len(SETTING_PREFIX):]), None)
        if setting is None or not _has(catalogue, lang, "fact.setting"):
            return None
        description = setting.description.in_(lang).split(":")[0].split(".")[0]
        description = description.strip()
        return word(catalogue, lang, "fact.setting",
                    description=description[:1].lower() + description[1:])
    key = f"fact.{name}"
    return word(catalogue, lang, key) if _has(catalogue, lang, key) else None


def value_word(catalogue: Catalogue, lang: str, fact: str, value: Any) -> str:
    """A fact's value as ``lang`` reads it: the catalogue's names and the glossary's words."""
    if value is None:
        return word(catalogue, lang, "condition_value_missing")
    if isinstance(value, bool):
        return word(catalogue, lang, "answer_yes" if value else "answer_no")
    spec = FACTS.get(fact)
    domain = spec.domain if spec is not None else None
    if domain == PERIODS:
        return word(catalogue, lang, "months", count=value)
    text = str(value)
    if domain == OPERATIONS:
        return word(catalogue, lang, text)
    if domain == SCENARIOS:
        scenario = next((s for s in catalogue.pipeline.scenarios if s.id == text), None)
        return scenario.name.in_(lang) if scenario is not None else text
    if domain == SERVICES and text in catalogue.services:
        return catalogue.services[text].name
    if domain == VARIANTS:
        names = list(dict.fromkeys(v.name for service in catalogue.services.values()
                                   for v in service.variants if v.id == text))
        if names:
            return " / ".join(names)
    glossary = catalogue.pipeline.glossary.values.get(text)
    if glossary is not None:
        return glossary.in_(lang)
    return tool_word(f"value.{text}", lang) if _has(catalogue, lang, f"value.{text}") else text


def condition_words(catalogue: Catalogue, lang: str, fact: str,
                    test: Scalar | list[Scalar] | Compare) -> str | None:
    """One condition in ``lang``'s words; None when ``lang`` does not name the fact."""
    name = fact_word(catalogue, lang, fact)
    if name is None:
        return None
    operator, operand = operator_of(test)

    def each(values: list[Scalar]) -> str:
        return word(catalogue, lang, "or_list").join(
            value_word(catalogue, lang, fact, v) for v in values)

    if operator.name == "present":
        return word(catalogue, lang, "op_present" if operand else "op_absent", fact=name)
    if operator.name == "=":
        shown = value_word(catalogue, lang, fact, operand)
    elif operator.name in ("list", "in"):
        shown = word(catalogue, lang, "op_in", values=each(operand))
    elif operator.name == "not_in":
        shown = word(catalogue, lang, "op_not_in", values=each(operand))
    else:
        shown = word(catalogue, lang, f"op_{operator.name}",
                     value=value_word(catalogue, lang, fact, operand))
    return word(catalogue, lang, "condition", fact=name, value=shown)


def when_words(catalogue: Catalogue, lang: str, when: When) -> str:
    """All of a rule's conditions in ``lang``'s words, or as the catalogue writes them
    (engine.evaluation.operators.conditions) when ``lang`` does not name every fact."""
    found = _when(catalogue, lang, when)
    return conditions(when) if found is None else found


def _when(catalogue: Catalogue, lang: str, when: When) -> str | None:
    parts = [condition_words(catalogue, lang, fact, test) for fact, test in when.tests.items()]
    alternatives = [_when(catalogue, lang, alternative) for alternative in when.any or []]
    words = [part for part in parts if part is not None]
    choices = [a for a in alternatives if a is not None]
    if len(words) < len(parts) or len(choices) < len(alternatives):
        return None
    if choices:
        words.append(word(catalogue, lang, "any_of_list",
                          alternatives=" | ".join(f"({a})" for a in choices)))
    return word(catalogue, lang, "and_list").join(words) or word(catalogue, lang, "always")


def speaks_facts(catalogue: Catalogue, lang: str) -> bool:
    """Whether ``lang`` names facts in words (else conditions show as written)."""
    return _has(catalogue, lang, "fact.operation")
