"""The `collab` command line as a user meets it: exit codes, messages, output formats.

Every test goes through click's CliRunner, the way `collab ...` runs from a shell, and checks
what a user (or a script reading the exit code) would notice. Bad inputs are written to a
temporary folder that is also the working directory, so messages name them as typed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
EXAMPLE_IDS = [p.stem for p in EXAMPLES]
PLAN_SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
LON_SMART_START_CUSTOMER_PAYS = ROOT / "examples" / "activate-lon-smart-start-customer-pays.yaml"

# `file[:line:column]: [severity] message (CODE)`, as README.md documents an error.
DIAGNOSTIC = re.compile(r"^(?P<file>\S.*?)(?::(?P<line>\d+):(?P<column>\d+))?: "
                        r"\[(?P<severity>error|warning|note)\] (?P<message>.+) \((?P<code>[A-Z]+\d+)\)$")
GITHUB = re.compile(r"^::(?P<level>error|warning|notice) file=(?P<file>[^,]+),line=(?P<line>\d+),"
                    r"col=(?P<column>\d+),title=(?P<code>[A-Z]+\d+)::(?P<message>.+)$")


@pytest.fixture(autouse=True)
def no_cache_no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLAB_CACHE_DIR", "")  # validate must not write an analysis cache
    monkeypatch.delenv("COLLAB_DEBUG", raising=False)  # a bug must show as exit 3, not raise


def collab(*args: str | Path) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def errors_in(stderr: str) -> list[re.Match[str] | None]:
    """The `[error]` lines of the output, each parsed as a diagnostic (None if malformed)."""
    return [DIAGNOSTIC.match(line) for line in stderr.splitlines() if "[error]" in line]


def line_of(data: bytes, needle: str | bytes) -> int:
    """The 1-based line of the only occurrence of ``needle`` (str: as UTF-8) in ``data``."""
    if isinstance(needle, str):
        needle = needle.encode("utf-8")
    assert data.count(needle) == 1, f"{needle!r} occurs {data.count(needle)} times"
    return data[:data.index(needle)].count(b"\n") + 1


def edit(path: Path, old: str, new: str, after: str = "") -> None:
    """Replace the first ``old`` in ``path`` (after the first ``after``, when given)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")


@pytest.fixture
def catalogue_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped catalogue in ./catalogue, with tmp_path the working directory."""
    root = tmp_path / "catalogue"
    for folder in ("services", "rules"):
        shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.chdir(tmp_path)
    return root


def scenario_outcomes() -> dict[str, str]:
    """The outcome tests/scenarios/ expects for each example it plans, by example name."""
    outcomes = {}
    for case_file in sorted((ROOT / "tests" / "scenarios").glob("*.yaml")):
        case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
        if "request_file" in case:
            request = (case_file.parent / case["request_file"]).resolve()
            outcomes[request.name] = case["expect"]["outcome"]
    return outcomes


EXPECTED_OUTCOMES = scenario_outcomes()
EXAMPLES_WITH_SCENARIO = [p for p in EXAMPLES if p.name in EXPECTED_OUTCOMES]


# --- 1. collab plan on every example ------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_plan_json_is_valid_and_agrees_with_exit_code(example: Path) -> None:
    result = collab("plan", example, "--format", "json")
    assert_no_traceback(result)
    assert result.stderr == ""
    plan = json.loads(result.stdout)
    jsonschema.Draft202012Validator(PLAN_SCHEMA).validate(plan)
    if plan["outcome"] == "rejected":
        assert result.exit_code == 1
        assert plan["rejections"], "a rejected plan gives its reasons"
        assert plan["steps"] == []
    else:
        assert result.exit_code == 0
        assert plan["rejections"] == []
        assert [s["number"] for s in plan["steps"]] == list(range(1, len(plan["steps"]) + 1))


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_plan_text_shows_numbered_steps_or_rejection_codes(example: Path) -> None:
    plan = json.loads(collab("plan", example, "--format", "json").stdout)
    result = collab("plan", example)  # --format text is the default
    assert_no_traceback(result)
    assert result.exit_code == (1 if plan["outcome"] == "rejected" else 0)
    text = result.stdout
    assert text.startswith("Plan: ")
    assert re.search(r"^Outcome: \S", text, re.MULTILINE)
    numbered = re.findall(r"^ +(\d+)\. (\w+) ", text, re.MULTILINE)
    assert numbered == [(str(s["number"]), s["actor"]) for s in plan["steps"]]
    for rejection in plan["rejections"]:
        # the code is part of the trace at the line's end, beside the rule
        assert f"  x {rejection['message']}  [{rejection['code']}; {rejection['rule']}; " in text
    for warning in plan["warnings"]:
        assert f"  ! {warning['message']}  [{warning['code']}; {warning['rule']}; " in text


@pytest.mark.parametrize("example", EXAMPLES_WITH_SCENARIO,
                         ids=[p.stem for p in EXAMPLES_WITH_SCENARIO])
def test_plan_exit_code_is_the_one_its_scenario_expects(example: Path) -> None:
    expected = EXPECTED_OUTCOMES[example.name]
    result = collab("plan", example)
    assert result.exit_code == (1 if expected == "rejected" else 0), expected


def test_examples_cover_both_allowed_and_rejected_plans() -> None:
    assert {collab("plan", p).exit_code for p in EXAMPLES} == {0, 1}


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_plan_json_is_byte_identical_run_after_run(example: Path) -> None:
    first = collab("plan", example, "--format", "json")
    second = collab("plan", example, "--format", "json")
    assert first.stdout_bytes == second.stdout_bytes


@pytest.mark.slow  # determinism across processes, as tests/properties (.ci/run runs it)
def test_plan_json_is_byte_identical_across_processes() -> None:
    """Another process, with another string hash seed, prints the same bytes."""
    script = ("import sys; from click.testing import CliRunner; import cli\n"
              "for path in sys.argv[1:]:\n"
              "    result = CliRunner().invoke(cli.main, ['plan', path, '--format', 'json'])\n"
              "    sys.stdout.write(result.stdout)\n")
    outputs = [subprocess.run([sys.executable, "-c", script, *map(str, EXAMPLES)], cwd=ROOT,
                              capture_output=True, check=True,
                              env={"PYTHONHASHSEED": seed, "COLLAB_CACHE_DIR": ""}).stdout
               for seed in ("1", "2")]
    assert outputs[0]
    assert outputs[0] == outputs[1]


# --- 2. exit codes ------------------------------------------------------------------------


def test_every_command_documents_its_own_exit_codes() -> None:
    """Each command's --help lists the codes it can exit with, in its own words; plan's and
    validate's are the README's table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    readme_codes = re.findall(r"^\| (\d) \|", section, re.MULTILINE)
    assert readme_codes == list("0123")
    helps = {name: collab(name, "--help").stdout for name in cli.main.commands}
    assert len(helps) == 13
    for name, help_text in helps.items():
        codes = re.findall(r"^ +(\d+) +\S", help_text.split("Exit codes:", 1)[-1], re.MULTILINE)
        assert "Exit codes:" in help_text and codes[0] == "0" and "3" in codes, name
    assert "the request is rejected" in helps["plan"] and "catalogue has errors" in helps["validate"]
    assert "catalogue has errors" not in helps["plan"]


def test_optional_arguments_show_as_optional_in_usage() -> None:
    assert "validate [OPTIONS] [DIR]" in collab("validate", "--help").stdout


def test_clean_catalogue_validates_with_exit_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = collab("validate", "--strict")
    assert_no_traceback(result)
    assert result.exit_code == 0
    assert "[error]" not in result.stdout and "[warning]" not in result.stdout
    assert result.stderr.splitlines() == ["catalogue: . (the current folder)", "catalogue is valid"]


def test_warnings_pass_validate_but_fail_it_with_strict(catalogue_copy: Path) -> None:
    # Cite D33 nowhere: a warning (CAT040), not an error.
    edit(catalogue_copy / "rules" / "40-activation.yaml", "source: [D33]", "source: [D14]")
    relaxed = collab("validate", "catalogue")
    strict = collab("validate", "catalogue", "--strict")
    for result in (relaxed, strict):
        assert_no_traceback(result)
        assert re.search(r"^catalogue/rules/domain\.yaml:\d+:\d+: \[warning\] .* \(CAT040\)$",
                         result.stdout, re.MULTILINE)
        assert result.stderr.splitlines() == ["catalogue: catalogue", "0 error(s), 1 warning(s)"]
    assert relaxed.exit_code == 0
    assert strict.exit_code == 1


def test_strict_json_verdict_agrees_with_exit_code(catalogue_copy: Path) -> None:
    edit(catalogue_copy / "rules" / "40-activation.yaml", "source: [D33]", "source: [D14]")
    result = collab("validate", "catalogue", "--strict", "--format", "json")
    report = json.loads(result.stdout)
    assert (report["warnings"], result.exit_code) == (1, 1)
    assert report["valid"] is False


def test_rejected_request_exits_1_with_its_reason() -> None:
    result = collab("plan", LON_SMART_START_CUSTOMER_PAYS)
    assert result.exit_code == 1
    assert "Outcome: rejected" in result.stdout
    assert "  [INVOICE_RECIPIENT_NOT_ALLOWED; " in result.stdout


def request_text() -> str:
    return LON_SMART_START_CUSTOMER_PAYS.read_text(encoding="utf-8")


def replaced(old: str, new: str) -> str:
    text = request_text()
    assert old in text
    return text.replace(old, new, 1)


# The request, as the only item of a YAML list.
REQUEST_AS_LIST = "- " + "\n  ".join(
    line for line in request_text().splitlines() if not line.startswith("#")) + "\n"

# The request with one line (the customer's name) in Latin-1, not UTF-8.
NOT_UTF_8 = request_text().encode("utf-8").replace(
    "Öberg & Söner Åkeri AB".encode(), "Öberg & Söner Åkeri AB".encode("latin-1"))
# Every value repeated ten times over nine levels of aliases: a billion values ("YAML bomb").
ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10))

# id, the file's content, a text marking the line the message must name (None: the whole
# file, no line required), the diagnostic code.
BAD_REQUESTS = [
    pytest.param(replaced("invoice_recipient: customer", "invoice_recipient: customer: agency"),
                 "invoice_recipient: customer: agency", "YAML001", id="malformed-yaml"),
    pytest.param(replaced("variant: start", "variant: strat"), "variant: strat", "REQ011",
                 id="unknown-variant"),
    pytest.param(replaced("service: lon_smart", "service: lonsmart"), "service: lonsmart", "REQ010",
                 id="unknown-service"),
    pytest.param(replaced("task: T-330\n", "task: T-330\ncolour: red\n"), "colour: red", "REQ001",
                 id="unknown-field"),
    pytest.param(replaced("task: T-330", "task: T-999"), "task: T-999", "REQ012", id="unknown-task"),
    pytest.param(replaced("agreement_period: 12\n", "agreement_period: 12\nagreement_period: 3\n"),
                 "agreement_period: 3", "YAML003", id="duplicate-key"),
    pytest.param(replaced("operation: activate", "operation: activate\n---\noperation: end"),
                 "---", "YAML001", id="two-documents"),
    pytest.param(REQUEST_AS_LIST, None, "REQ001", id="request-is-a-list"),
    pytest.param(replaced("agreement_period: 12", 'agreement_period: "12"'), 'agreement_period: "12"',
                 "REQ001", id="quoted-number"),
    pytest.param(b"", None, "YAML002", id="empty-file"),
    pytest.param("# nothing but a comment\n", None, "YAML002", id="only-a-comment"),
    pytest.param(NOT_UTF_8, "Söner".encode("latin-1"), "IO005", id="not-utf-8"),
    pytest.param(replaced("task: T-330", "task: T-3\x0030"), "task: T-3", "YAML001", id="nul-byte"),
    pytest.param(replaced("task: T-330\n", "task: T-330\nloop: &loop [*loop]\n"), "loop: &loop",
                 "YAML004", id="recursive-alias"),
    pytest.param(ALIAS_BOMB, None, "YAML004", id="alias-bomb"),
]


@pytest.mark.parametrize(("content", "marker", "code"), BAD_REQUESTS)
def test_bad_request_exits_2_with_one_message_naming_file_and_line(
        content: str | bytes, marker: str | bytes | None, code: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    (tmp_path / "request.yaml").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    result = collab("plan", "request.yaml")
    line = line_of(data, marker) if marker else None
    assert_one_error(result, "request.yaml", line, code)


def assert_one_error(result: Result, file: str, line: int | None, code: str) -> None:
    assert_no_traceback(result)
    assert result.exit_code == 2, result.output
    assert result.stdout == "", "nothing but the error is printed"
    errors = errors_in(result.stderr)
    assert len(errors) == 1, result.stderr
    error = errors[0]
    assert error is not None, f"not `file:line:column: [error] message (CODE)`: {result.stderr}"
    assert (error["file"], error["code"]) == (file, code)
    if line is not None:
        assert error["line"] is not None and int(error["line"]) == line, result.stderr
    assert re.search(r"^    hint: \S", result.stderr, re.MULTILINE), "README: followed by a hint"


def test_missing_request_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert_one_error(collab("plan", "no-such-request.yaml"), "no-such-request.yaml", None, "IO001")


def test_folder_as_request_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "requests").mkdir()
    monkeypatch.chdir(tmp_path)
    assert_one_error(collab("plan", "requests"), "requests", None, "IO002")


def test_folder_that_is_no_catalogue_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    result = collab("plan", LON_SMART_START_CUSTOMER_PAYS, "--catalogue", "empty")
    assert_one_error(result, "empty", None, "CAT001")
    validated = collab("validate", "empty")
    assert validated.exit_code == 2, validated.output
    assert "CAT001" in validated.output


def test_missing_catalogue_folder_to_validate_exits_2(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert_one_error(collab("validate", "no-such-folder"), "no-such-folder", None, "IO001")


def test_recursive_alias_in_catalogue_is_a_catalogue_error(catalogue_copy: Path) -> None:
    scanner = catalogue_copy / "services" / "scanner.yaml"
    scanner.write_text(scanner.read_text(encoding="utf-8") + "loop: &loop [*loop]\n", encoding="utf-8")
    result = collab("validate", "catalogue", "--format", "json")
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    line = line_of(scanner.read_bytes(), "loop: &loop")
    assert parse_report(result.stdout, "json") == [
        ("catalogue/services/scanner.yaml", 0, "CAT004", "note"),  # left out of cross-file checks
        ("catalogue/services/scanner.yaml", line, "YAML004", "error")]


def test_wrong_option_exits_2() -> None:
    result = collab("plan", LON_SMART_START_CUSTOMER_PAYS, "--format", "xml")
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert "'--format'" in result.stderr and "xml" in result.stderr


def test_a_bug_exits_3_with_a_plain_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """No input is known to trigger a bug, so one is planted: exit 3, a message, no traceback."""
    import engine

    def broken_plan(*args: Any) -> None:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(engine, "plan", broken_plan)
    result = collab("plan", LON_SMART_START_CUSTOMER_PAYS)
    assert_no_traceback(result)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.splitlines()[1] == "collab: internal error: RuntimeError: planted bug"
    assert "COLLAB_DEBUG=1" in result.stderr


# --- 3. a typo in a catalogue, at its file and line, in every format --------------------------


def parse_report(output: str, output_format: str) -> list[tuple[str, int, str, str]]:
    """(file, line, code, severity) of every diagnostic, from any of validate's formats."""
    if output_format == "text":
        found = [DIAGNOSTIC.match(line) for line in output.splitlines() if "] " in line]
        return [(m["file"], int(m["line"] or 0), m["code"], m["severity"]) for m in found if m]
    if output_format == "github":
        found = [GITHUB.match(line) for line in output.splitlines()]
        assert all(found), output
        return [(m["file"], int(m["line"]), m["code"], m["level"].replace("notice", "note"))
                for m in found if m]
    report = json.loads(output)
    if output_format == "json":
        return [(d["file"], d["line"], d["code"], d["severity"]) for d in report["diagnostics"]]
    assert report["version"] == "2.1.0"
    return [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0),
             r["ruleId"], r["level"]) for run in report["runs"] for r in run["results"]]


# file, the text replaced, its replacement, the typo (marks the line), code, the hint's name
TYPOS = [
    pytest.param("rules/50-changes.yaml", "      change: upgrade\n",
                 "      change: upgrade\n      variant.id: strat\n",
                 "variant.id: strat", "CAT012", "start", id="variant-in-rule"),
    pytest.param("services/eekonomi.yaml", "agency_variant: pro ", "agency_variant: prro",
                 "agency_variant: prro", "CAT012", "pro", id="agency-variant-of-service"),
    pytest.param("services/fakturering_administration.yaml", "bundles: [ekonomioversikt, scanner]",
                 "bundles: [ekonomioversikt, scaner]", "scaner", "CAT013", "scanner",
                 id="service-in-bundle"),
]


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif"])
@pytest.mark.parametrize(("file", "old", "new", "typo", "code", "meant"), TYPOS)
def test_typo_in_catalogue_is_named_at_its_file_and_line(
        catalogue_copy: Path, file: str, old: str, new: str, typo: str, code: str, meant: str,
        output_format: str) -> None:
    path = catalogue_copy / file
    edit(path, old, new)
    line = line_of(path.read_bytes(), typo)
    result = collab("validate", "catalogue", "--format", output_format)
    assert_no_traceback(result)
    assert result.exit_code == 1
    errors = [d for d in parse_report(result.stdout, output_format) if d[3] == "error"]
    assert errors == [(f"catalogue/{file}", line, code, "error")]
    assert f"did you mean '{meant}'?" in result.stdout


def test_plan_with_a_broken_catalogue_exits_2_naming_the_typo(catalogue_copy: Path) -> None:
    path = catalogue_copy / "services" / "eekonomi.yaml"
    edit(path, "agency_variant: pro ", "agency_variant: prro")
    result = collab("plan", LON_SMART_START_CUSTOMER_PAYS, "--catalogue", "catalogue")
    line = line_of(path.read_bytes(), "agency_variant: prro")
    assert_one_error(result, "catalogue/services/eekonomi.yaml", line, "CAT012")


def test_every_diagnostic_names_a_file_of_the_validated_catalogue(catalogue_copy: Path) -> None:
    """Warnings and notes too (the ANA008 note once named the working directory's rules/)."""
    edit(catalogue_copy / "rules" / "40-activation.yaml", "source: [D33]", "source: [D14]")
    result = collab("validate", "catalogue", "--format", "json")
    assert result.exit_code == 0
    files = {d["file"] for d in json.loads(result.stdout)["diagnostics"]}
    assert "catalogue/rules/domain.yaml" in files
    assert all(f.startswith("catalogue/") for f in files), files


# --- 4. one YAML value changes the plan -----------------------------------------------------


def test_allowing_the_customer_to_pay_lon_smart_start_allows_the_plan(catalogue_copy: Path) -> None:
    def plan() -> tuple[int, dict[str, Any]]:
        result = collab("plan", LON_SMART_START_CUSTOMER_PAYS, "--catalogue", "catalogue",
                        "--format", "json")
        assert_no_traceback(result)
        return result.exit_code, json.loads(result.stdout)

    code, before = plan()
    assert (code, before["outcome"]) == (1, "rejected")
    assert [r["code"] for r in before["rejections"]] == ["INVOICE_RECIPIENT_NOT_ALLOWED"]

    edit(catalogue_copy / "services" / "lon_smart.yaml", "invoice_recipients: [agency]",
         "invoice_recipients: [agency, customer]", after="- id: start")
    assert collab("validate", "catalogue").exit_code == 0
    code, after = plan()
    assert code == 0
    assert after["outcome"] != "rejected"
    assert after["rejections"] == []
    assert any("the customer as invoice recipient" in step["text"] for step in after["steps"])
    assert not list(catalogue_copy.rglob("*.py")), "the catalogue is YAML only"


# --- 5. services, facts, validate --format json; schema and docs checks -----------------------


def shipped_services() -> dict[str, dict[str, Any]]:
    services = [yaml.safe_load(p.read_text(encoding="utf-8"))
                for p in sorted((ROOT / "services").glob("*.yaml"))]
    return {s["id"]: s for s in services}


def test_services_json_lists_every_service_and_variant_of_the_catalogue() -> None:
    result = collab("services", "--format", "json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    shipped = shipped_services()
    assert sorted(s["id"] for s in listed) == sorted(shipped)
    for service in listed:
        source = shipped[service["id"]]
        assert service["name"] == source["name"]
        assert [v["id"] for v in service["variants"]] == [v["id"] for v in source["variants"]]
        for variant, declared in zip(service["variants"], source["variants"], strict=True):
            for key in ("name", "paying", "invoice_recipients", "agreement_periods"):
                assert variant[key] == declared[key], (service["id"], variant["id"], key)


def test_services_text_has_a_line_per_variant() -> None:
    result = collab("services")
    assert result.exit_code == 0
    for service in shipped_services().values():
        assert f"{service['name']} ({service['id']})" in result.stdout
        for variant in service["variants"]:
            payers = ", ".join(variant["invoice_recipients"])
            assert re.search(rf"^  - {re.escape(variant['name'])} \({variant['id']}\): "
                             rf"(paying|free); payers: {payers};", result.stdout, re.MULTILINE)


def facts_in(condition: dict[str, Any]) -> set[str]:
    found = set()
    for key, value in condition.items():
        if key == "any":
            for alternative in value:
                found |= facts_in(alternative)
        else:
            found.add(key)
    return found


def test_facts_lists_every_fact_the_rules_read_or_set() -> None:
    result = collab("facts")
    assert result.exit_code == 0
    rows = [re.match(r"^(\S+) +(str|int|bool) +\S", line) for line in result.stdout.splitlines()]
    assert all(rows), result.stdout
    listed = [row[1] for row in rows if row]
    assert len(listed) == len(set(listed)), "each fact once"
    used = set()
    for path in (ROOT / "rules").glob("[0-9]*.yaml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            used |= facts_in(rule.get("when", {})) | set(rule["then"].get("set", {}))
    assert used, "the rules read facts"
    assert used <= set(listed), used - set(listed)
    for service in shipped_services().values():
        for setting in service.get("settings", []):
            assert f"settings.{setting['id']}" in listed


def test_validate_json_shape_on_the_shipped_catalogue() -> None:
    result = collab("validate", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {"valid", "errors", "warnings", "notes", "diagnostics"} <= set(report)  # README
    severities = [d["severity"] for d in report["diagnostics"]]
    assert report["valid"] is True
    assert (report["errors"], report["warnings"]) == (0, 0)
    assert report["notes"] == severities.count("note") == len(severities)
    for diagnostic in report["diagnostics"]:
        assert set(diagnostic) == {"file", "line", "column", "code", "severity", "message", "hint"}
        assert re.fullmatch(r"[A-Z]+\d{3}", diagnostic["code"])


@pytest.mark.parametrize(("command", "folder"),
                         [("schema", "schemas"), ("docs", "docs/catalogue"), ("sync", ".")])
def test_committed_files_pass_check_and_a_stale_one_fails_it(
        command: str, folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = ("--out", ROOT / folder) if command != "sync" else ()
    current = collab(command, "--check", *out)
    assert (current.exit_code, current.output) == (0, "catalogue: . (the current folder)\n")

    copy = tmp_path / "copy"
    for generated in ("schemas", "docs/catalogue", "services", "rules"):
        shutil.copytree(ROOT / generated, copy / generated)
    stale = sorted(p for p in (copy / (folder if command != "sync" else "schemas")).iterdir()
                   if p.is_file())[0]
    stale.write_text(stale.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    if command == "sync":
        monkeypatch.chdir(copy)
    result = collab(command, "--check", *(("--out", copy / folder) if command != "sync" else ()))
    assert result.exit_code == 1
    assert stale.name in result.stderr
    assert stale.read_text(encoding="utf-8").endswith("\n\n"), "--check writes nothing"
