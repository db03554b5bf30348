"""The JSON Schemas in schemas/ help whoever edits the YAML: every field is described and has
an example that the schema itself accepts, and every catalogue and example file names its
schema so that an editor (yaml-language-server) completes and checks it."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))
YAML_FILES = sorted(p for folder in ("services", "rules", "examples", "tests/scenarios")
                    for p in (ROOT / folder).glob("*.yaml"))
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$")


def _load(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _subschemas(node: Any, parts: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every schema object in the document with its path, skipping `examples` and `default` values."""
    if isinstance(node, dict):
        yield parts, node
        for key, value in node.items():
            if key in ("examples", "default", "const", "enum", "allOf"):
                continue  # allOf holds constraints on fields together (a non-empty then), not fields
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    yield from _subschemas(sub, (*parts, key, name))
            else:
                yield from _subschemas(value, (*parts, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _subschemas(item, (*parts, str(index)))


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(JSON pointer, schema) of every property in the document, in $defs too."""
    return [(_pointer(parts), node) for parts, node in _subschemas(schema)
            if len(parts) >= 2 and parts[-2] == "properties"]


def _validator(schema: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for the subschema at ``pointer``, resolving `$ref`s within its document."""
    registry: Registry[Any] = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft202012Validator({"$ref": schema["$id"] + "#" + pointer}, registry=registry)


def test_there_are_schemas() -> None:
    names = {p.name for p in SCHEMAS}
    assert {"service.schema.json", "rules.schema.json", "pipeline.schema.json", "domain.schema.json",
            "request.schema.json", "plan.schema.json"} <= names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_property_has_a_description_and_an_example(path: Path) -> None:
    schema = _load(path)
    Draft202012Validator.check_schema(schema)
    properties = _properties(schema)
    assert properties, f"{path.name}: no properties found"
    undescribed = [p for p, s in properties if not str(s.get("description", "")).strip()]
    without_example = [p for p, s in properties if not s.get("examples")]
    assert not undescribed, f"{path.name}: properties without a description: {undescribed}"
    assert not without_example, f"{path.name}: properties without examples: {without_example}"


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_example_is_valid(path: Path) -> None:
    schema = _load(path)
    invalid = []
    for parts, node in _subschemas(schema):
        examples = node.get("examples")
        if not isinstance(examples, list):
            continue
        validator = _validator(schema, _pointer(parts))
        for example in examples:
            invalid += [f"{_pointer(parts)}: {example!r}: {error.message}"
                        for error in validator.iter_errors(example)]
    assert not invalid, f"{path.name}: examples the schema rejects:\n" + "\n".join(invalid)


def schema_for(path: Path) -> Path:
    """The schema in schemas/ for a catalogue file: the one its first lines name, else the one
    for its place (services/, rules/pipeline.yaml, rules/domain.yaml, rules/)."""
    named = _schema_of(path) if path.is_file() else None
    if named is not None:
        return ROOT / "schemas" / named.name
    if path.parent.name == "services":
        return ROOT / "schemas" / "service.schema.json"
    return ROOT / "schemas" / {"pipeline.yaml": "pipeline.schema.json",
                               "domain.yaml": "domain.schema.json"}.get(path.name,
                                                                        "rules.schema.json")


def _schema_of(path: Path) -> Path | None:
    """The schema file named by the modeline within the first 3 lines of ``path``, if any."""
    for line in path.read_text(encoding="utf-8").splitlines()[:3]:
        match = MODELINE.match(line)
        if match:
            return (path.parent / match.group(1)).resolve()
    return None


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_file_names_an_existing_schema(path: Path) -> None:
    schema = _schema_of(path)
    assert schema is not None, (
        f"{path.relative_to(ROOT)}: start it with `# yaml-language-server: $schema=../schemas/...`")
    assert schema.parent == ROOT / "schemas" and schema.is_file(), (
        f"{path.relative_to(ROOT)}: its $schema is not a file in schemas/: {schema}")


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_file_is_valid_against_its_schema(path: Path) -> None:
    """What an editor would flag: the shipped files pass the schema they name."""
    schema_path = _schema_of(path)
    if schema_path is None or not schema_path.is_file():
        pytest.skip("names no schema (reported by the test above)")
    schema = _load(schema_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
              for e in _validator(schema, "").iter_errors(data)]
    assert not errors, f"{path.relative_to(ROOT)} against {schema_path.name}:\n" + "\n".join(errors)


def test_yaml_files_are_found() -> None:
    folders = {p.parent.name for p in YAML_FILES}
    assert folders == {"services", "rules", "examples", "scenarios"}


# --------------------------------------------------------------------------- what editors catch

BROKEN = sorted((ROOT / "tests" / "broken").glob("*.yaml"))
# Broken catalogues JSON Schema cannot describe, and why; the schemas catch every other one.
SCHEMA_BLIND = {
    "cat050-text-missing-a-language": "a description's languages; the schemas hold them for step, "
    "warning and rejection texts only",
    "cat051-glossary-entry-missing-a-language": "the glossary's languages, declared in the same file",
    "cat052-text-in-undeclared-language": "a warning about a description's languages",
    "cat054-default-language-not-declared": "two fields of the pipeline together",
    "cat055-text-written-once": "a warning: a plain string is a valid text",
    "ana001-contradictory-defaults": "the analysis of the rules together",
    "ana002-approval-contradiction": "the analysis of the rules together",
    "ana003-rejects-a-default": "the analysis of the rules together",
    "ana004-missing-scenario": "the analysis of the rules together",
    "ana005-unreachable-rule": "the analysis of the rules together",
    "ana006-steps-always-rejected": "the analysis of the rules together",
    "ana007-fact-no-request-carries": "the analysis of the rules together",
    "cat001-not-a-catalogue": "a folder missing: no file to check",
    "cat003-required-file-missing": "a file missing: no file to check",
    "cat010-service-declared-twice": "an id unique across files",
    "cat011-variant-declared-twice": "an id unique within a list of mappings",
    "cat015-bundle-cycle": "a cycle between files",
    "cat020-duplicate-rule-id": "an id unique across files",
    "cat030-domain-fact-twice": "an id unique within a list of mappings",
    "cat031-phase-twice": "an id unique within a list of mappings",
    "cat040-uncited-domain-fact": "a fact cited by no file",
    "cat060-rule-beyond-engine-limits": "a limit of durable-rules' compiled rule (and/or markers)",
    "cat070-mermaid-directive-in-text": "a warning: `%%{` is valid text",
    "ana009-stale-allow": "the analysis: whether a finding still occurs is known only by running it",
    "cat071-label-lone-brace": "a label's braces: Python's format syntax, checked by the printer's parser",
    "cat072-label-unknown-placeholder": "the placeholders a label offers depend on its key (the printer's)",
    "cat073-label-format-spec": "a label's format specs: Python's format syntax, the printer's parser",
    "yaml005-merge-key": "YAML merges the keys before a schema sees them",
    "yaml006-octal-number": "YAML reads 012 as a number (10 in YAML 1.1, 12 in 1.2) that fits",
}


def edited_files(case: Path, root: Path) -> list[Path]:
    """The catalogue files a broken case writes, once its edits are applied to ``root``."""
    from test_broken_catalogues import apply

    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, root / folder)
    edits = yaml.safe_load(case.read_text(encoding="utf-8"))["edits"]
    for edit in edits:
        apply(edit, root)
    return sorted({root / e["file"] for e in edits
                   if (root / e["file"]).is_file() and e["file"].endswith(".yaml")})


def schema_catches(files: list[Path]) -> bool:
    """Whether a schema (or YAML itself) rejects any of ``files``, read as check-jsonschema
    reads them (ruamel.yaml, YAML 1.2, duplicate keys refused)."""
    for path in files:
        try:
            data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        except (YAMLError, UnicodeDecodeError, RecursionError):
            return True
        if any(_validator(_load(schema_for(path)), "").iter_errors(data)):
            return True
    return False


@pytest.mark.parametrize("case", BROKEN, ids=[p.stem for p in BROKEN])
def test_the_schemas_catch_every_broken_catalogue_they_can_describe(case: Path,
                                                                    tmp_path: Path) -> None:
    caught = schema_catches(edited_files(case, tmp_path))
    assert caught == (case.stem not in SCHEMA_BLIND), (
        f"{case.stem}: {'caught' if caught else 'not caught'} by the schemas")
