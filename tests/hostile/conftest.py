"""What the hostile tests of collab batch share: a big JSON Lines input, generated once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def requests_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30,000 generated requests (read, never written, by the tests that use them)."""
    path = tmp_path_factory.mktemp("requests") / "requests.jsonl"
    result = subprocess.run([sys.executable, "-c", "import cli; cli.main()", "generate", "--count",
                             "30000", "-o", str(path)], cwd=ROOT, capture_output=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    return path
