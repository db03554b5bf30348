"""`collab --version`, answered before anything heavy is imported, and the `collab` entry point.

`collab --version` is asked by scripts and CI to see what is installed, so it should cost
about as much as starting Python. click alone takes three times that, importlib.metadata four
times, the engine (pydantic, the catalogue's models) seventeen times; so the versions are read
from the installed distributions' `*.dist-info` folder names on sys.path (what
importlib.metadata reads too), and only durable-rules' C extension is imported, to say whether
it loads. Everything else goes to the click application in cli.py.
"""

from __future__ import annotations

import os
import sys


def installed_version(distribution: str) -> str | None:
    """The version of the first ``distribution`` installed on sys.path, read from the name of
    its ``<name>-<version>.dist-info`` folder (names normalised as wheels write them)."""
    prefix = distribution.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")  # noqa: PTH208 (pathlib: 5 ms to import)
        except OSError:  # a zip file, a missing folder
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix):-len(".dist-info")]
    return None


def evaluator() -> str:
    """The rules engine and its version, and whether its C extension loads."""
    version = installed_version("durable-rules")
    if version is None:
        return "durable-rules (not installed: see README.md, set-up)"
    try:
        import durable_rules_engine  # type: ignore[import-not-found]  # noqa: F401
    except ImportError as error:
        return f"durable-rules {version} (cannot be loaded: {error})"
    return f"durable-rules {version}"


def version_line() -> str:
    """What `collab --version` prints."""
    return f"collab, version {installed_version('collab-engine') or 'unknown'}; rules engine {evaluator()}"


def run() -> None:
    """The `collab` command: `collab --version` here, everything else in cli.py."""
    if sys.argv[1:] == ["--version"]:
        print(version_line())
        return
    from cli import main

    main()
