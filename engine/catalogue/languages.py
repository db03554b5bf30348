"""Checks that every text and glossary entry of a catalogue is written in every language its
pipeline declares (CAT050-CAT052, CAT054, CAT055), that each glossary label uses only the
placeholders the printer offers it (CAT071-CAT073), each problem at the text's own line; and
that no text holds a Mermaid directive (CAT070).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from engine.catalogue.documents import Document, PathKey
from engine.catalogue.facts import FACTS
from engine.catalogue.language import (
    LABEL_FIELDS,
    PLACEHOLDER,
    SCREEN_PREFIX,
    LocalText,
    label_problems,
)
from engine.catalogue.messages import PIPELINE_FILE, did_you_mean
from engine.catalogue.pipeline import Pipeline
from engine.errors import Severity

Problem = tuple[Document, PathKey, str, str, str, Severity]


def language_problems(pipeline: Pipeline, files: list[tuple[Any, Document]]) -> Iterator[Problem]:
    """Every text missing a declared language; ``files`` are (model, document), the pipeline's
    first (it holds the glossary)."""
    declared, default = pipeline.languages, pipeline.default_language
    written = ", ".join(declared)
    pipeline_document = files[0][1]
    if default not in declared:
        yield (pipeline_document, ("default_language",), "CAT054",
               f"default language '{default}' is not declared in `languages:`",
               did_you_mean(default, declared) or f"use one of {written}", Severity.ERROR)

    def check(document: Document, key: PathKey, languages: set[str], what: str,
              code: str) -> Iterator[Problem]:
        for lang in declared:
            if lang not in languages:
                yield (document, key, code, f"{what} has no '{lang}': the catalogue is written in "
                       f"{written}", f"add `{lang}:` with the {what} in it", Severity.ERROR)
        for lang in sorted(languages - set(declared)):
            yield (document, (*key, lang), "CAT052", f"{what} in '{lang}', which the catalogue "
                   "does not declare", f"add {lang} to `languages:` in rules/{PIPELINE_FILE}, or "
                   "remove it", Severity.WARNING)

    for model, document in files:
        for key, text in _local_texts(model):
            if isinstance(text.root, str):  # one text for every language: a draft
                if len(declared) > 1:
                    yield (document, key, "CAT055", "text written once, not per language: plans "
                           "in every language show it as written", "write it as a mapping, one "
                           f"text per language ({written})", Severity.WARNING)
                continue
            yield from check(document, key, set(text.root), "text", "CAT050")
    for section, entry, word in pipeline.glossary.entries():
        yield from check(pipeline_document, ("glossary", section, entry), set(word.root),
                         f"glossary {section[:-1]} '{entry}'", "CAT051")


MERMAID_DIRECTIVE = "%%{"


def directive_problems(files: list[tuple[Any, Document]]) -> Iterator[Problem]:
    """A warning (CAT070) for each text holding a Mermaid directive (`%%{init: ...}%%`): the
    flowcharts draw it as text (engine/tools/flows.py), but in a Markdown viewer that draws
    Mermaid less carefully it could restyle the chart and fetch a URL."""
    for model, document in files:
        for key, text in _local_texts(model):
            for lang, words in text.each():
                if MERMAID_DIRECTIVE in words:
                    yield (document, key if lang is None else (*key, lang), "CAT070",
                           f"text holds a Mermaid directive '{MERMAID_DIRECTIVE}': the "
                           "flowcharts show it as text", "write it without `%%{`",
                           Severity.WARNING)


def glossary_label_problems(pipeline: Pipeline, document: Document) -> Iterator[Problem]:
    """Each glossary label's placeholders and format specs, in each language (CAT071-CAT073):
    labels are filled by the printer, so a stray `{` must not fail every plan, nor a format
    spec make one plan of any size."""
    for key, word in pipeline.glossary.labels.items():
        offered = LABEL_FIELDS.get(key, frozenset())
        for lang, text in word.root.items():
            for code, message, hint in label_problems(text, offered):
                yield (document, ("glossary", "labels", key, lang), code,
                       f"glossary label '{key}' in '{lang}': {message}", hint, Severity.ERROR)


def placeholder_problems(text: LocalText, key: PathKey, known: Callable[[str], bool],
                         screens: set[str] | None) -> Iterator[tuple[PathKey, str, str, str]]:
    """Unknown `{fact}`s (CAT028) and `{screen.<id>}`s (CAT053) in each language of ``text``."""
    for lang, words in text.each():
        where = key if lang is None else (*key, lang)
        for name in PLACEHOLDER.findall(words):
            if name.startswith(SCREEN_PREFIX):
                screen = name[len(SCREEN_PREFIX):]
                if screens is not None and screen not in screens:
                    yield (where, "CAT053", f"unknown screen '{{{name}}}' in text",
                           did_you_mean(screen, screens) or
                           f"declare it under glossary: screens: in rules/{PIPELINE_FILE}")
            elif not known(name):
                yield (where, "CAT028", f"unknown fact '{{{name}}}' in text",
                       did_you_mean(name, FACTS) or "use a fact listed in docs/facts")


_LEAVES = (str, int, bool, float, type(None))  # values that hold no text to check


def _local_texts(value: object, key: PathKey = ()) -> list[tuple[PathKey, LocalText]]:
    """(path, text) of every LocalText in a validated model, for naming its line."""
    found: list[tuple[PathKey, LocalText]] = []
    _collect(value, key, found)
    return found


def _collect(value: object, key: PathKey, found: list[tuple[PathKey, LocalText]]) -> None:
    # a plain recursion over the declared fields (not a generator, not the model_fields
    # property): at 100x the shipped catalogue this walk took a third of the checks' time
    if isinstance(value, LocalText):
        found.append((key, value))
    elif isinstance(value, BaseModel):
        for name, field in type(value).__pydantic_fields__.items():
            item = getattr(value, name)
            if type(item) not in _LEAVES:
                _collect(item, (*key, field.alias or name), found)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if type(item) not in _LEAVES:
                _collect(item, (*key, index), found)
