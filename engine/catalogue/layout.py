"""Which files make up a catalogue: the `*.yaml` files directly in services/ and rules/.

Any other YAML file there (`x.yml`, `X.YAML`, `rules/sub/x.yaml`) is named with a warning
(CAT041) rather than skipped in silence: a product owner who saved a rule file as `.yml`
would otherwise wonder why it has no effect.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import Diagnostic, Severity, display_path


def catalogue_files(services_dir: Path, rules_dir: Path
                    ) -> tuple[list[Path], list[Path], list[Diagnostic]]:
    """The service files, the rule files (each sorted by name), and a warning for each YAML
    file in either folder that is not one of them."""
    service_paths = sorted(services_dir.glob("*.yaml"))
    rule_paths = sorted(rules_dir.glob("*.yaml"))
    unread = _unread_files((services_dir, rules_dir), {*service_paths, *rule_paths})
    return service_paths, rule_paths, unread


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
