"""The files generated from a catalogue (its Markdown pages and JSON Schemas), and the one
command that brings them up to date: `collab sync` (also run by the studio after a save and
by the pre-commit hook). Every `--check` failure names that command."""

from __future__ import annotations

from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.files import SyncReport, sync_files
from engine.render.plan import to_json
from engine.tools.docs import render
from engine.tools.schema import generate

DOCS_FOLDER, SCHEMAS_FOLDER, SYNC_COMMAND = "docs/catalogue", "schemas", "collab sync"


def schema_files(catalogue: Catalogue) -> dict[str, str]:
    return {name: to_json(schema) for name, schema in generate(catalogue).items()}


def write_docs(catalogue: Catalogue, folder: Path, check: bool = False,
               lang: str | None = None) -> SyncReport:
    return sync_files(render(catalogue, lang), folder, check, SYNC_COMMAND)


def write_schemas(catalogue: Catalogue, folder: Path, check: bool = False) -> SyncReport:
    return sync_files(schema_files(catalogue), folder, check, SYNC_COMMAND)


def sync(catalogue: Catalogue, check: bool = False) -> SyncReport:
    """Every generated file of ``catalogue``, in its own folder: the pages in docs/catalogue/
    (default language) and the schemas in schemas/. Only files whose text changes are written."""
    files = {f"{DOCS_FOLDER}/{name}": text for name, text in render(catalogue, None).items()}
    files |= {f"{SCHEMAS_FOLDER}/{name}": text for name, text in schema_files(catalogue).items()}
    return sync_files(files, catalogue.root, check, SYNC_COMMAND)
