"""Messages a product owner can act on: YAML and shape mistakes are said in the writer's words,
at the line to fix, without PyYAML's or pydantic's own wording."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine import load_catalogue, load_request
from engine.catalogue.documents import load_document
from engine.errors import CollabError, Diagnostic

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml"
# wording of the libraries underneath, which must never reach the user
LEAKS = re.compile(r"'(str|int|bool)':|Input should|mapping values are not allowed|"
                   r"could not find expected|did not find expected|block end|None\b|"
                   r"tag:yaml\.org|constructor")

RULE = """stage: decide
rules:
  - id: x
    description: y
{line}
"""


def problems_of(tmp_path: Path, text: str, name: str = "file.yaml") -> list[Diagnostic]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        load_document(path)
    except CollabError as error:
        return error.diagnostics
    return []


def only(problems: list[Diagnostic]) -> Diagnostic:
    assert len(problems) == 1, problems
    assert not LEAKS.search(problems[0].message + problems[0].hint), problems[0].render()
    return problems[0]


@pytest.mark.parametrize(("line", "column", "found", "expected"), [
    ("   source: [D1]", 4, "indented 3 spaces", "expected 4 (as `description:` on line 4)"),
    ("  source: [D1]", 3, "indented 2 spaces", "expected 4 (as `description:` on line 4)"),
    ("      source: [D1]", 7, "indented 6 spaces", "expected 4 (as `description:` on line 4)"),
])
def test_a_wrongly_indented_line_is_named_with_its_indentation(
        tmp_path: Path, line: str, column: int, found: str, expected: str) -> None:
    problem = only(problems_of(tmp_path, RULE.format(line=line)))
    assert (problem.code, problem.line, problem.column) == ("YAML001", 5, column)
    assert "wrong indentation: `source:`" in problem.message
    assert found in problem.message and expected in problem.message


def test_a_line_indented_between_two_levels(tmp_path: Path) -> None:
    text = ("stage: decide\nrules:\n  - id: x\n    when:\n      task.count: 0\n"
            "     operation: end\n")
    problem = only(problems_of(tmp_path, text))
    assert problem.line == 6
    assert problem.message == ("wrong indentation: `operation:` is indented 5 spaces; expected 6 "
                               "(as `task.count:` on line 5) or 4 (as `when:` on line 4)")


def test_a_top_level_field_indented(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, "id: scanner\nname: Visma Scanner\n variants: []\n"))
    assert problem.line == 3
    assert "`variants:` is indented 1 space; expected 0 (as `name:` on line 2)" in problem.message
    assert "already has its value" in problem.hint


def test_a_colon_in_a_value_gets_a_hint_to_quote_it(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, RULE.format(line="    source: Note: see D1")))
    assert problem.line == 5
    assert "contains ': '" in problem.message
    assert problem.hint == 'put the value in quotes: source: "Note: see D1"'


def test_a_missing_space_after_a_colon_is_named(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, "stage: decide\nrules:\n  - id:x\n    description: y\n"))
    assert problem.line == 3
    assert "`id:x` has no space after the colon" in problem.message
    assert problem.hint == "write `id: x`"


def test_a_tab_is_named(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, "stage: decide\nrules:\n\t- id: x\n"))
    assert "tab" in problem.message and problem.line == 3


def test_a_merge_key_is_said_as_such_not_as_a_tag(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n"))
    assert (problem.code, problem.line) == ("YAML005", 3)
    assert "merge key" in problem.message and "tag" not in problem.message


@pytest.mark.parametrize(("written", "said"), [
    ("012", "YAML reads 012 as the octal (base 8) number 10"),
    ("1:30", "YAML reads 1:30 as the base-60 number 90"),
    ("0x1F", "YAML reads 0x1F as the hexadecimal number 31"),
])
def test_a_number_yaml_reads_otherwise_says_what_yaml_made_of_it(
        tmp_path: Path, written: str, said: str) -> None:
    problem = only(problems_of(tmp_path, f"agreement_period: {written}\n"))
    assert (problem.code, problem.line, problem.column) == ("YAML006", 1, 19)
    assert problem.message.startswith(said)
    assert f'"{written}"' in problem.hint  # quoting keeps it as text


def test_quoted_and_ordinary_numbers_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_text('a: "012"\nb: 12\nc: 0\nd: 1.5\ne: "1:30"\n', encoding="utf-8")
    assert load_document(path).data == {"a": "012", "b": 12, "c": 0, "d": 1.5, "e": "1:30"}


def request_problems(tmp_path: Path, replace: str, with_: str) -> list[Diagnostic]:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert replace in text
    path = tmp_path / "request.yaml"
    path.write_text(text.replace(replace, with_, 1), encoding="utf-8")
    try:
        load_request(path, load_catalogue(ROOT))
    except CollabError as error:
        return error.diagnostics
    raise AssertionError("the request was accepted")


@pytest.mark.parametrize("written", ["0:12", "09"])
def test_a_number_yaml_reads_as_text_is_not_told_to_remove_quotes(tmp_path: Path,
                                                                  written: str) -> None:
    problem = only(request_problems(tmp_path, "agreement_period: 12",
                                    f"agreement_period: {written}"))
    assert f"YAML read {written} as text" in problem.message
    assert "quotes" not in problem.hint


def test_a_value_of_the_wrong_kind_is_said_in_words(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    path = tmp_path / "rules" / "30-preconditions.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      task.count: 0", "      task.count: {gt: [1]}", 1)
    text = text.replace("    source: [D10]", "    source: [D10, 15]", 1)
    path.write_text(text, encoding="utf-8")
    from engine import validate_catalogue

    problems = [p for p in validate_catalogue(tmp_path, analysis=False)[1] if p.code == "CAT002"]
    messages = sorted(p.message for p in problems)
    assert messages == ["'gt' must be a whole number, not a list",
                        "item 2 of 'source' must be text, but YAML read 15"]
    for problem in problems:
        assert not LEAKS.search(problem.message + problem.hint), problem.render()
