"""Where a catalogue is: the folder a command is given, else the folder the user stands in
when it holds one (as terraform, yamllint and conftest work), else, for the commands that
may, the shipped one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.snapshot import load_catalogue_cached
from engine.errors import Diagnostic, InputError, display_path

CATALOGUE_FOLDERS = ("services", "rules")


def default_catalogue_dir() -> Path:
    """The shipped catalogue: inside the installed wheel, else the source checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_catalogue"
    if (packaged / "rules").is_dir():
        return packaged
    return package.parent


def holds_catalogue(folder: Path) -> bool:
    """The folder has services/ or rules/: a catalogue (maybe a broken one)."""
    return any((folder / name).is_dir() for name in CATALOGUE_FOLDERS)


@dataclass(frozen=True)
class Location:
    """A catalogue folder and how it was found."""

    root: Path
    how: Literal["given", "current folder", "shipped"]

    @property
    def name(self) -> str:
        """The catalogue as output names it: the folder as typed, `.`, or `shipped (...)`."""
        if self.how == "shipped":
            return f"shipped ({self.root})"
        return display_path(self.root) if self.how == "given" else "."

    @property
    def header(self) -> str:
        """The line a command's text output opens with (on stderr)."""
        where = {"given": "", "current folder": " (the current folder)",
                 "shipped": ""}[self.how]
        return f"catalogue: {self.name}{where}"

    def load(self) -> Catalogue:
        """The catalogue here, loaded and checked (a CatalogueError when it is invalid), or its
        snapshot from an earlier run when the files are the same (engine.catalogue.snapshot)."""
        return load_catalogue_cached(self.root)


def locate_catalogue(given: str | Path | None = None, *, shipped: bool = True) -> Location:
    """The catalogue a command works on: ``given``, else the current folder when it holds
    one, else the shipped one. Without ``shipped`` (commands that judge or describe the
    user's own catalogue) the last step is an InputError: "no catalogue here"."""
    if given is not None:
        return Location(Path(given), "given")
    here = Path.cwd()
    if holds_catalogue(here):
        return Location(Path(), "current folder")
    if shipped:
        return Location(default_catalogue_dir(), "shipped")
    raise InputError([Diagnostic(
        ".", 0, 0, "CAT001",
        f"no catalogue here: {here} has no services/ or rules/ folder",
        "run the command in the catalogue's folder, or name it: --catalogue DIR "
        "(collab validate DIR)")])


def load_catalogue(root: str | Path | None = None) -> Catalogue:
    """Load and check the catalogue at ``root`` (default: the shipped one)."""
    from engine.catalogue.checks import load_catalogue_at

    return load_catalogue_at(Path(root) if root is not None else default_catalogue_dir())
