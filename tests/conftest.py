from __future__ import annotations

from pathlib import Path

import pytest

from engine import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT)
