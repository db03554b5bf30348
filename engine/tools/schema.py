"""JSON Schemas for editors and CI, generated from the pydantic models and the catalogue.

The models give each file's shape. The catalogue adds what `collab validate` checks against
it wherever JSON Schema can say it, so that an editor flags the same mistakes: fact names in
`when:` and `set:` (with each fact's type and values), stages, phases, scenarios, D-numbers,
services, variants, add-ons, `{placeholders}` in texts, exactly one comparison operator, `any`
with two or more alternatives, and a `then` that does something. What JSON Schema cannot say
(an id declared twice, a bundle cycle, the analysis) remains `collab validate`'s alone.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from pydantic import BaseModel

from engine.catalogue.catalogue import Catalogue
from engine.catalogue.facts import FACTS, SETTING_PREFIX
from engine.catalogue.operators import COMPARISONS
from engine.catalogue.pipeline import Domain, Pipeline
from engine.catalogue.rule import Compare, RuleFile
from engine.catalogue.service import Service
from engine.catalogue.values import value_domain
from engine.plan.model import Plan
from engine.request.model import Request, requests_adapter
from engine.tools.cases import Case

SCHEMA_BASE = "https://collab-engine.invalid/schemas/"
Schema = dict[str, Any]

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "service.schema.json": (Service, "A service of the catalogue (services/*.yaml)."),
    "rules.schema.json": (RuleFile, "A file of rules (rules/*.yaml)."),
    "pipeline.schema.json": (Pipeline, "The pipeline: stages, phases, scenarios (rules/pipeline.yaml)."),
    "domain.schema.json": (Domain, "The numbered domain facts (rules/domain.yaml)."),
    "request.schema.json": (Request, "A request to plan (activate, change, end, link...)."),
    "plan.schema.json": (Plan, "A plan, as `collab plan --format json` prints it."),
    "case.schema.json": (Case, "A scenario test case: a request and what its plan must show "
                               "(tests/scenarios/*.yaml)."),
}


def generate(catalogue: Catalogue) -> dict[str, Schema]:
    """File name -> JSON Schema, for every shape users write or read."""
    schemas = {}
    for name, (model, title) in SCHEMAS.items():
        mode: Literal["validation", "serialization"] = (
            "serialization" if model is Plan else "validation")
        # a request is one model per operation, chosen by `operation` (oneOf + discriminator)
        schema = (requests_adapter().json_schema(by_alias=True, mode=mode) if model is Request
                  else model.model_json_schema(by_alias=True, mode=mode))
        schemas[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_BASE + name,
            "description": title,
            **{k: v for k, v in schema.items() if k != "description"},
        }
    refine = _Refiner(catalogue)
    refine.rules(schemas["rules.schema.json"])
    refine.service(schemas["service.schema.json"])
    refine.case(schemas["case.schema.json"], schemas["request.schema.json"])
    for name in ("rules.schema.json", "service.schema.json", "pipeline.schema.json"):
        refine.sources(schemas[name])
    return schemas


# --------------------------------------------------------------------------- comparisons

_OPERATOR_KINDS = {name: operator.field.kind for name, operator in COMPARISONS.items()
                   if operator.field is not None}


def compare_schema(value: Schema, example: Any) -> Schema:
    """A comparison on one fact: exactly one operator, its operand typed as the fact is.

    Each operator's operand kind, description and the Compare field come from the operator
    table (engine/catalogue/operators.py).
    """
    fields = Compare.model_fields
    properties: Schema = {}
    for name, field in fields.items():
        operator = field.alias or name
        kind = _OPERATOR_KINDS[operator]
        operand: Schema = {
            "value": value,
            "values": {"type": "array", "items": value},
            "boolean": {"type": "boolean"},
            "integer": {"type": "integer"},
        }[kind]
        sample = {"value": example, "values": [example], "boolean": False, "integer": 0}[kind]
        properties[operator] = {**operand, "description": field.description, "examples": [sample]}
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "minProperties": 1, "maxProperties": 1,
            "description": "A comparison: exactly one of " + ", ".join(properties) + "."}


# --------------------------------------------------------------------------- the catalogue's words

_JSON_TYPES = {str: "string", int: "integer", bool: "boolean"}


class _Refiner:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.settings = {s.id: s for service in catalogue.services.values()
                         for s in service.settings}
        self.facts = sorted(FACTS) + sorted(SETTING_PREFIX + s for s in self.settings)
        self.services = sorted(catalogue.services)
        self.variants = sorted({v.id for s in catalogue.services.values() for v in s.variants})
        self.addons = sorted({a.id for s in catalogue.services.values() for a in s.addons})

    # a fact's values ------------------------------------------------------------------

    def _value(self, fact: str) -> tuple[Schema, Any]:
        """The schema of one value of ``fact``, and an example of it."""
        kind, values = value_domain(fact, self.catalogue.services, self.catalogue.pipeline)
        schema: Schema = {"type": _JSON_TYPES[kind]}
        if values is not None:
            schema["enum"] = sorted(values, key=str)
            return schema, schema["enum"][0]
        return schema, {str: "text", int: 1, bool: True}[kind]

    def _description(self, fact: str) -> str:
        if fact in FACTS:
            return FACTS[fact].description
        return self.settings[fact[len(SETTING_PREFIX):]].description.in_(
            self.catalogue.pipeline.default_language)

    def _fact_test(self, fact: str, defs: Schema) -> Schema:
        """`fact: test` in `when:`, its test shared (in $defs) by the facts of one kind."""
        value, example = self._value(fact)
        kind, _ = value_domain(fact, self.catalogue.services, self.catalogue.pipeline)
        spec = FACTS.get(fact)
        label = (spec.domain if spec else f"setting.{fact[len(SETTING_PREFIX):]}") or "any"
        name = f"Test.{_JSON_TYPES[kind]}.{label}"
        defs.setdefault(name, {
            "anyOf": [value, {"type": "array", "items": value}, compare_schema(value, example)],
            "description": "A value (equality), a list (one of), or a comparison.",
        })
        return {"$ref": f"#/$defs/{name}", "description": self._description(fact),
                "examples": [example]}

    # rules -----------------------------------------------------------------------------

    def rules(self, schema: Schema) -> None:
        defs = schema["$defs"]
        pipeline = self.catalogue.pipeline
        schema["properties"]["stage"]["enum"] = [s.id for s in pipeline.stages]
        defs["Step"]["properties"]["phase"]["enum"] = [p.id for p in pipeline.phases]
        defs.pop("Compare", None)
        when = defs["When"]
        when.pop("additionalProperties")
        when["additionalProperties"] = False
        when["properties"]["any"]["anyOf"][0]["minItems"] = 2
        when["properties"].update({fact: self._fact_test(fact, defs) for fact in self.facts})
        then = defs["Then"]
        settable = [name for name, spec in FACTS.items() if spec.settable]
        sets = then["properties"]["set"]
        sets.pop("additionalProperties")
        sets["additionalProperties"] = False
        sets["properties"] = {}
        for fact in settable:
            value, example = self._value(fact)
            sets["properties"][fact] = {"anyOf": [value, {"$ref": "#/$defs/FromFact"}],
                                        "description": self._description(fact),
                                        "examples": [example]}
        defs["FromFact"]["properties"]["from"]["enum"] = self.facts
        # a rule does something: CAT024 (constraints on fields together, not fields)
        then["allOf"] = [{"anyOf": [
            {"required": ["set"], "properties": {"set": {"minProperties": 1}}},
            {"required": ["steps"], "properties": {"steps": {"minItems": 1}}},
            {"required": ["warnings"], "properties": {"warnings": {"minItems": 1}}},
            {"required": ["notes"], "properties": {"notes": {"minItems": 1}}},
            {"required": ["reject"], "properties": {"reject": {"type": "object"}}},
            {"required": ["outcome"], "properties": {"outcome": {"type": "string"}}},
        ]}]
        # a text (one per language) whose every `{name}` is a fact or a screen (CAT028, CAT053)
        text = {"type": "string", "minLength": 1, "maxLength": 2000,
                "pattern": self._placeholder_pattern()}
        texts = {"anyOf": [text, {"type": "object", "patternProperties": {"^[a-z]{2,3}$": text},
                                  "required": list(self.catalogue.pipeline.languages),
                                  "additionalProperties": False}]}
        for model, field in (("Step", "text"), ("RuleWarning", "message"),
                             ("Rejection", "message"), ("Rejection", "hint")):
            prop = defs[model]["properties"][field]
            prop.pop("$ref", None)
            prop.update(texts)
        defs["Then"]["properties"]["notes"]["items"] = texts

    def _placeholder_pattern(self) -> str:
        """Text whose every `{name}` is a fact (CAT028) or a screen of the glossary (CAT053)."""
        screens = [f"screen.{s}" for s in self.catalogue.pipeline.glossary.screens]
        names = "|".join(re.escape(name) for name in [*self.facts, *screens])
        return rf"^(?![\s\S]*\{{(?!(?:{names})\}})[a-z_.]+\}})"

    # services, sources, cases ---------------------------------------------------------------

    def service(self, schema: Schema) -> None:
        defs = schema["$defs"]
        schema["properties"]["bundles"]["items"]["enum"] = self.services
        agency_variant = schema["properties"]["agency_variant"]
        for branch in agency_variant.get("anyOf", [agency_variant]):
            if branch.get("type") == "string":
                branch["enum"] = self.variants
        defs["AddonRef"]["properties"]["service"]["enum"] = self.services
        defs["AddonRef"]["properties"]["addon"]["enum"] = self.addons

    def sources(self, schema: Schema) -> None:
        """Every `source:` cites a D-number of rules/domain.yaml (CAT027)."""
        numbers = sorted(self.catalogue.domain, key=lambda d: int(d[1:]))

        def visit(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "source" and isinstance(value, dict) and "items" in value:
                        value["items"]["enum"] = numbers
                    elif key not in ("examples", "default", "enum"):
                        visit(value)
            elif isinstance(node, list):
                for item in node:
                    visit(item)
        visit(schema)

    def case(self, schema: Schema, request: Schema) -> None:
        defs = schema.setdefault("$defs", {})
        embedded = copy.deepcopy(request)
        defs.update(embedded.pop("$defs", {}))
        defs["Request"] = {k: v for k, v in embedded.items() if k not in ("$schema", "$id")}
        activate = defs["ActivateRequest"]
        schema["properties"]["request"] = {
            "anyOf": [{"$ref": "#/$defs/Request"}, {"type": "null"}],
            "description": "The request, written inline.",
            "examples": [{name: activate["properties"][name]["examples"][0]
                          for name in activate["required"]}],
        }
        schema["properties"]["expect"].update(
            description="What the plan must show; a key left out is not checked.",
            examples=[{"outcome": "ready"}])
        schema["oneOf"] = [{"required": ["request"]}, {"required": ["request_file"]}]
        # where the expected plan comes from (CASE005): the pages' lines, or a person's review
        schema["anyOf"] = [{"required": ["source"]}, {"required": ["review"]}]
        expect = defs["Expectation"]["properties"]
        rules = self.catalogue.rules
        ids = sorted({placed.rule.id for placed in rules})
        warnings = sorted({w.code for p in rules for w in p.rule.then.warnings})
        rejections = sorted({p.rule.then.reject.code for p in rules if p.rule.then.reject})
        self._narrow(expect["scenario"], {"enum": [s.id for s in self.catalogue.pipeline.scenarios]})
        step = next(({step.actor: placed.rule.id} for placed in rules
                     for step in placed.rule.then.steps), {})
        for steps in ("steps", "steps_include", "steps_absent"):
            self._narrow(expect[steps], {"items": {"type": "object", "additionalProperties":
                                                   {"type": "string", "enum": ids}}}, merge=True)
            expect[steps]["examples"] = [[step]]
        self._narrow(expect["warnings"], {"items": {"type": "string", "enum": warnings}})
        noting = sorted({placed.rule.id for placed in rules if placed.rule.then.notes})
        self._narrow(expect["notes"], {"items": {"type": "string", "enum": noting}})
        self._narrow(expect["rejections"], {"items": {"type": "string", "enum": rejections}})

    @staticmethod
    def _narrow(field: Schema, extra: Schema, merge: bool = False) -> None:
        """Add ``extra`` to the non-null branch of an optional field."""
        for branch in field.get("anyOf", [field]):
            if branch.get("type") == "null":
                continue
            for key, value in extra.items():
                if merge and isinstance(branch.get(key), dict) and isinstance(value, dict):
                    branch[key].update(value)
                else:
                    branch[key] = value
