"""Each operation's request takes exactly its own fields (issue 20, part 1).

A field that belongs to another operation (the variant of an `end`, an `ending` on a `link`,
`settings` on a `change_variant`) used to change the plan silently; now it is REQ020, exit 2,
at the field's line. Which operation takes which field is written here from the help pages,
not taken from the engine, so that the engine's table is checked against them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

import cli
from engine import RequestError, load_catalogue, plan
from engine.tools.generate import corpus

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ("activate", "accept_invitation", "change_variant", "change_invoice_recipient",
              "change_agreement_period", "end", "link")
#: The window Activate service: variant, task, invoice recipient, agreement period ([001]
#: L42-L46), and Lön Smart's time registration ([000]); an invitation is in the customer's
#: variant ([001] L25, L18); the pen icon changes variant, period or payer ([003] L88); an
#: ending says who ends it and whether the service ends too ([003] L111, L117); linking
#: connects a Byråstöd collaboration to a service and a task ([002] L11).
OWN_FIELDS: dict[str, tuple[str, ...]] = {
    "activate": ("variant", "invoice_recipient", "agreement_period", "settings"),
    "accept_invitation": ("variant",),
    "change_variant": ("variant", "invoice_recipient", "agreement_period"),
    "change_invoice_recipient": ("invoice_recipient",),
    "change_agreement_period": ("agreement_period",),
    "end": ("ending",),
    "link": (),
}
SHARED = {"operation", "service", "task", "customer", "agency"}
VALUES: dict[str, Any] = {"variant": "standard", "invoice_recipient": "agency",
                          "agreement_period": 12, "settings": {"time_registration": "agency"},
                          "ending": {"by": "customer", "service": "end"}}
MESSAGES = {
    "variant": "`variant` applies to `operation: activate`, `accept_invitation` and "
               "`change_variant` only",
    "invoice_recipient": "`invoice_recipient` applies to `operation: activate`, `change_variant` "
                         "and `change_invoice_recipient` only",
    "agreement_period": "`agreement_period` applies to `operation: activate`, `change_variant` "
                        "and `change_agreement_period` only",
    "settings": "`settings` applies to `operation: activate` only",
    "ending": "`ending` applies to `operation: end` only",
}
FOREIGN = [(op, name) for op in OPERATIONS for name in VALUES if name not in OWN_FIELDS[op]]
REQUEST_SCHEMA = json.loads((ROOT / "schemas" / "request.schema.json").read_text(encoding="utf-8"))


def request(operation: str, **fields: Any) -> dict[str, Any]:
    """A Lön Smart request of ``operation`` whose shared part is valid; an edit has our
    collaboration in Standard, an activation none."""
    customer: dict[str, Any] = {"name": "Kund AB", "spcs_customer": True,
                                "main_contact": {"name": "Eva", "email": "eva@kund.se"}}
    if operation not in ("activate", "accept_invitation"):
        customer["collaborations"] = [{"agency": "556000-0001", "service": "lon_smart",
                                       "variant": "standard", "invoice_recipient": "customer",
                                       "agreement_period": 12}]
    return {"operation": operation, "service": "lon_smart", "task": "T1", **fields,
            "customer": customer,
            "agency": {"id": "556000-0001", "name": "Byrå AB",
                       "tasks": [{"id": "T1", "name": "Lön", "responsible": "Anna"}]}}


def collab_plan(tmp_path: Path, data: dict[str, Any]) -> tuple[Result, str]:
    path = tmp_path / "request.yaml"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli.main, ["plan", str(path), "--catalogue", str(ROOT)]), text


def line_of_key(text: str, key: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(f"{key}:")]
    assert len(lines) == 1
    return lines[0]


@pytest.mark.parametrize(("operation", "name"), FOREIGN, ids=[f"{o}-{n}" for o, n in FOREIGN])
def test_a_field_of_another_operation_is_req020_at_its_line(
        tmp_path: Path, operation: str, name: str) -> None:
    result, text = collab_plan(tmp_path, request(operation, **{name: VALUES[name]}))
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if "[error]" in line]
    assert errors == [f"{tmp_path / 'request.yaml'}:{line_of_key(text, name)}:1: [error] "
                      f"{MESSAGES[name]} (REQ020)"]
    assert f"hint: remove `{name}`" in result.output


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_operation_takes_its_own_fields(tmp_path: Path, operation: str) -> None:
    own = {name: VALUES[name] for name in OWN_FIELDS[operation]}
    result, _ = collab_plan(tmp_path, request(operation, **own))
    assert result.exit_code in (0, 1), result.output  # planned: ready, waiting or rejected
    assert "REQ0" not in result.output


def test_ending_a_smart_collaboration_in_bokforing_is_refused_not_planned() -> None:
    """The issue's example: the plan said "end eEkonomi Bokföring" of a Smart collaboration."""
    catalogue = load_catalogue(ROOT)
    data = request("end", variant="bokforing", ending={"by": "agency", "service": "end"})
    data["service"] = "eekonomi"
    data["customer"]["collaborations"] = [{"agency": "556000-0001", "service": "eekonomi",
                                           "variant": "smart", "invoice_recipient": "customer"}]
    with pytest.raises(RequestError) as raised:
        plan(catalogue, data)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("REQ020", MESSAGES["variant"])]
    del data["variant"]
    assert plan(catalogue, data).variant.id == "smart"  # type: ignore[union-attr]


def test_every_foreign_field_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    data = request("link", ending={"by": "agency", "service": "end"}, settings={"a": "b"},
                   agreement_period="12")
    result, text = collab_plan(tmp_path, data)
    assert result.exit_code == 2
    errors = [[*line.split(": [error] ")[0].rsplit(":", 2)[1:], line.rsplit(" (", 1)[1]]
              for line in result.output.splitlines() if "[error]" in line]
    assert errors == [[str(line_of_key(text, name)), "1", "REQ020)"]
                      for name in ("ending", "settings", "agreement_period")]


def test_an_unknown_operation_names_the_valid_ones(tmp_path: Path) -> None:
    result, _ = collab_plan(tmp_path, request("activat"))
    assert result.exit_code == 2
    assert "'operation' must be one of " + ", ".join(OPERATIONS) + ", not 'activat'" in result.output
    assert "did you mean 'activate'?" in result.output


def test_a_misspelled_field_suggests_the_operations_own_field(tmp_path: Path) -> None:
    result, text = collab_plan(tmp_path, request("end", endng={"by": "agency", "service": "end"}))
    assert result.exit_code == 2
    assert f":{line_of_key(text, 'endng')}:1: [error] unknown field 'endng' (REQ001)" in result.output
    assert "did you mean 'ending'?" in result.output


def test_a_missing_operation_lists_the_operations(tmp_path: Path) -> None:
    data = request("link")
    del data["operation"]
    result, _ = collab_plan(tmp_path, data)
    assert result.exit_code == 2
    assert "missing required field 'operation'" in result.output
    assert ", ".join(OPERATIONS) in result.output


@pytest.mark.parametrize(("operation", "name"), FOREIGN, ids=[f"{o}-{n}" for o, n in FOREIGN])
def test_the_json_schema_rejects_a_field_of_another_operation(operation: str, name: str) -> None:
    validator = jsonschema.Draft202012Validator(REQUEST_SCHEMA)
    assert not validator.is_valid(request(operation, **{name: VALUES[name]}))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_json_schema_accepts_each_operations_own_fields(operation: str) -> None:
    own = {name: VALUES[name] for name in OWN_FIELDS[operation]}
    jsonschema.Draft202012Validator(REQUEST_SCHEMA).validate(request(operation, **own))


def test_generate_covers_each_own_field_present_and_absent_and_no_other() -> None:
    seen: dict[str, dict[str, set[bool]]] = {op: {} for op in OPERATIONS}
    foreign = []
    for data in corpus(load_catalogue(ROOT)):
        operation = data["operation"]
        extra = set(data) - SHARED - set(OWN_FIELDS[operation])
        if extra:
            foreign.append((operation, sorted(extra)))
        for name in OWN_FIELDS[operation]:
            seen[operation].setdefault(name, set()).add(name in data)
    assert foreign == []
    assert seen == {op: {name: {True, False} for name in OWN_FIELDS[op]} for op in OPERATIONS}


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_carry_only_their_operations_fields(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) - SHARED <= set(OWN_FIELDS[data["operation"]])
