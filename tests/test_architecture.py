"""The import contract: packages import only those before them in the pipeline, and nothing
inside the package imports its face (engine/__init__.py). README's Architecture section draws
the same layers."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"

# Lowest first: a module may import its own layer and the ones before it.
LAYERS = [
    {"engine.errors", "engine.codes", "engine.files", "engine.output_guards", "engine.signals",
     "engine.processes", "engine.about", "engine.cachedir", "engine.collector"},
    {"engine.catalogue"},
    {"engine.request"},
    {"engine.plan"},
    {"engine.evaluation"},
    {"engine.tools"},
    {"engine.render"},
    {"engine.studio"},  # a front end like cli.py: it shows results with the reporters
]


def _layer(module: str) -> int:
    """The layer of the most specific package ``module`` belongs to."""
    found = [(len(name), number) for number, names in enumerate(LAYERS) for name in names
             if module == name or module.startswith(name + ".")]
    if not found:
        raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS")
    return max(found)[1]


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = path.relative_to(ENGINE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts != ("engine",) and "_catalogue" not in parts:
            found[".".join(parts)] = path
    return found


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name == "engine" or name.startswith("engine.")]


def test_every_module_has_a_layer() -> None:
    for module in _modules():
        _layer(module)


def test_imports_point_down_the_pipeline() -> None:
    wrong = []
    for module, path in _modules().items():
        for imported, line in _imports(path):
            if imported == "engine":
                wrong.append(f"{path.name}:{line}: {module} imports the package face")
            elif _layer(imported) > _layer(module):
                wrong.append(f"{path.name}:{line}: {module} imports {imported}, a later stage")
    assert not wrong, "\n".join(wrong)


def test_the_contract_catches_an_import_against_the_pipeline(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from engine.tools.explain import explain\nimport engine\n")
    assert [name for name, _ in _imports(bad)] == ["engine.tools.explain", "engine"]
    assert _layer("engine.tools.explain") > _layer("engine.catalogue.checks")


def test_no_engine_module_is_over_450_lines() -> None:
    long = {module: n for module, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450}
    assert not long, long
