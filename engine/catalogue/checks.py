"""Check a catalogue: every file's shape, then the references between files (services, variants,
facts, stages, phases, scenarios, D-numbers). Problems are collected, not raised one at a time: a
product owner sees every mistake in one run, each with its file, line and a hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.catalogue.catalogue import Catalogue, PlacedRule
from engine.catalogue.documents import Document, PathKey, load_document
from engine.catalogue.language import LocalText
from engine.catalogue.languages import (
    directive_problems,
    glossary_label_problems,
    language_problems,
    placeholder_problems,
)
from engine.catalogue.layout import catalogue_files, identity
from engine.catalogue.messages import (
    DOMAIN_FILE,
    PIPELINE_FILE,
    M,
    did_you_mean,
    validate_model,
)
from engine.catalogue.pipeline import Domain, Pipeline
from engine.catalogue.rule import RuleFile
from engine.catalogue.service import Service
from engine.catalogue.values import RuleValueChecker
from engine.collector import without_cyclic_gc
from engine.errors import (
    CatalogueError,
    Diagnostic,
    InputError,
    Severity,
    display_path,
)


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
    with without_cyclic_gc():
        return _CatalogueChecker(root).run()


def load_catalogue_at(root: Path) -> Catalogue:
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
        service_paths, rule_paths, unread = catalogue_files(services_dir, rules_dir)
        documents, self.problems = _load_all(service_paths + rule_paths)
        self.problems += unread
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

        # A file with errors is left out; the checks between files run over the others.
        checked_rules = {d.path for _, d in rule_files}  # a set: 1,600 files at 100x
        left_out = [p for p in service_paths + rule_paths
                    if p not in by_path or (p.parent == services_dir and p.stem in self.broken)
                    or (p.parent == rules_dir and p.name not in (PIPELINE_FILE, DOMAIN_FILE)
                        and p not in checked_rules)
                    or (p.name == PIPELINE_FILE and pipeline is None)
                    or (p.name == DOMAIN_FILE and domain is None)]
        domain_facts = {f.id: f for f in domain[0].facts} if domain else None
        self.cited: set[str] = set(pipeline[0].source) if pipeline else set()
        if domain:
            self._check_domain(domain[0], domain[1])
        if pipeline:
            self._check_pipeline(pipeline[0], pipeline[1], domain_facts)
            for document, key, code, message, hint, severity in glossary_label_problems(*pipeline):
                self.add(document, key, code, message, hint, severity)
        for service, document in services.values():
            self._check_service(service, document, services, domain_facts)
        placed = self._check_rules(rule_files, pipeline[0] if pipeline else None,
                                   {k: v[0] for k, v in services.items()}, domain_facts)
        self._note_left_out(left_out)
        if pipeline is None or domain is None or domain_facts is None:
            return None, sorted(self.problems)
        for document, key, code, message, hint, severity in language_problems(
                pipeline[0], [pipeline, domain, *services.values(), *rule_files]):
            self.add(document, key, code, message, hint, severity)
        for document, key, code, message, hint, severity in directive_problems(
                [*services.values(), *rule_files]):
            self.add(document, key, code, message, hint, severity)
        for fact_id in domain_facts if not left_out else ():  # a broken file cites nothing
            if fact_id not in self.cited:
                self.add(domain[1], ("facts", list(domain_facts).index(fact_id)), "CAT040",
                         f"domain fact {fact_id} is cited by no service, rule or pipeline entry",
                         "cite it in the `source:` of whatever implements it", Severity.WARNING)

        catalogue = Catalogue(
            root=self.root,
            pipeline=pipeline[0],
            domain=domain_facts,
            services={k: v[0] for k, v in services.items()},
            rules=tuple(placed),
            digest=identity((d.path, d.digest) for d in documents),
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

    def _note_left_out(self, left_out: list[Path]) -> None:
        for path in left_out:
            if path.exists():
                self.problems.append(Diagnostic(
                    display_path(path), 0, 0, "CAT004",
                    "left out of the checks between files until its errors are fixed",
                    "the other files were checked; references to what this one defines, and "
                    "from it, are checked once it is fixed", Severity.NOTE))

    def _cite(self, document: Document, key: PathKey, sources: list[str],
              domain: dict[str, Any] | None) -> None:
        if domain is None:
            return  # rules/domain.yaml has errors: what it lists is unknown
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
                        domain: dict[str, Any] | None) -> None:
        self._cite(document, ("source",), pipeline.source, domain)
        for field in ("stages", "phases", "scenarios", "operations"):
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
                       domain: dict[str, Any] | None) -> None:
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
                if other is None and ref.service in self.broken:
                    pass  # its file has errors, reported already
                elif other is None:
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
            if bundled in self.broken:
                continue  # its file has errors, reported already
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

    def _check_rules(self, rule_files: list[tuple[RuleFile, Document]], pipeline: Pipeline | None,
                     services: dict[str, Service],
                     domain: dict[str, Any] | None) -> list[PlacedRule]:
        """The rules in catalogue order. Without a pipeline (its file has errors) stages,
        phases and scenarios are not checked, and the order is meaningless."""
        stages = [s.id for s in pipeline.stages] if pipeline else []
        phases = {p.id for p in pipeline.phases} if pipeline else set()
        checker = RuleValueChecker(services, pipeline, self.broken)
        seen: dict[str, str] = {}
        placed: list[PlacedRule] = []
        for rule_file, document in rule_files:
            if pipeline and rule_file.stage not in stages:
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
                    if pipeline and step.phase not in phases:
                        self.add(document, (*step_key, "phase"), "CAT022",
                                 f"unknown phase '{step.phase}'",
                                 did_you_mean(step.phase, phases) or
                                 f"use a phase from rules/{PIPELINE_FILE}")
                    self._check_placeholders(document, (*step_key, "text"), step.text, checker)
                for w_index, warning in enumerate(rule.then.warnings):
                    self._check_placeholders(document, (*key, "then", "warnings", w_index),
                                             warning.message, checker)
                for n_index, note in enumerate(rule.then.notes):
                    self._check_placeholders(document, (*key, "then", "notes", n_index), note,
                                             checker)
                if rule.then.reject is not None:
                    for part in ("message", "hint"):
                        self._check_placeholders(document, (*key, "then", "reject", part),
                                                 getattr(rule.then.reject, part), checker)
                if not (rule.then.set or rule.then.steps or rule.then.warnings
                        or rule.then.notes or rule.then.reject or rule.then.outcome):
                    self.add(document, (*key, "then"), "CAT024", f"rule '{rule.id}' does nothing",
                             "give it a set, steps, warnings, notes, reject or outcome")
                line = document.position((*key, "id"))[0]
                placed.append(PlacedRule(rule, rule_file.stage, document.name, line, 0))
        placed.sort(key=lambda p: stages.index(p.stage) if p.stage in stages else 0)  # stable
        return [PlacedRule(p.rule, p.stage, p.file, p.line, order)
                for order, p in enumerate(placed)]

    def _check_placeholders(self, document: Document, key: PathKey, text: LocalText,
                            checker: RuleValueChecker) -> None:
        for where, code, message, hint in placeholder_problems(text, key, checker.known,
                                                               checker.screens):
            self.add(document, where, code, message, hint)
