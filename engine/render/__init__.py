"""Reporters: results as text for people, or JSON, GitHub annotations, SARIF, JUnit for tools.

Each module renders one kind of result and names its reporters in a ``<KIND>_REPORTERS``
table, by format name; ``reporter`` finds one without importing the others. Imports every
package below it (the results it renders); nothing in engine imports render but the CLI.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

_MODULE_OF = {"plan": "plan", "validation": "diagnostics", "services": "catalogue",
              "facts": "catalogue", "explain": "explain", "diff": "diff", "test": "cases",
              "mutation": "mutate", "sync": "writes", "batch": "writes",
              "proposal": "review", "review": "review", "suggestions": "review"}


def reporter(kind: str, output_format: str) -> Callable[[Any], str]:
    """The reporter of ``kind`` results (plan, validation, ...) in ``output_format``."""
    module = importlib.import_module(f"engine.render.{_MODULE_OF[kind]}")
    reporters: dict[str, Callable[[Any], str]] = getattr(module, f"{kind.upper()}_REPORTERS")
    return reporters[output_format]
