"""JSON Schemas for editors and CI, generated from the pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from engine.catalogue.pipeline import Domain, Pipeline
from engine.catalogue.rule import RuleFile
from engine.catalogue.service import Service
from engine.plan.model import Plan
from engine.request.model import Request

SCHEMA_BASE = "https://collab-engine.invalid/schemas/"

SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "service.schema.json": (Service, "A service of the catalogue (services/*.yaml)."),
    "rules.schema.json": (RuleFile, "A file of rules (rules/*.yaml)."),
    "pipeline.schema.json": (Pipeline, "The pipeline: stages, phases, scenarios (rules/pipeline.yaml)."),
    "domain.schema.json": (Domain, "The numbered domain facts (rules/domain.yaml)."),
    "request.schema.json": (Request, "A request to plan (activate, change, end, link...)."),
    "plan.schema.json": (Plan, "A plan, as `collab plan --format json` prints it."),
}


def generate() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for every shape users write or read."""
    schemas = {}
    for name, (model, title) in SCHEMAS.items():
        mode: Literal["validation", "serialization"] = (
            "serialization" if model is Plan else "validation")
        schema = model.model_json_schema(by_alias=True, mode=mode)
        schemas[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_BASE + name,
            "description": title,
            **{k: v for k, v in schema.items() if k != "description"},
        }
    return schemas
