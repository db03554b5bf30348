"""Red team, issue 22 item 11: glossary labels went through str.format unchecked.

`{count:>400000000}` in the `rejections` label made one rejected plan 400 MB of output; a
stray `{oops}` or a lone `{` made every rejected text plan exit 3. Now `collab validate`
checks each label's placeholders and format specs (CAT071-CAT073; tests/broken/ has a case of
each), and the printer fills a label with fill_label, which knows only the placeholders it
offers and never fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import load_catalogue, load_request, plan
from engine.catalogue.language import LABEL_FIELDS, fill_label
from engine.render.plan import plan_text

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]
REJECTED = ROOT / "examples" / "activate-lon-smart-start-customer-pays.yaml"
HOSTILE = {"spec": "Rejected, {count:>400000000} reason(s)", "unknown": "Rejected, {oops}",
           "lone": "Rejected, { reason(s)", "closing": "Rejected } {count}",
           "attribute": "{count.__class__.__mro__}", "index": "{count[0]}", "positional": "{0}{}",
           "conversion": "{count!r:>99999999}", "nested": "{count:{count}>99999}"}


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_item_11_a_hostile_label_prints_a_small_plan_and_never_fails(label: str) -> None:
    catalogue = load_catalogue(ROOT)
    rejected = plan(catalogue, load_request(REJECTED, catalogue))
    assert rejected.rejections
    rejected.labels["rejections"] = HOSTILE[label]
    rejected.labels["outcome"] = "Outcome {count:>99999999}"  # a label that offers nothing
    text = plan_text(rejected)
    assert len(text) < 10_000
    assert HOSTILE[label] + ":" in text.splitlines()  # as written: validate names the mistake
    assert "Outcome {count:>99999999}: " in text


def test_item_11_labels_are_filled_with_their_own_placeholders_only() -> None:
    assert fill_label("Rejected, {count} reason(s)", count=3) == "Rejected, 3 reason(s)"
    assert fill_label("{{count}} {count}", count=3) == "{count} 3"
    assert fill_label("{operation} {subject}", operation="activate") == "activate {subject}"
    assert set(LABEL_FIELDS) == {"plan", "rejections"}


@pytest.mark.parametrize(("written", "code"), [("{count:>400000000}", "CAT073"),
                                               ("{oops}", "CAT072"), ("{", "CAT071")])
def test_item_11_validate_and_plan_refuse_such_a_catalogue(written: str, code: str,
                                                           tmp_path: Path) -> None:
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    pipeline = tmp_path / "rules" / "pipeline.yaml"
    text = pipeline.read_text(encoding="utf-8")
    pipeline.write_text(text.replace('"Rejected, {count} reason(s)"', f'"Rejected, {written}"'),
                        encoding="utf-8")
    validated = subprocess.run([*COLLAB, "validate", str(tmp_path), "--no-analysis"], cwd=ROOT,
                               capture_output=True, text=True, timeout=120, check=False)
    assert validated.returncode == 1, validated.stdout + validated.stderr  # errors found
    assert "glossary label 'rejections' in 'en'" in validated.stdout + validated.stderr
    assert f"({code})" in validated.stdout + validated.stderr
    planned = subprocess.run([*COLLAB, "plan", str(REJECTED), "--catalogue", str(tmp_path)],
                             cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert planned.returncode == 2, planned.stderr  # not 3, and not 400 MB
    assert len(planned.stdout) + len(planned.stderr) < 10_000
