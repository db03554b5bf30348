"""What of the catalogue folder the studio reads: its catalogue's folders, and nothing a
symbolic link leads out of them to.

Git stores links, so a pull request can bring one: `examples -> /` or
`examples/x.yaml -> /etc/passwd` must not make the studio serve, plan or quote a file
elsewhere on the machine. Every path is judged with its links followed, as
engine/tools/cases.py judges a case's `request_file` (CASE003).
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import Diagnostic, Severity, display_path
from engine.request.lines import LINES_SUFFIX, REQUEST_SUFFIXES
from engine.tools.dependents import DEPENDENT_FOLDERS
from engine.tools.dependents import SUFFIXES as DEPENDENT_SUFFIXES

FOLDERS = ("services", "rules", "examples")  # what the studio shows and watches in the root
READABLE = tuple(dict.fromkeys((*FOLDERS, *map(str, DEPENDENT_FOLDERS))))  # and all it reads


def link_name(path: Path) -> str:
    """``path`` as diagnostics name files, its own link not followed."""
    return str(Path(display_path(path.parent)) / path.name)


class CatalogueFolder:
    """The catalogue folder ``root`` and the files of it the studio may read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.examples = root / "examples"

    def inside(self, path: Path) -> bool:
        """Whether ``path``, its links followed, lies in one of the catalogue's folders
        (services/, rules/, examples/, tests/scenarios/): not elsewhere on the machine, nor
        elsewhere in the catalogue's own folder (its .git/, a .env beside it)."""
        try:
            resolved, root = path.resolve(), self.root.resolve()
        except (OSError, RuntimeError):  # a loop of links
            return False
        return any(resolved.is_relative_to(root / folder) for folder in READABLE)

    def example_names(self) -> list[str]:
        """The request files directly in examples/ (those the page offers)."""
        if not self.examples.is_dir() or not self.inside(self.examples):
            return []
        return sorted(p.name for p in self.examples.iterdir()
                      if p.suffix in REQUEST_SUFFIXES and p.is_file() and self.inside(p))

    def example_files(self) -> list[Path]:
        """The request files in examples/ and below, as `collab diff examples` reads them,
        without those whose links lead out of the catalogue."""
        if not self.examples.is_dir() or not self.inside(self.examples):
            return []
        return sorted(p for p in self.examples.rglob("*") if p.is_file()
                      and p.suffix in (*REQUEST_SUFFIXES, LINES_SUFFIX) and self.inside(p))

    def dependents(self) -> list[Path]:
        """The files `collab validate` checks against the catalogue (examples, scenario
        cases), without those whose links lead out of the catalogue."""
        return [path for folder in DEPENDENT_FOLDERS if self.inside(self.root / folder)
                for path in sorted((self.root / folder).rglob("*"))
                if path.suffix.lower() in DEPENDENT_SUFFIXES and path.is_file()
                and self.inside(path)]

    def links_out(self) -> list[Diagnostic]:
        """A diagnostic (STU010) for each file or folder of services/, rules/, examples/ and
        tests/scenarios/ whose links lead out of the catalogue folder: errors for the
        catalogue's own (it is not loaded then), warnings for the others (left out)."""
        found: list[Diagnostic] = []
        for name in READABLE:
            folder = self.root / name
            if not folder.exists():
                continue
            paths = [folder] if not self.inside(folder) else sorted(folder.rglob("*"))
            severity = Severity.ERROR if name in FOLDERS[:2] else Severity.WARNING
            found += [Diagnostic(link_name(path), 0, 0, "STU010",
                                 "is a symbolic link that leads out of the catalogue folder, "
                                 "so the studio does not read it",
                                 "copy the file into the catalogue, or start the studio over "
                                 "the folder that holds it", severity)
                      for path in paths if not self.inside(path)]
        return found
