"""Stage 2: turn loaded documents into a checked Catalogue or Request, or say what is wrong.

Problems are collected, not raised one at a time: a product owner sees every mistake in the
catalogue in one run, each with its file, line and a hint. Layers: the file (load.py), the
shape (pydantic models), then references between files (services, variants, facts, stages,
phases, scenarios, D-numbers).
"""

from __future__ import annotations

import difflib
import gc
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.catalogue import Catalogue, PlacedRule
from engine.errors import (
    CatalogueError,
    Diagnostic,
    InputError,
    RequestError,
    Severity,
    display_path,
)
from engine.facts import (
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
from engine.load import Document, PathKey, load_document
from engine.models import (
    Compare,
    Domain,
    FromFact,
    Operation,
    Pipeline,
    Request,
    RuleFile,
    Scalar,
    Service,
    When,
)

M = TypeVar("M", bound=BaseModel)

PIPELINE_FILE = "pipeline.yaml"
DOMAIN_FILE = "domain.yaml"
PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")

_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "an id: lower-case letters, digits and _, starting with a letter",
    r"^[a-z][a-z0-9-]*$": "a rule id: lower-case letters, digits and -, starting with a letter",
    r"^[A-Z][A-Z0-9_]*$": "a code: upper-case letters, digits and _",
    r"^D[1-9][0-9]*$": "a domain fact number such as D14",
    r"^[0-9]+(\.[0-9]+)*$": "a version such as \"2020.0\"",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an email address",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _describe(error: Any) -> tuple[str, str]:
    """A pydantic error in a product owner's words: message and hint."""
    kind, msg = error["type"], error["msg"]
    loc = [part for part in error["loc"] if not str(part).startswith(("function-", "union["))]
    field = str(loc[-1]) if loc else "document"
    if kind == "extra_forbidden":
        return f"unknown field '{field}'", "check the spelling; the schema lists the fields allowed here"
    if kind == "missing":
        return f"missing required field '{field}'", f"add '{field}:'"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        wanted = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"'{field}' must be {wanted}, not {error['input']!r}", ""
    if kind == "string_type" and isinstance(error.get("input"), bool | int | float):
        return (f"'{field}' must be text, but YAML read {error['input']!r}",
                "quote it: YAML reads yes/no/on/off/true/false as booleans and digits as numbers")
    if kind == "value_error":
        return f"'{field}': {msg.removeprefix('Value error, ')}", ""
    given = error.get("input")
    if kind in ("model_type", "dict_type") and not loc:
        return (f"the file must hold one mapping (key: value lines), not {_kind_of(given)}",
                "write the fields at the top level, not as a list item")
    if kind in ("model_type", "dict_type"):
        return (f"'{field}' must be a mapping (key: value lines), not {_kind_of(given)}",
                "indent its fields below it")
    if kind == "int_type" and isinstance(given, str):
        return (f"'{field}' must be a whole number, not the text {given!r}",
                "remove the quotes")
    if kind in ("int_type", "int_from_float"):
        return f"'{field}' must be a whole number, not {given!r}", "write digits only, e.g. 12"
    if kind == "bool_type":
        return f"'{field}' must be true or false, not {given!r}", "write true or false, unquoted"
    if kind == "list_type":
        return (f"'{field}' must be a list, not {_kind_of(given)}",
                "write it as [a, b] or as lines starting with '- '")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"'{field}' must be {expected}, not {given!r}", "use one of the values listed"
    return f"'{field}': {msg}", "the JSON Schemas in schemas/ describe every field"


def _kind_of(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def validate_model(model: type[M], document: Document,
                   code: str) -> tuple[M | None, list[Diagnostic]]:
    """The model built from the document, or the problems, each at its line."""
    try:
        return model.model_validate(document.data), []
    except ValidationError as error:
        seen: set[tuple[PathKey, str]] = set()
        problems = []
        for item in error.errors():
            loc: PathKey = tuple(p for p in item["loc"]
                                 if not str(p).startswith(("function-", "union[")) and p not in
                                 ("str", "int", "bool", "list[union[str,int,bool]]", "Compare"))
            message, hint = _describe(item)
            if (loc, message) in seen:
                continue
            seen.add((loc, message))
            problems.append(document.diagnostic(loc, code, message, hint))
        return None, _union_noise_removed(problems)


def _union_noise_removed(problems: list[Diagnostic]) -> list[Diagnostic]:
    """A value that fits no branch of a union gets one error per branch: keep one per place."""
    kept: dict[tuple[int, int], Diagnostic] = {}
    for problem in problems:
        kept.setdefault((problem.line, problem.column), problem)
    return list(kept.values())


def _load_all(paths: list[Path]) -> tuple[list[Document], list[Diagnostic]]:
    documents, problems = [], []
    for path in paths:
        try:
            documents.append(load_document(path))
        except InputError as error:
            problems.extend(error.diagnostics)
    return documents, problems


# --------------------------------------------------------------------------- catalogue


def check_catalogue(root: Path) -> tuple[Catalogue | None, list[Diagnostic]]:
    """Every problem in the catalogue at ``root`` (errors and warnings), and the catalogue if usable."""
    with _without_cyclic_gc():
        return _CatalogueChecker(root).run()


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Loading builds a great many small objects and no reference cycles; the cyclic collector
    would scan them again and again, a quarter of the time at 100x the shipped catalogue
    (benchmarks/). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_catalogue(root: Path) -> Catalogue:
    """The catalogue at ``root``; raises CatalogueError (or InputError) listing every error."""
    catalogue, problems = check_catalogue(root)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if catalogue is None or errors:
        raise CatalogueError(errors)
    return catalogue


class _CatalogueChecker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Diagnostic] = []

    def add(self, document: Document, key: PathKey, code: str, message: str, hint: str = "",
            severity: Severity = Severity.ERROR) -> None:
        if code in ("CAT012", "CAT013", "CAT014") and self.broken:
            return  # likely a consequence of a broken service file, reported already
        line, column = document.position(key)
        self.problems.append(Diagnostic(document.name, line, column, code, message, hint, severity))

    def run(self) -> tuple[Catalogue | None, list[Diagnostic]]:
        root_name = display_path(self.root)
        services_dir, rules_dir = self.root / "services", self.root / "rules"
        for folder in (services_dir, rules_dir):
            if not folder.is_dir():
                return None, [Diagnostic(root_name, 0, 0, "CAT001",
                                         f"no {folder.name}/ folder: this is not a catalogue",
                                         "point --catalogue at the folder holding services/ and rules/")]
        service_paths = sorted(services_dir.glob("*.yaml"))
        rule_paths = sorted(rules_dir.glob("*.yaml"))
        documents, self.problems = _load_all(service_paths + rule_paths)
        by_path = {d.path: d for d in documents}

        pipeline = self._single(rules_dir / PIPELINE_FILE, by_path, Pipeline)
        domain = self._single(rules_dir / DOMAIN_FILE, by_path, Domain)
        services: dict[str, tuple[Service, Document]] = {}
        # Services whose file is broken: already reported, so references to them are not
        # reported again as unknown (one mistake, one message).
        self.broken: set[str] = set()
        for path in service_paths:
            if path not in by_path:
                self.broken.add(path.stem)
                continue
            service, problems = validate_model(Service, by_path[path], "CAT002")
            self.problems += problems
            if service is None:
                raw = by_path[path].data
                self.broken |= {path.stem, str(raw.get("id")) if isinstance(raw, dict) else ""}
            elif service.id in services:
                self.add(by_path[path], ("id",), "CAT010",
                         f"service '{service.id}' is declared twice "
                         f"(also in {services[service.id][1].name})", "give each service one file")
            else:
                services[service.id] = (service, by_path[path])
        rule_files: list[tuple[RuleFile, Document]] = []
        for path in rule_paths:
            if path.name in (PIPELINE_FILE, DOMAIN_FILE) or path not in by_path:
                continue
            rule_file, problems = validate_model(RuleFile, by_path[path], "CAT002")
            self.problems += problems
            if rule_file is not None:
                rule_files.append((rule_file, by_path[path]))

        if pipeline is None or domain is None:
            return None, sorted(self.problems)
        domain_facts = {f.id: f for f in domain[0].facts}
        self.cited: set[str] = set(pipeline[0].source)
        self._check_domain(domain[0], domain[1])
        self._check_pipeline(pipeline[0], pipeline[1], domain_facts)
        for service, document in services.values():
            self._check_service(service, document, services, domain_facts)
        placed = self._check_rules(rule_files, pipeline[0], {k: v[0] for k, v in services.items()},
                                   domain_facts)
        complete = len(rule_files) + 2 == len(rule_paths) and len(services) == len(service_paths)
        for fact_id in domain_facts if complete else ():  # a broken file cites nothing
            if fact_id not in self.cited:
                self.add(domain[1], ("facts", list(domain_facts).index(fact_id)), "CAT040",
                         f"domain fact {fact_id} is cited by no service, rule or pipeline entry",
                         "cite it in the `source:` of whatever implements it", Severity.WARNING)

        digest = hashlib.sha256()
        for document in sorted(documents, key=lambda d: d.path.name):
            digest.update(document.path.parent.name.encode() + b"/" + document.path.name.encode())
            digest.update(document.path.read_bytes())
        catalogue = Catalogue(
            root=self.root,
            pipeline=pipeline[0],
            domain=domain_facts,
            services={k: v[0] for k, v in services.items()},
            rules=tuple(placed),
            digest=digest.hexdigest(),
        )
        return catalogue, sorted(self.problems)

    def _single(self, path: Path, by_path: dict[Path, Document],
                model: type[M]) -> tuple[M, Document] | None:
        if path not in by_path:
            if not path.exists():
                self.problems.append(Diagnostic(display_path(path), 0, 0, "CAT003",
                                                "required file is missing",
                                                f"every catalogue has rules/{path.name}"))
            return None
        value, problems = validate_model(model, by_path[path], "CAT002")
        self.problems += problems
        return (value, by_path[path]) if value is not None else None

    def _cite(self, document: Document, key: PathKey, sources: list[str],
              domain: dict[str, Any]) -> None:
        for index, source in enumerate(sources):
            if source in domain:
                self.cited.add(source)
            else:
                self.add(document, (*key, index), "CAT027", f"unknown domain fact {source}",
                         "cite a D-number listed in rules/domain.yaml")

    def _check_domain(self, domain: Domain, document: Document) -> None:
        seen: set[str] = set()
        for index, fact in enumerate(domain.facts):
            if fact.id in seen:
                self.add(document, ("facts", index, "id"), "CAT030",
                         f"domain fact {fact.id} is listed twice", "number each fact once")
            seen.add(fact.id)

    def _check_pipeline(self, pipeline: Pipeline, document: Document,
                        domain: dict[str, Any]) -> None:
        self._cite(document, ("source",), pipeline.source, domain)
        for field in ("stages", "phases", "scenarios"):
            seen: set[str] = set()
            for index, item in enumerate(getattr(pipeline, field)):
                if item.id in seen:
                    self.add(document, (field, index, "id"), "CAT031",
                             f"{field[:-1]} '{item.id}' is listed twice", "list each once")
                seen.add(item.id)
        for index, scenario in enumerate(pipeline.scenarios):
            self._cite(document, ("scenarios", index, "source"), scenario.source, domain)

    def _check_service(self, service: Service, document: Document,
                       services: dict[str, tuple[Service, Document]],
                       domain: dict[str, Any]) -> None:
        self._cite(document, ("source",), service.source, domain)
        seen: set[str] = set()
        for index, variant in enumerate(service.variants):
            if variant.id in seen:
                self.add(document, ("variants", index, "id"), "CAT011",
                         f"variant '{variant.id}' is declared twice in {service.id}",
                         "give each variant its own id")
            seen.add(variant.id)
            self._cite(document, ("variants", index, "source"), variant.source, domain)
            for ref_index, ref in enumerate(variant.disables):
                key = ("variants", index, "disables", ref_index)
                other = services.get(ref.service)
                if other is None:
                    self.add(document, (*key, "service"), "CAT013",
                             f"unknown service '{ref.service}'", did_you_mean(ref.service, services))
                elif not any(a.id == ref.addon for a in other[0].addons):
                    self.add(document, (*key, "addon"), "CAT014",
                             f"service '{ref.service}' has no add-on '{ref.addon}'",
                             did_you_mean(ref.addon, [a.id for a in other[0].addons]))
        if service.agency_variant and service.agency_variant not in seen:
            self.add(document, ("agency_variant",), "CAT012",
                     f"unknown variant '{service.agency_variant}' of {service.id}",
                     did_you_mean(service.agency_variant, seen))
        for index, bundled in enumerate(service.bundles):
            if bundled not in services:
                self.add(document, ("bundles", index), "CAT013", f"unknown service '{bundled}'",
                         did_you_mean(bundled, services) or "bundle a service from services/")
            elif self._bundles_reach(bundled, service.id, services, set()):
                self.add(document, ("bundles", index), "CAT015",
                         f"bundle cycle: {bundled} includes {service.id} again",
                         "a service cannot include itself, directly or through others")
        for group in ("addons", "prerequisites", "settings"):
            for index, item in enumerate(getattr(service, group)):
                self._cite(document, (group, index, "source"), item.source, domain)

    def _bundles_reach(self, start: str, goal: str, services: dict[str, tuple[Service, Document]],
                       seen: set[str]) -> bool:
        if start == goal:
            return True
        if start in seen or start not in services:
            return False
        seen.add(start)
        return any(self._bundles_reach(b, goal, services, seen) for b in services[start][0].bundles)

    def _check_rules(self, rule_files: list[tuple[RuleFile, Document]], pipeline: Pipeline,
                     services: dict[str, Service], domain: dict[str, Any]) -> list[PlacedRule]:
        stages = [s.id for s in pipeline.stages]
        phases = {p.id for p in pipeline.phases}
        checker = _RuleValueChecker(services, pipeline, incomplete=bool(self.broken))
        seen: dict[str, str] = {}
        placed: list[PlacedRule] = []
        for rule_file, document in rule_files:
            if rule_file.stage not in stages:
                self.add(document, ("stage",), "CAT021", f"unknown stage '{rule_file.stage}'",
                         did_you_mean(rule_file.stage, stages) or
                         f"use one of the stages in rules/{PIPELINE_FILE}: {', '.join(stages)}")
                continue
            for index, rule in enumerate(rule_file.rules):
                key: PathKey = ("rules", index)
                if rule.id in seen:
                    self.add(document, (*key, "id"), "CAT020",
                             f"rule id '{rule.id}' is used twice (also in {seen[rule.id]})",
                             "give every rule its own id")
                seen[rule.id] = document.name
                self._cite(document, (*key, "source"), rule.source, domain)
                for problem in checker.check_when(rule.when, (*key, "when")):
                    self.add(document, *problem)
                for fact, value in rule.then.set.items():
                    for problem in checker.check_set(fact, value, (*key, "then", "set", fact)):
                        self.add(document, *problem)
                for step_index, step in enumerate(rule.then.steps):
                    step_key = (*key, "then", "steps", step_index)
                    if step.phase not in phases:
                        self.add(document, (*step_key, "phase"), "CAT022",
                                 f"unknown phase '{step.phase}'",
                                 did_you_mean(step.phase, phases) or
                                 f"use a phase from rules/{PIPELINE_FILE}")
                    self._check_placeholders(document, (*step_key, "text"), step.text, checker)
                for w_index, warning in enumerate(rule.then.warnings):
                    self._check_placeholders(document, (*key, "then", "warnings", w_index),
                                             warning.message, checker)
                if rule.then.reject is not None:
                    for part in ("message", "hint"):
                        self._check_placeholders(document, (*key, "then", "reject", part),
                                                 getattr(rule.then.reject, part), checker)
                if not (rule.then.set or rule.then.steps or rule.then.warnings
                        or rule.then.reject or rule.then.outcome):
                    self.add(document, (*key, "then"), "CAT024", f"rule '{rule.id}' does nothing",
                             "give it a set, steps, warnings, reject or outcome")
                line = document.position((*key, "id"))[0]
                placed.append(PlacedRule(rule, rule_file.stage, document.name, line, 0))
        placed.sort(key=lambda p: stages.index(p.stage))  # stable: file order within a stage
        return [PlacedRule(p.rule, p.stage, p.file, p.line, order)
                for order, p in enumerate(placed)]

    def _check_placeholders(self, document: Document, key: PathKey, text: str,
                            checker: _RuleValueChecker) -> None:
        for name in PLACEHOLDER.findall(text):
            if not checker.known(name):
                self.add(document, key, "CAT028", f"unknown fact '{{{name}}}' in text",
                         did_you_mean(name, FACTS) or "use a fact listed in docs/facts")


Problem = tuple[PathKey, str, str, str]


class _RuleValueChecker:
    """Checks fact names and values in rules against the catalogue's value domains."""

    def __init__(self, services: dict[str, Service], pipeline: Pipeline,
                 incomplete: bool = False) -> None:
        self.services = services
        self.incomplete = incomplete  # a service file is broken: its settings are unknown
        self.settings = {s.id: s for service in services.values() for s in service.settings}
        self.domains: dict[str, set[Scalar]] = {
            OPERATIONS: set(Operation.__args__),  # type: ignore[attr-defined]
            SERVICES: set(services),
            VARIANTS: {v.id for s in services.values() for v in s.variants},
            RECIPIENTS: {"agency", "customer"},
            PERIODS: {p for s in services.values() for v in s.variants for p in v.agreement_periods},
            SCENARIOS: {s.id for s in pipeline.scenarios},
            CHANGES: {"upgrade", "downgrade", "sideways", "same"},
            ENDINGS: {"end", "continue"},
        }

    def known(self, name: str) -> bool:
        if self.incomplete and name.startswith(SETTING_PREFIX):
            return True  # it may belong to the broken service: not reported twice
        return is_known_fact(name, set(self.settings))

    def _type_and_domain(self, name: str) -> tuple[type, set[Scalar] | None]:
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
        kind, domain = self._type_and_domain(name)
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
        given = list(test.model_fields_set)
        if len(given) != 1:
            return [(key, "CAT017", f"a comparison on '{name}' needs exactly one of not, in, "
                     "not_in, present, gt, gte, lt, lte", "split it into separate conditions")]
        problems: list[Problem] = []
        for value in _compare_values(test):
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


def _compare_values(test: Compare) -> list[Scalar]:
    if test.not_ is not None:
        return [test.not_]
    for values in (test.in_, test.not_in):
        if values is not None:
            return list(values)
    return []


# --------------------------------------------------------------------------- requests


def request_from_document(document: Document, catalogue: Catalogue) -> Request:
    """The request in ``document``, checked against the catalogue; raises RequestError."""
    request, problems = validate_model(Request, document, "REQ001")
    if request is None:
        raise RequestError(problems)
    problems = _RequestChecker(document, catalogue).check(request)
    if problems:
        raise RequestError(problems)
    return request


def load_request(path: Path, catalogue: Catalogue) -> Request:
    """The request in the file at ``path``; raises InputError or RequestError."""
    return request_from_document(load_document(path), catalogue)


def parse_request(data: Any, catalogue: Catalogue, name: str = "<request>") -> Request:
    """A request given as data (e.g. by a service), checked like a file."""
    return request_from_document(Document(path=Path(name), data=data), catalogue)


class _RequestChecker:
    def __init__(self, document: Document, catalogue: Catalogue) -> None:
        self.document = document
        self.catalogue = catalogue
        self.problems: list[Diagnostic] = []

    def add(self, key: PathKey, code: str, message: str, hint: str) -> None:
        self.problems.append(self.document.diagnostic(key, code, message, hint))

    def service(self, service_id: str, key: PathKey) -> Service | None:
        service = self.catalogue.services.get(service_id)
        if service is None:
            self.add(key, "REQ010", f"unknown service '{service_id}'",
                     did_you_mean(service_id, self.catalogue.services) or
                     f"services: {', '.join(sorted(self.catalogue.services))}")
        return service

    def variant(self, service: Service, variant_id: str, key: PathKey) -> None:
        if not service.has_variant(variant_id):
            ids = [v.id for v in service.variants]
            self.add(key, "REQ011", f"'{variant_id}' is not a variant of {service.name}",
                     did_you_mean(variant_id, ids) or f"its variants: {', '.join(ids)}")

    def period(self, period: int | None, key: PathKey) -> None:
        known = sorted(self.catalogue.periods)
        if period is not None and period not in known:
            self.add(key, "REQ015", f"{period} months is not an agreement period of any service",
                     f"agreement periods: {', '.join(map(str, known))} months")

    def check(self, request: Request) -> list[Diagnostic]:
        service = self.service(request.service, ("service",))
        if service is not None:
            if request.variant is not None:
                self.variant(service, request.variant, ("variant",))
            declared = {s.id: s for s in service.settings}
            for setting_id, value in request.settings.items():
                if setting_id not in declared:
                    self.add(("settings", setting_id), "REQ013",
                             f"{service.name} has no setting '{setting_id}'",
                             did_you_mean(setting_id, declared) or
                             f"its settings: {', '.join(declared) or 'none'}")
                elif value not in declared[setting_id].values:
                    self.add(("settings", setting_id), "REQ013",
                             f"'{value}' is not a value of {setting_id}",
                             f"values: {', '.join(declared[setting_id].values)}")
        self.period(request.agreement_period, ("agreement_period",))
        task_ids = [t.id for t in request.agency.tasks]
        if request.task is not None and request.task not in task_ids:
            self.add(("task",), "REQ012", f"the agency has no task '{request.task}' for this customer",
                     did_you_mean(request.task, task_ids) or
                     f"tasks: {', '.join(task_ids) or 'none (add one under agency.tasks)'}")
        software_ids = self.catalogue.software_ids
        for index, software in enumerate(request.agency.software):
            if software.id not in software_ids:
                self.add(("agency", "software", index, "id"), "REQ016",
                         f"unknown software '{software.id}'",
                         did_you_mean(software.id, software_ids) or
                         f"known: {', '.join(sorted(software_ids))}")
        customer = request.customer
        if customer.subscriptions and not customer.spcs_customer:
            self.add(("customer", "spcs_customer"), "REQ017",
                     "a customer with subscriptions is a Spcs customer",
                     "set spcs_customer: true, or remove the subscriptions")
        seen: set[str] = set()
        for index, subscription in enumerate(customer.subscriptions):
            key: PathKey = ("customer", "subscriptions", index)
            if subscription.service in seen:
                self.add((*key, "service"), "REQ018",
                         f"two subscriptions of '{subscription.service}'", "list each service once")
            seen.add(subscription.service)
            sub_service = self.service(subscription.service, (*key, "service"))
            if sub_service is not None:
                self.variant(sub_service, subscription.variant, (*key, "variant"))
                addons = [a.id for a in sub_service.addons]
                for a_index, addon in enumerate(subscription.addons):
                    if addon not in addons:
                        self.add((*key, "addons", a_index), "REQ014",
                                 f"{sub_service.name} has no add-on '{addon}'",
                                 did_you_mean(addon, addons) or
                                 f"its add-ons: {', '.join(addons) or 'none'}")
            self.period(subscription.agreement_period, (*key, "agreement_period"))
        pairs: set[tuple[str, str]] = set()
        for index, collaboration in enumerate(customer.collaborations):
            key = ("customer", "collaborations", index)
            pair = (collaboration.agency, collaboration.service)
            if pair in pairs:
                self.add((*key, "service"), "REQ018", "the same collaboration is listed twice",
                         "list each agency and service once")
            pairs.add(pair)
            collab_service = self.service(collaboration.service, (*key, "service"))
            if collab_service is not None and collaboration.variant is not None:
                self.variant(collab_service, collaboration.variant, (*key, "variant"))
            self.period(collaboration.agreement_period, (*key, "agreement_period"))
        for index, used in enumerate(customer.used_services):
            self.service(used, ("customer", "used_services", index))
        return self.problems
