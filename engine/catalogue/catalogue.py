"""The loaded catalogue: services, pipeline, domain facts and rules, cross-checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from engine.catalogue.pipeline import DomainFact, Pipeline
from engine.catalogue.rule import Rule
from engine.catalogue.service import Service


@dataclass(frozen=True)
class PlacedRule:
    """A rule with where it stands: its stage and its place in catalogue order."""

    rule: Rule
    stage: str
    file: str
    line: int  # where the rule's id is written
    order: int


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: cached per object
class Catalogue:
    root: Path
    pipeline: Pipeline
    domain: dict[str, DomainFact]
    services: dict[str, Service]
    rules: tuple[PlacedRule, ...]  # in stage order, then file name, then position
    digest: str  # sha256 over every file's name and bytes: the catalogue's identity
    _by_stage: dict[str, tuple[PlacedRule, ...]] = field(init=False, repr=False)
    _by_id: dict[str, PlacedRule] = field(init=False, repr=False)

    def stage_rules(self, stage: str) -> tuple[PlacedRule, ...]:
        return self._by_stage.get(stage, ())

    def __post_init__(self) -> None:
        by_stage: dict[str, list[PlacedRule]] = {}
        for placed in self.rules:
            by_stage.setdefault(placed.stage, []).append(placed)
        object.__setattr__(self, "_by_stage", {stage: tuple(rules) for stage, rules in by_stage.items()})
        object.__setattr__(self, "_by_id", {placed.rule.id: placed for placed in self.rules})

    def rule(self, rule_id: str) -> PlacedRule:
        return self._by_id[rule_id]

    @cached_property
    def setting_ids(self) -> set[str]:
        return {s.id for service in self.services.values() for s in service.settings}

    @cached_property
    def periods(self) -> set[int]:
        return {p for s in self.services.values() for v in s.variants for p in v.agreement_periods}

    @cached_property
    def software_ids(self) -> set[str]:
        return {alt.software for s in self.services.values()
                for p in s.prerequisites for alt in p.any_of}
