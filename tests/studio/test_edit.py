"""Editing the catalogue from the studio (issue 21): ruamel.yaml's round trip keeps every
shipped file byte-identical, a one-field edit changes that line only, a save that would make the
catalogue invalid is refused with its diagnostics, and a file changed on disk since the page
read it is never overwritten."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from engine import load_catalogue
from engine.errors import InputError
from engine.request.lines import read_requests
from engine.studio.edit import Change, EditOp, catalogue_file, digest, propose, refused, round_trips, save

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted([*(ROOT / "services").glob("*.yaml"), *(ROOT / "rules").glob("*.yaml")])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for folder in ("services", "rules", "examples", "tests/scenarios"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def read(root: Path, name: str) -> str:
    return (root / name).read_text(encoding="utf-8")


def change(root: Path, name: str, *edits: EditOp) -> Change:
    return Change(file=name, base=digest(read(root, name)), edits=list(edits))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_file_writes_back_byte_identical(path: Path) -> None:
    assert round_trips(path.read_text(encoding="utf-8"))


def test_a_one_field_edit_changes_that_line_only(root: Path) -> None:
    before = read(root, "services/scanner.yaml")
    proposal = save(root, change(root, "services/scanner.yaml",
                                 EditOp(op="set", path=["variants", 0, "agreement_periods"], value=[12])))
    assert proposal.saved, proposal.diagnostics
    after = read(root, "services/scanner.yaml")
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
               if line.startswith(("-", "+"))]
    assert changed == ["-     agreement_periods: [3, 12]", "+     agreement_periods: [12]"]
    assert "# Catalogue decision: the seeds name this service" in after  # comments kept


def test_a_new_variant_is_written_in_the_file_s_own_style_and_loads(root: Path) -> None:
    plus = {"id": "plus", "name": "Lön Smart Plus", "paying": True, "contains": ["payroll"],
            "invoice_recipients": ["agency"], "agreement_periods": [12], "customer_access": True,
            "source": ["D4", "D12"]}
    proposal = save(root, change(root, "services/lon_smart.yaml",
                                 EditOp(op="insert", path=["variants", 2], value=plus)))
    assert proposal.saved, proposal.diagnostics
    text = read(root, "services/lon_smart.yaml")
    assert "\n  - id: plus\n    name: Lön Smart Plus\n" in text
    assert "plus" in {v.id for v in load_catalogue(root).services["lon_smart"].variants}


def test_an_edit_that_breaks_the_catalogue_is_refused_with_its_diagnostics(root: Path) -> None:
    before = read(root, "rules/50-changes.yaml")
    proposal = save(root, Change(file="rules/50-changes.yaml", base=digest(before),
                                 text=before.replace("change: upgrade", "change: upgarde", 1)))
    assert not proposal.saved and not proposal.valid
    assert read(root, "rules/50-changes.yaml") == before
    error = refused(proposal)
    assert error is not None and any(d.code == "CAT025" and d.file == "rules/50-changes.yaml"
                                     for d in error.diagnostics)


def test_a_file_changed_on_disk_since_the_page_read_it_is_not_overwritten(root: Path) -> None:
    page = change(root, "services/scanner.yaml",
                  EditOp(op="set", path=["variants", 0, "paying"], value=False))
    elsewhere = read(root, "services/scanner.yaml").replace("scans or photographs", "photographs")
    (root / "services" / "scanner.yaml").write_text(elsewhere, encoding="utf-8")
    proposal = save(root, page)
    assert not proposal.saved
    assert proposal.conflict == elsewhere and "paying: false" in proposal.after
    assert read(root, "services/scanner.yaml") == elsewhere
    error = refused(proposal)
    assert error is not None and error.diagnostics[0].code == "STU023"


def test_the_impact_of_an_edit_is_measured_before_it_is_saved(root: Path) -> None:
    old = load_catalogue(root)
    requests = list(read_requests((root / "examples",)))
    before = read(root, "rules/40-activation.yaml")
    proposal = propose(root, Change(file="rules/40-activation.yaml", base=digest(before),
                                    text=before.replace("- code: NO_CHARGE_UNTIL_RENEWAL",
                                                        "- code: NOTHING_CHARGED_YET")), requests, old)
    assert proposal.impact is not None
    assert [c.changes for c in proposal.impact.changed] == [
        ("- warning NO_CHARGE_UNTIL_RENEWAL", "+ warning NOTHING_CHARGED_YET")]
    assert read(root, "rules/40-activation.yaml") == before, "a proposal writes nothing"


@pytest.mark.parametrize("name", ["../outside.yaml", "/etc/passwd", "services/../../x.yaml",
                                  "examples/activate-eekonomi-subscriber.yaml", "services/x.txt", "rules"])
def test_nothing_outside_the_catalogue_s_folders_is_written(root: Path, name: str) -> None:
    with pytest.raises(InputError) as raised:
        catalogue_file(root, name)
    assert raised.value.diagnostics[0].code == "STU020"


def test_a_link_out_of_the_catalogue_is_not_followed(root: Path,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "victim.yaml").write_text("keep: me\n", encoding="utf-8")
    (root / "services" / "link.yaml").symlink_to(outside / "victim.yaml")
    with pytest.raises(InputError):
        catalogue_file(root, "services/link.yaml")
    assert (outside / "victim.yaml").read_text(encoding="utf-8") == "keep: me\n"
