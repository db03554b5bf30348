"""Saving a catalogue file without losing an edit made elsewhere (engine.studio.edits, for
issue 21's "No edit lost"): a file changed on disk since the page read it is not
overwritten, and the answer holds both texts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.catalogue.documents import MAX_FILE_BYTES
from engine.errors import InputError
from engine.studio.edits import NEW, Conflict, Editor, Version
from engine.studio.folder import CatalogueFolder

ROOT = Path(__file__).resolve().parents[2]
SCANNER = "services/scanner.yaml"


@pytest.fixture
def editor(tmp_path: Path) -> Editor:
    for folder in ("services", "rules", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return Editor(CatalogueFolder(tmp_path))


def test_a_save_at_the_version_read_writes_the_file(editor: Editor) -> None:
    read = editor.read(SCANNER)
    edited = read.text.replace("paying: true", "paying: false", 1)
    saved = editor.save(SCANNER, edited, read.version)
    assert isinstance(saved, Version) and saved.text == edited and saved.version != read.version
    assert (editor.folder.root / SCANNER).read_text(encoding="utf-8") == edited


def test_a_file_changed_on_disk_since_it_was_read_is_not_overwritten(editor: Editor) -> None:
    read = editor.read(SCANNER)
    theirs = read.text + "# saved in the editor meanwhile\n"
    (editor.folder.root / SCANNER).write_text(theirs, encoding="utf-8")
    answer = editor.save(SCANNER, read.text.replace("paying: true", "paying: false"), read.version)
    assert isinstance(answer, Conflict)
    assert answer.theirs.text == theirs and "paying: false" in answer.mine  # both, to show
    assert (editor.folder.root / SCANNER).read_text(encoding="utf-8") == theirs


def test_of_two_saves_from_the_same_reading_the_second_is_a_conflict(editor: Editor) -> None:
    read = editor.read(SCANNER)
    first = editor.save(SCANNER, read.text + "# one\n", read.version)
    second = editor.save(SCANNER, read.text + "# two\n", read.version)
    assert isinstance(first, Version) and isinstance(second, Conflict)
    assert second.theirs == first


def test_a_new_file_is_created_once(editor: Editor) -> None:
    new = "examples/new.yaml"
    assert editor.read(new) == Version(new, "", NEW)
    assert isinstance(editor.save(new, "operation: activate\n", NEW), Version)
    assert isinstance(editor.save(new, "operation: end\n", NEW), Conflict)


def test_only_files_of_the_catalogue_s_folders_are_read_or_written(editor: Editor,
                                                                   tmp_path: Path) -> None:
    (editor.folder.root / "examples" / "out.yaml").symlink_to(tmp_path.parent / "elsewhere.yaml")
    (editor.folder.root / ".env").write_text("SECRET=1\n", encoding="utf-8")
    for relative in ("../x.yaml", "/etc/passwd", ".env", ".git/config.yaml", "rules/../.env",
                     "examples/out.yaml", "services/scanner.py", "services", ""):
        with pytest.raises(InputError) as refused:
            editor.save(relative, "x: 1\n", NEW)
        assert refused.value.diagnostics[0].code == "STU012", relative
    assert not (tmp_path.parent / "elsewhere.yaml").exists()


def test_a_huge_file_is_refused_unread(editor: Editor) -> None:
    with (editor.folder.root / "examples" / "huge.yaml").open("wb") as huge:
        huge.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(InputError) as refused:
        editor.read("examples/huge.yaml")
    assert refused.value.diagnostics[0].code == "IO004"
