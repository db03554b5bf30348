from __future__ import annotations

from pathlib import Path

import pytest

from engine import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, execnet keeps a thread of its own, so Python 3.12+ warns at
    every fork the engine makes (analysis workers, batch jobs) that forking a multi-threaded
    process may deadlock. collab itself forks from one thread: a run without xdist (`-n 0`,
    as .ci/run runs the slow tests) still shows the warning if that ever changes."""
    if hasattr(config, "workerinput"):
        config.addinivalue_line(
            "filterwarnings",
            "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT)
