"""What a CI user copies: action.yml and .pre-commit-hooks.yaml name only commands, options and
formats collab has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

import cli

ROOT = Path(__file__).resolve().parents[2]


def invocations(text: str) -> list[list[str]]:
    """Every `collab ...` command line in a shell script, split into words."""
    found = []
    for line in text.splitlines():
        for match in re.finditer(r"\bcollab ([^|>&;]*)", line):
            words = [w for w in shlex.split(match.group(1).replace("$strict", "--strict"))
                     if not w.startswith(("$", '"$'))]
            found.append(words)
    return found


def check(words: list[str]) -> None:
    """The command exists and --help lists each option and format it is given."""
    command, *rest = words
    assert command in cli.main.commands, command
    help_text = CliRunner().invoke(cli.main, [command, "--help"]).stdout
    for index, word in enumerate(rest):
        if word.startswith("--"):
            assert word in help_text, f"collab {command} has no {word}"
            if word == "--format":
                assert rest[index + 1] in help_text, f"collab {command} has no format {rest[index + 1]}"


def test_the_action_runs_only_what_collab_has() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    scripts = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    commands = invocations(scripts)
    assert {words[0] for words in commands} >= {"validate", "sync", "test", "diff"}
    for words in commands:
        check(words)


def test_the_pre_commit_hooks_run_only_what_collab_has() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in hooks} >= {"collab-validate", "collab-sync"}
    for hook in hooks:
        check(shlex.split(hook["entry"])[1:])
