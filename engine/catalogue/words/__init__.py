"""The tool's own words around the catalogue's texts, one table per language (en.py, sv.py).

Plans, `collab explain`, the pages of `collab docs` and the studio print headings, outcomes,
actors and labels around the catalogue's sentences. Each is looked up by key: first in the
catalogue's glossary (`labels:` in rules/pipeline.yaml, the product owner's words), then here in
the language asked for, then here in English. A language the table lacks therefore prints
English words around its texts until its glossary gives them; no code changes are needed.

The Swedish words follow docs/catalogue/swedish.md: the reader is *du* on the agency, the help
pages' names and verbs, no English identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.catalogue.words import en, sv

ENGLISH = "en"
_EN = en.WORDS

WORDS: dict[str, dict[str, str]] = {ENGLISH: en.WORDS, "sv": sv.WORDS}


def tool_word(key: str, lang: str, glossary: Mapping[str, str] | None = None, /,
              **fields: object) -> str:
    """The word for ``key`` in ``lang``: the catalogue's glossary (``glossary``: its labels in
    ``lang``) first, then the tool's table in ``lang``, then in English; without any, the key in
    words. ``{...}`` in it are filled from ``fields``: a glossary label, the product owner's
    text, only by name and never failing (CAT071-CAT073); the tool's own words with str.format
    (their widths and alignments)."""
    if glossary and key in glossary:
        from engine.catalogue.language import fill_label  # language.py imports this module

        return fill_label(glossary[key], **fields) if fields else glossary[key]
    text = next((table[key] for table in (WORDS.get(lang, {}), _EN) if key in table),
                key.replace("_", " "))
    return text.format(**fields) if fields else text
