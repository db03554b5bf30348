"""Plans in Swedish and English: the glossary, `--lang`, and languages added by texts alone."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from engine import Catalogue, load_catalogue, load_request, plan, validate_catalogue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
# The help pages: ../shared/seeds beside the clone (CI copies shared/ there), or the
# steering repository's copy on a developer's machine.
SEED_DIRS = [ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_every_swedish_screen_name_is_written_as_the_swedish_help_pages_write_it(
        catalogue: Catalogue) -> None:
    seeds = next((d for d in SEED_DIRS if d.is_dir()), None)
    if seeds is None:
        pytest.skip("the help pages (../shared/seeds/) are not beside this clone, so the "
                    "Swedish screen names cannot be checked against them")
    pages = "\n".join(p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt")))
    screens = catalogue.pipeline.glossary.screens
    assert screens, "the glossary declares no screens"
    missing = {key: word.root["sv"] for key, word in screens.items()
               if word.root["sv"] not in pages}
    assert not missing, f"not written so in the help pages: {missing}"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_plans_in_swedish(path: Path) -> None:
    code, output = run("plan", str(path), "--lang", "sv")
    assert code in (0, 1), output
    assert "Utfall: " in output
    assert not re.search(r"\{[a-z_.]+\}", output), "a placeholder was left unfilled"
    assert "Outcome:" not in output and "Steps:" not in output


def test_swedish_plan_names_the_screens_as_the_swedish_pages_do() -> None:
    code, output = run("plan", str(ROOT / "examples" / "end-service-too.yaml"), "--lang", "sv")
    assert code == 0, output
    assert ("Gå till Kunder i Visma Advisor, välj Holmgren Transport AB, klicka på knappen "
            "Redigera samarbeten") in output
    code, english = run("plan", str(ROOT / "examples" / "end-service-too.yaml"), "--lang", "en")
    assert "Customers - Holmgren Transport AB - Edit collaborations" in english


def test_default_language_is_the_catalogues_and_json_says_which(catalogue: Catalogue) -> None:
    example = str(ROOT / "examples" / "activate-eekonomi-spcs-customer.yaml")
    default = run("plan", example)[1]
    assert default == run("plan", example, "--lang", catalogue.pipeline.default_language)[1]
    swedish = json.loads(run("plan", example, "--lang", "sv", "--format", "json")[1])
    english = json.loads(run("plan", example, "--lang", "en", "--format", "json")[1])
    assert (swedish["language"], english["language"]) == ("sv", "en")
    assert swedish["scenario"]["name"] == "En befintlig Spcs-kund utan tjänsten"
    # the same plan, other words: codes, rules and order do not depend on the language
    assert [s["rule"] for s in swedish["steps"]] == [s["rule"] for s in english["steps"]]
    assert swedish["steps"][0]["text"] != english["steps"][0]["text"]


def test_a_language_the_catalogue_is_not_written_in_is_unusable_input() -> None:
    code, output = run("plan", str(EXAMPLES[0]), "--lang", "de")
    assert code == 2
    assert "LANG001" in output and "en, sv" in output


def test_explain_and_docs_speak_the_language_asked_for(tmp_path: Path) -> None:
    example = str(ROOT / "examples" / "end-without-main-contact.yaml")
    code, output = run("explain", example, "--lang", "sv", "--format", "json")
    assert code == 1
    assert json.loads(output)["plan"]["rejections"][0]["message"].startswith("Huvudkontakt saknas")
    assert "kundnumret" in json.loads(output)["plan"]["rejections"][0]["message"]
    code, output = run("docs", "--out", str(tmp_path), "--lang", "sv")
    assert code == 0, output
    rules = (tmp_path / "rules.md").read_text(encoding="utf-8")
    assert "Byrån avslutar samarbetet i Advisor." in rules
    assert "{screen." not in rules
    flows = (tmp_path / "flows.md").read_text(encoding="utf-8")  # the charts' nodes too
    assert "En kund som redan abonnerar på tjänsten bjuds in i det abonnemanget." in flows
    assert "A customer that already subscribes to the service" not in flows


def test_a_product_owner_adds_a_language_by_adding_texts(tmp_path: Path) -> None:
    """Declaring German makes validate list every text still to translate, at its line;
    once the texts are there (here: copies of the English), plans come out in German."""
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    pipeline = tmp_path / "rules" / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text(encoding="utf-8").replace(
        "languages: [en, sv]", "languages: [en, sv, de]"), encoding="utf-8")
    _, problems = validate_catalogue(tmp_path)
    missing = [p for p in problems if p.code in ("CAT050", "CAT051")]
    assert missing and all(p.line > 0 and "has no 'de'" in p.message for p in missing)
    assert {Path(p.file).name for p in missing} >= {"pipeline.yaml", "domain.yaml",
                                                     "60-ending.yaml", "eekonomi.yaml"}

    def translate(node: Any) -> Any:  # a stand-in translator: German = the English text
        if isinstance(node, dict):
            node = {key: translate(value) for key, value in node.items()}
            if {"en", "sv"} <= set(node) and isinstance(node["en"], str):
                node["de"] = node["en"]
        elif isinstance(node, list):
            node = [translate(item) for item in node]
        return node

    for path in [*tmp_path.glob("rules/*.yaml"), *tmp_path.glob("services/*.yaml")]:
        data = translate(yaml.safe_load(path.read_text(encoding="utf-8")))
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    _, problems = validate_catalogue(tmp_path)
    assert not [p for p in problems if p.severity.value == "error"], problems[:3]
    catalogue = load_catalogue(tmp_path)
    request = load_request(ROOT / "examples" / "end-service-too.yaml", catalogue)
    assert plan(catalogue, request, "de").language == "de"
