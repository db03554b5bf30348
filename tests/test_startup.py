"""Issue 23: `collab plan` imports only what planning needs, and skips pydantic's plugin search
only where no installed distribution declares a pydantic plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import about

ROOT = Path(__file__).resolve().parents[1]

PLAN_AND_LIST_MODULES = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["collab", "plan", "--format", "json", "examples/activate-eekonomi-spcs-customer.yaml"]
from engine.about import run
run()
"""


def test_a_plan_imports_neither_the_tools_nor_importlib_metadata(tmp_path: Path) -> None:
    env = {**os.environ, "COLLAB_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the second run reads the catalogue's snapshot: no checks
        done = subprocess.run([sys.executable, "-c", PLAN_AND_LIST_MODULES], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        assert json.loads(done.stdout)["outcome"]
        modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
        assert not {m for m in modules if m.startswith("engine.tools")}
        assert not {"importlib.metadata", "multiprocessing", "engine.studio"} & modules
    assert "engine.catalogue.snapshot" in modules
    assert "engine.catalogue.checks" not in modules


def _distribution(folder: Path, name: str, entry_points: str | None) -> None:
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_a_declared_pydantic_plugin_keeps_pydantics_search(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _distribution(tmp_path, "tool", "[console_scripts]\ntool = tool:main\n")
    _distribution(tmp_path, "bare", None)
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert not about.declares_pydantic_plugin()
    _distribution(tmp_path, "logfire_like", "[pydantic]\nlogfire = logfire.plugin:plugin\n")
    assert about.declares_pydantic_plugin()


def test_a_zip_on_the_path_may_declare_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "packages.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip file
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert about.declares_pydantic_plugin()


def test_with_a_plugin_declared_pydantic_is_left_alone(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "pydantic.plugin._loader", raising=False)
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    monkeypatch.setattr(about, "declares_pydantic_plugin", lambda: True)
    about._without_plugin_search()
    assert "pydantic.plugin._loader" not in sys.modules


def test_a_later_pydantic_asking_its_loader_for_more_gets_the_real_one() -> None:
    """collab's stand-in for pydantic's plugin loader answers get_plugins (no plugins); any
    other name comes from the real loader, so a pydantic that imports more still starts."""
    script = ("from engine.about import _without_plugin_search\n"
              "_without_plugin_search()\n"
              "from pydantic.plugin._loader import get_plugins\n"
              "assert list(get_plugins()) == []\n"
              "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP\n"
              "print(PYDANTIC_ENTRY_POINT_GROUP)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pydantic\n"
