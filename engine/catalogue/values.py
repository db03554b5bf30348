"""Fact names and values in rules, checked against the catalogue's value domains (which
services, variants, periods, scenarios... it has); also what the JSON Schemas say of facts."""

from __future__ import annotations

from engine.catalogue.documents import PathKey
from engine.catalogue.facts import (
    CHANGES,
    ENDINGS,
    FACTS,
    OPERATIONS,
    PERIODS,
    RECIPIENTS,
    SCENARIOS,
    SERVICES,
    SETTING_PREFIX,
    VARIANTS,
    is_known_fact,
)
from engine.catalogue.messages import did_you_mean
from engine.catalogue.operators import COMPARISONS
from engine.catalogue.pipeline import Pipeline
from engine.catalogue.rule import Compare, FromFact, When
from engine.catalogue.service import Service
from engine.catalogue.types import Operation, Scalar

Problem = tuple[PathKey, str, str, str]


def value_domain(fact: str, services: dict[str, Service],
                 pipeline: Pipeline) -> tuple[type, set[Scalar] | None]:
    """The type of a fact's values and, where the catalogue fixes them, the values (also what
    the JSON Schemas say of each fact)."""
    return RuleValueChecker(services, pipeline).type_and_domain(fact)


class RuleValueChecker:
    """Checks fact names and values in rules against the catalogue's value domains."""

    def __init__(self, services: dict[str, Service], pipeline: Pipeline | None,
                 broken: set[str] | None = None) -> None:
        self.services = services
        # the glossary's screens; None without a pipeline: screens are then not checked
        self.screens = set(pipeline.glossary.screens) if pipeline else None
        self.broken = broken or set()  # services whose file has errors: what they hold is unknown
        self.incomplete = bool(self.broken)
        self.settings = {s.id: s for service in services.values() for s in service.settings}
        self.domains: dict[str, set[Scalar]] = {
            OPERATIONS: set(Operation.__args__),  # type: ignore[attr-defined]
            SERVICES: set(services),
            VARIANTS: {v.id for s in services.values() for v in s.variants},
            RECIPIENTS: {"agency", "customer"},
            PERIODS: {p for s in services.values() for v in s.variants for p in v.agreement_periods},
            CHANGES: {"upgrade", "downgrade", "sideways", "same"},
            ENDINGS: {"end", "continue"},
        }
        if pipeline is not None:  # else rules/pipeline.yaml has errors: scenarios are unknown
            self.domains[SCENARIOS] = {s.id for s in pipeline.scenarios}

    def known(self, name: str) -> bool:
        if self.incomplete and name.startswith(SETTING_PREFIX):
            return True  # it may belong to the broken service: not reported twice
        return is_known_fact(name, set(self.settings))

    def type_and_domain(self, name: str) -> tuple[type, set[Scalar] | None]:
        if name.startswith(SETTING_PREFIX):
            setting = self.settings.get(name[len(SETTING_PREFIX):])
            return str, set(setting.values) if setting else None
        spec = FACTS[name]
        return spec.type, self.domains.get(spec.domain) if spec.domain else None

    def _unknown_fact(self, name: str, key: PathKey) -> Problem:
        choices = list(FACTS) + [SETTING_PREFIX + s for s in self.settings]
        return (key, "CAT023", f"unknown fact '{name}'",
                did_you_mean(name, choices) or "see the fact list in the README")

    def check_value(self, name: str, value: Scalar, key: PathKey,
                    services: set[str] | None = None) -> list[Problem]:
        kind, domain = self.type_and_domain(name)
        if type(value) is not kind:
            return [(key, "CAT029", f"'{name}' is {kind.__name__}, but {value!r} is "
                     f"{type(value).__name__}", "write true/false for yes-or-no facts, numbers "
                     "unquoted, text as text")]
        if name in ("variant.id", "current.variant", "subscription.variant") and services:
            domain = {v.id for s in services for v in self.services[s].variants}
            where = ", ".join(sorted(services))
            if value not in domain:
                return [(key, "CAT012", f"unknown variant '{value}' of {where}",
                         did_you_mean(str(value), {str(d) for d in domain}) or
                         f"variants of {where}: {', '.join(sorted(str(d) for d in domain))}")]
        spec_domain = FACTS[name].domain if name in FACTS else None
        if self.broken and (value in self.broken or spec_domain in (VARIANTS, PERIODS)):
            return []  # it may be in a service file that has errors, reported already
        if domain is not None and value not in domain:
            code = {"services": "CAT013", "variants": "CAT012", "scenarios": "CAT026"}.get(
                FACTS[name].domain or "" if name in FACTS else "", "CAT025")
            return [(key, code, f"{value!r} is not a value of '{name}'",
                     did_you_mean(str(value), {str(d) for d in domain}) or
                     f"allowed: {', '.join(sorted(str(d) for d in domain))}")]
        return []

    def check_when(self, when: When, key: PathKey,
                   services: set[str] | None = None) -> list[Problem]:
        problems: list[Problem] = []
        tests = when.tests
        service_test = tests.get("service.id")
        if isinstance(service_test, str):
            services = {service_test} & set(self.services) or services
        elif isinstance(service_test, list):
            services = {str(s) for s in service_test} & set(self.services) or services
        for name, test in tests.items():
            test_key = (*key, name)
            if not self.known(name):
                problems.append(self._unknown_fact(name, test_key))
                continue
            if isinstance(test, Compare):
                problems += self._check_compare(name, test, test_key, services)
            elif isinstance(test, list):
                for index, value in enumerate(test):
                    problems += self.check_value(name, value, (*test_key, index), services)
            else:
                problems += self.check_value(name, test, test_key, services)
        for index, alternative in enumerate(when.any or []):
            problems += self.check_when(alternative, (*key, "any", index), services)
        return problems

    def _check_compare(self, name: str, test: Compare, key: PathKey,
                       services: set[str] | None) -> list[Problem]:
        given = test.model_dump(exclude_none=True)
        if len(given) != 1:
            return [(key, "CAT017", f"a comparison on '{name}' needs exactly one of "
                     f"{', '.join(COMPARISONS)}", "split it into separate conditions")]
        problems: list[Problem] = []
        operator, operand = test.operator()
        for value in operator.values(operand):
            problems += self.check_value(name, value, key, services)
        return problems

    def check_set(self, name: str, value: Scalar | FromFact, key: PathKey) -> list[Problem]:
        if not self.known(name):
            return [self._unknown_fact(name, key)]
        if name not in FACTS or not FACTS[name].settable:
            settable = sorted(n for n, s in FACTS.items() if s.settable)
            return [(key, "CAT016", f"rules cannot decide '{name}'",
                     f"a rule may set: {', '.join(settable)}")]
        if isinstance(value, FromFact):
            if not self.known(value.from_):
                return [self._unknown_fact(value.from_, key)]
            return []
        return self.check_value(name, value, key)



