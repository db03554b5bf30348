"""The loaded catalogue: services, pipeline, domain facts and rules, cross-checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.models import DomainFact, Pipeline, Rule, Service


@dataclass(frozen=True)
class PlacedRule:
    """A rule with where it stands: its stage and its place in catalogue order."""

    rule: Rule
    stage: str
    file: str
    order: int


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: cached per object
class Catalogue:
    root: Path
    pipeline: Pipeline
    domain: dict[str, DomainFact]
    services: dict[str, Service]
    rules: tuple[PlacedRule, ...]  # in stage order, then file name, then position
    digest: str  # sha256 over every file's name and bytes: the catalogue's identity

    def stage_rules(self, stage: str) -> list[PlacedRule]:
        return [placed for placed in self.rules if placed.stage == stage]

    def rule(self, rule_id: str) -> PlacedRule:
        return next(placed for placed in self.rules if placed.rule.id == rule_id)

    @property
    def setting_ids(self) -> set[str]:
        return {s.id for service in self.services.values() for s in service.settings}

    @property
    def periods(self) -> set[int]:
        return {p for s in self.services.values() for v in s.variants for p in v.agreement_periods}

    @property
    def software_ids(self) -> set[str]:
        return {alt.software for s in self.services.values()
                for p in s.prerequisites for alt in p.any_of}
