"""Every diagnostic code the source emits is listed, with its meaning, in engine/codes.py
(and so in docs/catalogue/error-codes.md), and every listed code is emitted somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from engine.codes import CODES

ENGINE = Path(__file__).resolve().parent.parent / "engine"
CODE = re.compile(r"""["']([A-Z]{2,5}[0-9]{3})["']""")


def _emitted() -> set[str]:
    return {code for path in ENGINE.rglob("*.py") if path.name != "codes.py"
            for code in CODE.findall(path.read_text(encoding="utf-8"))}


def test_every_emitted_code_is_listed() -> None:
    assert _emitted() - set(CODES) == set()


def test_every_listed_code_is_emitted() -> None:
    assert set(CODES) - _emitted() == set()
