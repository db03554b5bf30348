"""How many of the broken catalogues in tests/broken/ the JSON Schemas alone catch, measured
with check-jsonschema (an independent validator, as an editor or CI would run it).

    python tests/catalogue/schema_coverage.py   # prints the figure and each case's verdict

Each case's edits are applied to a copy of the catalogue; the files it writes are then checked
against their schemas (the one a file's first line names, else the one for its place; the
files it does not touch pass theirs, as tests/test_schemas.py checks). A case counts as caught
when check-jsonschema fails on any file. Not part of the test run (it starts a process per
file); tests/test_schemas.py checks the same verdicts in-process.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_broken_catalogues import CASES  # noqa: E402
from test_schemas import edited_files, schema_for  # noqa: E402


def caught(case: Path) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        checker = Path(sys.executable).parent / "check-jsonschema"
        return any(subprocess.run([str(checker), "--schemafile", str(schema_for(path)), str(path)],
                                  capture_output=True, check=False).returncode != 0
                   for path in edited_files(case, Path(folder)))


def main() -> None:
    verdicts = {case.stem: caught(case) for case in CASES}
    for name, verdict in verdicts.items():
        print(f"{'caught' if verdict else 'passes'}  {name}")
    print(f"the schemas alone catch {sum(verdicts.values())} of {len(verdicts)} broken catalogues")


if __name__ == "__main__":
    main()
