"""YAML syntax errors in a product owner's words.

PyYAML (and libyaml) report where parsing stopped ("mapping values are not allowed here",
"did not find expected key"), not what the writer did wrong. Most such errors are one of three
mistakes, recognised here from the text around the error, as yamllint does:

- a line indented wrongly: said as "indented 3 spaces; expected 4 (as `description:` on
  line 4) or 2", counting the indentations the line could belong with;
- a value holding ': ' (`description: Note: this`), which YAML reads as another key;
- a key without the space after its colon (`id:x`), which YAML reads as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = re.compile(r"^(?P<key>[^\s#'\"{\[][^:#]*?):(?:\s|$)")
_NO_SPACE = re.compile(r"^(?:- +)?(?P<key>[A-Za-z_][\w.-]*):(?P<value>[^\s/:][^\s]*)\s*(?:#.*)?$")
_SECOND_COLON = re.compile(r"^(?:- +)?[^\s#'\"{\[][^:#]*?: +(?P<value>[^'\"{\[|>&*!#][^#]*?: .*)$")


@dataclass(frozen=True)
class Explained:
    line: int
    column: int
    message: str
    hint: str


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    indent: int
    body: str  # the text after the indentation

    @property
    def dash(self) -> bool:
        return self.body == "-" or self.body.startswith("- ")

    @property
    def content_indent(self) -> int:
        """Where the value after `- ` starts: its keys' siblings are indented this far."""
        rest = self.body[1:]
        return self.indent + 1 + len(rest) - len(rest.lstrip(" "))

    @property
    def opens_block(self) -> bool:
        """A key with its value below it (`when:`), a lone `-`, or a block text (`|`, `>`)."""
        body = re.sub(r"\s+#.*$", "", self.body).rstrip()
        return body.endswith(":") or body == "-" or bool(re.search(r":\s*[|>][-+0-9]*$", body))

    @property
    def label(self) -> str:
        body = self.body[2:].lstrip() if self.dash else self.body
        key = _KEY.match(body)
        return f"`{key.group('key')}:`" if key else f"`{body[:30]}`"


def _lines(text: str) -> list[_Line]:
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.lstrip(" ")
        if body and not body.startswith("#"):
            found.append(_Line(number, len(raw) - len(body), body.rstrip()))
    return found


def _spaces(count: int) -> str:
    return f"{count} space" + ("" if count == 1 else "s")


def _allowed(before: list[_Line], line: _Line) -> dict[int, _Line]:
    """The indentations ``line`` could have after ``before``, each with a line that has it."""
    allowed: dict[int, _Line] = {}
    previous = before[-1]
    if previous.opens_block:
        return {}  # anything deeper than the previous line is allowed (checked by the caller)
    lowest = previous.indent
    for above in reversed(before):  # the line above and the blocks it stands in
        if above.indent > lowest:
            continue
        lowest = above.indent
        if above.dash:
            allowed.setdefault(above.content_indent, above)
            if line.dash:
                allowed.setdefault(above.indent, above)
        else:
            allowed.setdefault(above.indent, above)
    return allowed


def explain_indentation(text: str, line_number: int) -> Explained | None:
    """The indentation mistake on ``line_number`` (or the line it continues), if there is one."""
    lines = _lines(text)
    index = next((i for i, line in enumerate(lines) if line.number == line_number), None)
    if not index:  # not a content line, or the first one: nothing to compare it with
        return None
    line, before = lines[index], lines[:index]
    previous = before[-1]
    if previous.opens_block:
        if line.indent > previous.indent or (line.dash and line.indent == previous.indent):
            return None
        return Explained(line.number, line.indent + 1,
                         f"wrong indentation: {line.label} is indented {_spaces(line.indent)}; "
                         f"expected more than {previous.indent} (below {previous.label} on "
                         f"line {previous.number})",
                         f"indent what belongs to {previous.label} further than it, or give "
                         f"{previous.label} a value")
    allowed = _allowed(before, line)
    if line.indent in allowed:
        return None
    nearest = sorted(allowed, key=lambda n: (abs(n - line.indent), -n))
    nearest = nearest[:1] if line.indent > previous.indent else nearest[:2]
    expected = " or ".join(f"{n} (as {allowed[n].label} on line {allowed[n].number})"
                           for n in nearest)
    if line.indent > previous.indent:
        hint = (f"{previous.label} on line {previous.number} already has its value, so line "
                f"{line.number} cannot be inside it: indent it as far as the field it follows"
                " (or, if it continues a text, put the whole text in quotes)")
    else:
        hint = ("YAML nests by indentation, in spaces: indent the line as far as the fields "
                "it belongs with")
    return Explained(line.number, line.indent + 1,
                     f"wrong indentation: {line.label} is indented {_spaces(line.indent)}; "
                     f"expected {expected}", hint)


def explain_colon(text: str, line_number: int) -> Explained | None:
    """A ': ' inside a value on ``line_number``, or a missing space after a key's colon just
    above it ("mapping values are not allowed here")."""
    lines = {line.number: line for line in _lines(text)}
    line = lines.get(line_number)
    if line is None:
        return None
    second = _SECOND_COLON.match(line.body)
    if second:
        key = line.label
        value = second.group("value").strip()
        return Explained(line.number, line.indent + 1,
                         f"the value of {key} contains ': ', which YAML reads as another key",
                         f"put the value in quotes: {key[1:-1]} \"{value}\"")
    for number in range(line_number, max(line_number - 3, 0), -1):
        above = lines.get(number)
        missing = _NO_SPACE.match(above.body) if above else None
        if above and missing:
            key, value = missing.group("key"), missing.group("value")
            return Explained(above.number, above.indent + 1,
                             f"`{key}:{value}` has no space after the colon, so YAML reads it "
                             "as text, not as a key and value",
                             f"write `{key}: {value}`")
    return None


def explain(text: str, line_number: int, problem: str) -> Explained | None:
    """A YAML parser's complaint at ``line_number`` in the writer's words, if recognised."""
    lines = text.splitlines()
    raw = lines[line_number - 1] if 0 < line_number <= len(lines) else ""
    indentation = raw[:len(raw) - len(raw.lstrip(" \t"))]
    if "\t" in indentation:
        return Explained(line_number, indentation.index("\t") + 1,
                         f"line {line_number} is indented with a tab; YAML indents with spaces only",
                         "replace the tab with spaces")
    mapping_values = "mapping values are not allowed" in problem
    if mapping_values:
        found = explain_colon(text, line_number)
        if found:
            return found
    found = explain_indentation(text, line_number)
    if found or not mapping_values:
        return found
    return Explained(line_number, 0,
                     "YAML found a key (a ': ') where none can start",
                     "indent this line as far as the fields it belongs with, put a value "
                     "holding ': ' in quotes, or add the space missing after a key's colon "
                     "(`key: value`)")
