"""README.md tells a newcomer what to run: every file and command it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


# Names that stand for the reader's own files in the README's explanations.
ILLUSTRATIONS = {"rules/NN", "rules/NN-name.yaml", "rules/sub/x.yaml"}


def test_every_path_the_readme_names_exists() -> None:
    named = set(re.findall(r"(?<![\w/.-])((?:tests|examples|engine|benchmarks|docs|schemas|rules|services)"
                           r"/[\w./-]*\w)", README))
    missing = sorted(path for path in named
                     if "*" not in path and path not in ILLUSTRATIONS and not (ROOT / path).exists())
    assert not missing, f"README names paths that do not exist: {missing}"


def test_every_collab_command_the_readme_names_exists() -> None:
    commands = set(re.findall(r"`collab ([a-z]+)", README))
    unknown = sorted(commands - set(cli.main.commands))
    assert not unknown, f"README names commands collab does not have: {unknown}"
    assert CliRunner().invoke(cli.main, ["--help"]).exit_code == 0
