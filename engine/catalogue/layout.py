"""Which files make up a catalogue: the `*.yaml` files directly in services/ and rules/.

Any other YAML file there (`x.yml`, `X.YAML`, `rules/sub/x.yaml`) is named with a warning
(CAT041) rather than skipped in silence: a product owner who saved a rule file as `.yml`
would otherwise wonder why it has no effect.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from engine.errors import Diagnostic, Severity, display_path


def catalogue_files(services_dir: Path, rules_dir: Path
                    ) -> tuple[list[Path], list[Path], list[Diagnostic]]:
    """The service files, the rule files (each sorted by name), and a warning for each YAML
    file in either folder that is not one of them."""
    service_paths, rule_paths = catalogue_paths(services_dir, rules_dir)
    unread = _unread_files((services_dir, rules_dir), {*service_paths, *rule_paths})
    return service_paths, rule_paths, unread


def catalogue_paths(services_dir: Path, rules_dir: Path) -> tuple[list[Path], list[Path]]:
    """The service files and the rule files, each sorted by name."""
    return sorted(services_dir.glob("*.yaml")), sorted(rules_dir.glob("*.yaml"))


def identity(files: Iterable[tuple[Path, str]]) -> str:
    """The catalogue's digest: a sha256 over every file's folder, name and the sha256 of its
    parsed text (``files``: path, that hex digest), each part length-prefixed so that no bytes
    can move from one part to the next (``a`` + ``bc`` differs from ``ab`` + ``c``)."""
    digest = hashlib.sha256()
    for name, content in sorted((f"{path.parent.name}/{path.name}", text_digest)
                                for path, text_digest in files):
        for part in (name.encode("utf-8", "surrogateescape"), content.encode()):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _unread_files(folders: tuple[Path, ...], read: set[Path]) -> list[Diagnostic]:
    """A warning for each YAML file in ``folders`` (any case, any depth) the catalogue does
    not read: only `*.yaml` directly in services/ and rules/ are catalogue files."""
    problems = []
    for folder in folders:
        for parent, dirs, files in os.walk(folder):  # does not follow links into folders
            dirs.sort()
            for name in sorted(files):
                path = Path(parent) / name
                if path.suffix.lower() not in (".yaml", ".yml") or path in read:
                    continue
                where = f"{folder.name}/{path.stem}.yaml"
                hint = (f"rename it to {where} to make it part of the catalogue"
                        if path.parent == folder else
                        f"move it to {where}: subfolders of {folder.name}/ are not read")
                problems.append(Diagnostic(display_path(path), 0, 0, "CAT041",
                                           "not read: the catalogue is the *.yaml files directly "
                                           "in services/ and rules/", hint, Severity.WARNING))
    return problems
