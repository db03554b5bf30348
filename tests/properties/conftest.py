"""The property tests' hooks; what they share is in collab_support.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

# Hypothesis keeps caches in ./.hypothesis unless told otherwise; keep the checkout clean.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      str(Path(tempfile.gettempdir()) / "collab-hypothesis"))

from collab_support import STATS  # after the environment is set


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many requests (or cases) each property, invariant and fuzz run saw."""
    if not STATS:
        return
    terminalreporter.section("property, invariant and fuzz counts")
    for name in sorted(STATS):
        seen = ", ".join(f"{what} {n}" for what, n in sorted(STATS[name].items()))
        terminalreporter.write_line(f"{name}: {seen}")
