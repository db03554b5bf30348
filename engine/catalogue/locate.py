"""Where a catalogue is: the folder a command is given, or the shipped one."""

from __future__ import annotations

from pathlib import Path

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.checks import load_catalogue_at


def default_catalogue_dir() -> Path:
    """The shipped catalogue: inside the installed wheel, else the source checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_catalogue"
    if (packaged / "rules").is_dir():
        return packaged
    return package.parent


def load_catalogue(root: str | Path | None = None) -> Catalogue:
    """Load and check the catalogue at ``root`` (default: the shipped one)."""
    return load_catalogue_at(Path(root) if root is not None else default_catalogue_dir())
