"""Diagnostics and the exceptions that carry them.

Every problem a user can cause is a `Diagnostic`: where it is (file, line, column), a stable
code, what is wrong in the user's words, and what to do about it. The core never prints or
exits; it raises one of the exceptions below and the CLI decides how to show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any


class Verdict(StrEnum):
    """What a command's result means for a script; the CLI maps each to one exit code."""

    OK = "ok"  # a plan allowed, a catalogue valid, every case passed, no plan changed
    NEGATIVE = "negative"  # a request rejected, a catalogue with errors, a case failed, ...
    UNUSABLE = "unusable"  # the input cannot be used at all
    INTERNAL = "internal"  # a bug


EXIT_CODE = {Verdict.OK: 0, Verdict.NEGATIVE: 1, Verdict.UNUSABLE: 2, Verdict.INTERNAL: 3}
"""A process's exit code for each verdict: the CLI's one table (README, "Exit codes")."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # for information: never fails a run, not even with --strict


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, at one place. Sorts by file, then position."""

    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    code: str
    message: str
    hint: str = ""
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def render(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: [{self.severity.value}] {self.message} ({self.code})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


class CollabError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    @property
    def verdict(self) -> Verdict:
        """The user's input cannot be used; an EngineError says it is a bug of ours."""
        return Verdict.UNUSABLE

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with what it holds, for a forked process that hands its error back (the
        default would call __init__ with the message alone)."""
        return (_restored, (type(self), str(self), self.__dict__))


def _restored(kind: type[CollabError], message: str, state: dict[str, Any]) -> CollabError:
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class InputError(CollabError):
    """A file could not be read or parsed: missing, not UTF-8, bad YAML, duplicate keys."""


class OutputError(CollabError):
    """An output could not be written: disk full, permissions, a closed standard output."""


class CatalogueError(CollabError):
    """The catalogue (services/ and rules/) is invalid."""


class RequestError(CollabError):
    """The request is malformed or names something the catalogue does not have."""


class EngineError(CollabError):
    """The rules engine failed while evaluating a valid request: a bug, not a user mistake."""

    @property
    def verdict(self) -> Verdict:
        return Verdict.INTERNAL


class DecisionConflictError(EngineError):
    """Two rules decided one fact differently for one request (the analysis reports it as ANA001)."""

    def __init__(self, diagnostics: list[Diagnostic], fact: str, rules: tuple[str, str]) -> None:
        super().__init__(diagnostics)
        self.fact = fact
        self.rules = rules


def display_path(path: Path) -> str:
    """A path as the user would recognise it: relative to the working directory if below it."""
    try:
        return str(path.resolve().relative_to(_resolved(Path.cwd())))
    except (ValueError, OSError, RuntimeError):  # not below it; unreadable; a loop of links
        return str(path)


@lru_cache(maxsize=8)
def _resolved(folder: Path) -> Path:  # the working directory resolved once, not per file
    return folder.resolve()
