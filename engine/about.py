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


def declares_pydantic_plugin() -> bool:
    """Whether a distribution on sys.path may declare a pydantic plugin: an entry point in the
    `pydantic` group of its `entry_points.txt`, which is what pydantic looks for; a path entry
    that is not a folder (a zip file) might, unread."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)  # noqa: PTH208 (pathlib: 5 ms to import)
        except NotADirectoryError:
            return True
        except OSError:  # a missing folder
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), "rb") as points:  # noqa: PTH118,PTH123
                    if b"[pydantic]" in points.read():
                        return True
            except OSError:  # none: no entry points
                continue
    return False


def _without_plugin_search() -> None:
    """The first validator pydantic builds imports its plugin loader, which imports
    importlib.metadata to look for plugins: 15 ms, a fifth of importing collab's dependencies.
    When no installed distribution declares one (or PYDANTIC_DISABLE_PLUGINS turns them all
    off), pydantic is given a loader that finds none, as its own would, without that import."""
    import types

    disabled = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    if "pydantic.plugin._loader" in sys.modules or (
            disabled not in ("__all__", "1", "true") and declares_pydantic_plugin()):
        return
    loader = types.ModuleType("pydantic.plugin._loader", "No pydantic plugins (engine.about).")
    loader.get_plugins = tuple  # type: ignore[attr-defined]  # an empty sequence of plugins

    def real(name: str) -> object:
        """Any other name a later pydantic asks of its loader: from the real module (not the
        import system's questions, such as whether it is a package)."""
        if name.startswith("__"):
            raise AttributeError(name)
        import importlib

        sys.modules.pop(loader.__name__, None)
        return getattr(importlib.import_module(loader.__name__), name)

    loader.__getattr__ = real  # type: ignore[method-assign]
    sys.modules[loader.__name__] = loader


def run() -> None:
    """The `collab` command: `collab --version` here, everything else in cli.py."""
    if sys.argv[1:] == ["--version"]:
        print(version_line())
        return
    import gc

    _without_plugin_search()
    # Importing builds many objects and no garbage: without the cyclic collector's passes
    # over them the imports take 5% less time. They live as long as the process, so they are
    # then frozen: the collector, on again once the command runs, never scans them (together
    # with the snapshot read without it, 18% of a `collab plan` process's CPU).
    from engine.collector import without_cyclic_gc

    with without_cyclic_gc():
        from cli import main
    gc.freeze()
    main()
