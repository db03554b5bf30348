"""`collab`: dry-run collaboration plans and check catalogues from the command line.

A thin layer over the `engine` library: it reads options, calls the library, prints what it
returns and turns the outcome into an exit code.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_INVALID_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # as a shell reports a command stopped by SIGPIPE

EXIT_CODES_HELP = """\b
Exit codes:
  0  plan allowed (ready, waits for the customer, or needs support);
     catalogue valid
  1  request rejected by the rules; catalogue has errors (or, with
     --strict, warnings)
  2  unusable input: a file missing or unreadable, bad YAML, an invalid
     request or catalogue, a wrong option
  3  internal error (a bug: please report it)"""

F = TypeVar("F", bound=Callable[..., Any])


def _fail(diagnostics: list[Any], code: int) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.render(), err=True)
    sys.exit(code)


def handles_errors(command: F) -> F:
    """Turn the engine's errors into messages and exit codes; never show a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from engine import CollabError, EngineError

        try:
            return command(*args, **kwargs)
        except EngineError as error:
            _fail(error.diagnostics, EXIT_INTERNAL)
        except CollabError as error:
            _fail(error.diagnostics, EXIT_INVALID_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:  # Ctrl-C: files being written are left as they were
            click.echo("collab: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader stopped early (`| head`): not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as error:  # a bug: say so plainly
            if os.environ.get("COLLAB_DEBUG"):
                raise
            click.echo(f"collab: internal error: {type(error).__name__}: {error}\n"
                       "    hint: this is a bug; rerun with COLLAB_DEBUG=1 for details and "
                       "report it", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


catalogue_option = click.option(
    "--catalogue", "catalogue_dir", type=click.Path(path_type=Path, file_okay=False),
    default=None, help="Catalogue folder (holding services/ and rules/). Default: the shipped one.")
format_option = click.option("--format", "output_format", type=click.Choice(["text", "json"]),
                             default="text", show_default=True, help="Output format.")


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="collab-engine")
def main() -> None:
    """Plan Visma Advisor collaborations from the YAML catalogue."""


@main.command(epilog=EXIT_CODES_HELP, short_help="Dry-run a request and print its plan.")
@click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path, dir_okay=True))
@catalogue_option
@format_option
@handles_errors
def plan(request_file: Path, catalogue_dir: Path | None, output_format: str) -> None:
    """Dry-run REQUEST (YAML or JSON) and print the plan: outcome, steps, warnings."""
    from engine import load_catalogue, load_request
    from engine import plan as make_plan
    from engine.render.plan import plan_json, plan_text

    catalogue = load_catalogue(catalogue_dir)
    result = make_plan(catalogue, load_request(request_file, catalogue))
    click.echo(plan_json(result) if output_format == "json" else plan_text(result), nl=False)
    sys.exit(EXIT_REJECTED if result.outcome == "rejected" else EXIT_OK)


@main.command(epilog=EXIT_CODES_HELP, short_help="Check a catalogue and analyse its rules.")
@click.argument("catalogue_dir", metavar="DIR", required=False,
                type=click.Path(path_type=Path, file_okay=False))
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "github", "sarif"]), default="text",
              show_default=True,
              help="text for people, json for tools, github for workflow annotations, sarif "
              "for code scanning.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (notes never fail).")
@click.option("--no-analysis", is_flag=True,
              help="Skip the static analysis of the rules (contradictions, gaps, dead rules).")
@click.option("--no-cache", is_flag=True,
              help="Analyse even a catalogue analysed before (the cache is in ~/.cache/collab, "
              "or $COLLAB_CACHE_DIR).")
@handles_errors
def validate(catalogue_dir: Path | None, output_format: str, strict: bool,
             no_analysis: bool, no_cache: bool) -> None:
    """Check the catalogue in DIR (default: the shipped one) and report every problem."""
    from engine import default_catalogue_dir, validate_catalogue
    from engine.render.diagnostics import (
        diagnostics_github,
        diagnostics_json,
        diagnostics_sarif,
        diagnostics_text,
    )

    root = catalogue_dir if catalogue_dir is not None else default_catalogue_dir()
    if not root.is_dir():
        from engine.errors import Diagnostic, InputError, display_path

        raise InputError([Diagnostic(display_path(root), 0, 0, "IO001", "no such folder",
                                     "name the folder that holds services/ and rules/")])
    catalogue, problems = validate_catalogue(root, analysis=not no_analysis,
                                             cache=not no_cache)
    if output_format == "json":
        click.echo(diagnostics_json(problems, strict), nl=False)
    else:
        render = {"github": diagnostics_github, "sarif": diagnostics_sarif}.get(
            output_format, diagnostics_text)
        click.echo(render(problems), nl=False)
    errors = [p for p in problems if p.severity.value == "error"]
    warnings = [p for p in problems if p.severity.value == "warning"]
    if output_format == "text":
        summary = (f"{len(errors)} error(s), {len(warnings)} warning(s)"
                   if errors or warnings else "catalogue is valid")
        click.echo(summary, err=True)
    if any(p.code == "CAT001" for p in problems):  # not a catalogue at all: unusable input
        sys.exit(EXIT_INVALID_INPUT)
    failed = errors or (strict and warnings) or catalogue is None
    sys.exit(EXIT_REJECTED if failed else EXIT_OK)


@main.command(short_help="List the catalogue's services and variants.")
@catalogue_option
@format_option
@handles_errors
def services(catalogue_dir: Path | None, output_format: str) -> None:
    """List the catalogue's services and their variants."""
    from engine import load_catalogue
    from engine.render.plan import to_json

    catalogue = load_catalogue(catalogue_dir)
    if output_format == "json":
        data = [service.model_dump(mode="json", by_alias=True)
                for service in catalogue.services.values()]
        click.echo(to_json(data), nl=False)
        return
    for service in catalogue.services.values():
        click.echo(f"{service.name} ({service.id})  [{', '.join(service.source)}]")
        for v in service.variants:
            paying = "paying" if v.paying else "free"
            agency = "  (the agency's own variant)" if v.id == service.agency_variant else ""
            click.echo(f"  - {v.name} ({v.id}): {paying}; payers: {', '.join(v.invoice_recipients)};"
                       f" periods: {', '.join(map(str, v.agreement_periods))} months{agency}")


@main.command(epilog=EXIT_CODES_HELP, short_help="Show why a request gets its plan.")
@click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path))
@catalogue_option
@format_option
@click.option("--all", "everything", is_flag=True,
              help="Also list the rules skipped because they concern another operation or service.")
@handles_errors
def explain(request_file: Path, catalogue_dir: Path | None, output_format: str,
            everything: bool) -> None:
    """Show why REQUEST gets its plan: every rule considered, whether it matched and, if
    not, which condition failed on which fact value; then how the steps were ordered."""
    from engine import compiled_catalogue, load_catalogue, load_request
    from engine.render.plan import to_json
    from engine.tools.explain import explain as make_explanation
    from engine.tools.explain import explanation_json, explanation_text

    catalogue = load_catalogue(catalogue_dir)
    explanation = make_explanation(compiled_catalogue(catalogue),
                                   load_request(request_file, catalogue))
    if output_format == "json":
        click.echo(to_json(explanation_json(explanation, everything)), nl=False)
    else:
        click.echo(explanation_text(explanation, everything), nl=False)
    sys.exit(EXIT_REJECTED if explanation.evaluation.outcome == "rejected" else EXIT_OK)


DIFF_EXIT_CODES_HELP = """\b
Exit codes:
  0  no request gets a different plan
  1  some requests get a different plan
  2  unusable input: a catalogue invalid, --old neither a folder nor a git
     revision, a request file missing, no requests
  3  internal error (a bug: please report it)"""


@main.command(epilog=DIFF_EXIT_CODES_HELP, short_help="Requests whose plan a catalogue change alters.")
@click.argument("paths", metavar="[REQUESTS]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--old", "old", required=True, metavar="DIR|REV",
              help="The catalogue before: a folder, or a git revision (HEAD, main, HEAD~1) of "
              "the --new folder.")
@click.option("--new", "new_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The catalogue after (default: the shipped one).")
@click.option("--generated", is_flag=True,
              help="Also compare every request of the space generated from the new catalogue.")
@format_option
@handles_errors
def diff(paths: tuple[Path, ...], old: str, new_dir: Path | None, generated: bool,
         output_format: str) -> None:
    """Which REQUESTS (files, JSON Lines, folders) get a different plan from the --old
    catalogue to the --new one, grouped by the change (outcome, steps, warnings...)."""
    import itertools
    import tempfile

    from engine import default_catalogue_dir, load_catalogue
    from engine.errors import Diagnostic, InputError, display_path
    from engine.render.plan import to_json
    from engine.request.lines import NamedRequest, read_requests
    from engine.tools.analyse import summarise
    from engine.tools.diff import catalogue_at_revision, compare, report_json, report_text
    from engine.tools.generate import corpus

    if not paths and not generated:
        raise InputError([Diagnostic("collab diff", 0, 0, "IO001", "no requests to compare",
                                     "name request files or folders, or use --generated")])
    new_root = new_dir if new_dir is not None else default_catalogue_dir()
    new = load_catalogue(new_root)
    with tempfile.TemporaryDirectory(prefix="collab-diff-") as scratch:
        old_root = Path(old)
        if not old_root.is_dir():
            old_root = catalogue_at_revision(old, new_root, Path(scratch))
        previous = load_catalogue(old_root)
        requests = read_requests(paths) if paths else iter(())
        if generated:
            requests = itertools.chain(requests, (
                NamedRequest(f"generated #{n}: {summarise(data)}", data)
                for n, data in enumerate(corpus(new), start=1)))
        report = compare(previous, new, requests, old_name=old,
                         new_name=display_path(new_root) if new_dir else "shipped catalogue")
    click.echo(to_json(report_json(report)) if output_format == "json" else report_text(report),
               nl=False)
    sys.exit(EXIT_REJECTED if report.changed else EXIT_OK)


def _output(stack: contextlib.ExitStack[bool | None], path: Path | None) -> TextIO:
    """stdout, or ``path`` written atomically when the stack closes without an error."""
    from engine.files import atomic_writer

    if path is None:
        stdout: TextIO = sys.stdout  # click.get_text_stream is untyped in click 8.2
        return stdout
    return stack.enter_context(atomic_writer(path))


BATCH_EXIT_CODES_HELP = """\b
Exit codes:
  0  every line was planned (rejected requests included: they are plans)
  1  some lines were not valid requests (each has an error line)
  2  unusable input: the file or the catalogue cannot be read
  3  internal error (a bug: please report it); a line that hits one gets an
     error line and the run goes on"""


@main.command(epilog=BATCH_EXIT_CODES_HELP, short_help="Plan many requests (JSON Lines) on every core.")
@click.argument("input_file", metavar="REQUESTS.jsonl",
                type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@catalogue_option
@click.option("--jobs", "-j", type=click.IntRange(1), default=None,
              help="Processes to use (default: one per core).")
@click.option("--output", "-o", "output_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Write the plans here (atomically) instead of to stdout.")
@handles_errors
def batch(input_file: Path, catalogue_dir: Path | None, jobs: int | None,
          output_file: Path | None) -> None:
    """Plan every request of REQUESTS.jsonl (one JSON request per line; - for stdin).

    Writes one JSON line per request, in input order: {"request": "file:line", "plan": ...}
    or, for a line that is not a valid request, {"request": ..., "error": [...]}; a bad line
    never stops the run. A progress bar shows on a terminal; a summary (counts by outcome
    and by rejection code, and the rate) ends the run on stderr.
    """
    import time

    from engine import load_catalogue
    from engine.errors import Diagnostic, InputError, display_path
    from engine.tools.batch import Summary, plan_lines, read_lines

    catalogue = load_catalogue(catalogue_dir)
    jobs = jobs or os.cpu_count() or 1
    from_stdin = str(input_file) == "-"
    name = "<stdin>" if from_stdin else display_path(input_file)
    show_progress = sys.stderr.isatty()
    try:
        source = sys.stdin.buffer if from_stdin else input_file.open("rb")
        total = None
        if show_progress and not from_stdin:  # the bar's length: one quick pass over the file
            with input_file.open("rb") as counted:
                total = sum(1 for raw in counted if raw.strip())
    except OSError as error:
        raise InputError([Diagnostic(name, 0, 0, "IO001" if isinstance(error, FileNotFoundError)
                                     else "IO003", f"cannot read: {error.strerror}",
                                     "check the path and its permissions")]) from None
    summary = Summary()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        stack.enter_context(source)
        out = _output(stack, output_file)
        results = plan_lines(catalogue, read_lines(name, source), jobs)
        if show_progress:
            results = stack.enter_context(click.progressbar(
                results, length=total, label="planning", file=sys.stderr))
        for line, outcome, codes in results:
            out.write(line + "\n")
            summary.add(outcome, codes)
    click.echo(summary.text(time.perf_counter() - started, jobs), err=True)
    sys.exit(EXIT_INTERNAL if summary.outcomes["internal error"]
             else EXIT_REJECTED if summary.outcomes["invalid"] else EXIT_OK)


@main.command(short_help="Write the catalogue's whole request space.")
@catalogue_option
@click.option("--count", type=click.IntRange(1), default=None,
              help="How many requests (default: the whole space once); beyond the space it "
              "starts over with customers of other names.")
@click.option("--output", "-o", "output_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Write here (atomically) instead of to stdout.")
@handles_errors
def generate(catalogue_dir: Path | None, count: int | None, output_file: Path | None) -> None:
    """Write requests covering the catalogue's whole space as JSON Lines (for batch, diff).

    Every operation x service x variant (x current variant) x customer kind x payer x
    period x ending x setting, each with variations (no task, another agency, no main
    contact, ...). The same catalogue always gives the same requests.
    """
    import json

    from engine import load_catalogue
    from engine.tools.generate import requests

    catalogue = load_catalogue(catalogue_dir)
    with contextlib.ExitStack() as stack:
        out = _output(stack, output_file)
        for request in requests(catalogue, count):
            out.write(json.dumps(request, ensure_ascii=False) + "\n")


TEST_EXIT_CODES_HELP = """\b
Exit codes:
  0  every case passed (and coverage is at least --fail-under)
  1  a case failed, or coverage is below --fail-under
  2  unusable input: a case file or its request is invalid, no cases
     found, the catalogue is invalid
  3  internal error (a bug: please report it)"""


@main.command("test", epilog=TEST_EXIT_CODES_HELP, short_help="Run test cases written as data.")
@click.argument("paths", metavar="[PATH]...", nargs=-1,
                type=click.Path(path_type=Path))
@catalogue_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "junit"]),
              default="text", show_default=True, help="junit: JUnit XML for CI servers.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Also list every rule with how many cases fired it, and the D-facts and "
              "variants no case exercises.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Fail when fewer than PERCENT of the rules are fired by some case.")
@handles_errors
def test_cases(paths: tuple[Path, ...], catalogue_dir: Path | None, output_format: str,
               show_coverage: bool, fail_under: float | None) -> None:
    """Run test cases (YAML: a request and the plan it must give) against the catalogue.

    PATH is a case file or a folder of them (default: tests/scenarios). A failure shows
    what was expected against what the plan gives.
    """
    from engine import load_catalogue
    from engine.render.plan import to_json
    from engine.tools.cases import (
        coverage,
        coverage_json,
        coverage_text,
        results_json,
        results_junit,
        results_text,
        run_cases,
    )

    catalogue = load_catalogue(catalogue_dir)
    results = run_cases(paths or (Path("tests/scenarios"),), catalogue)
    report = coverage(results, catalogue)
    if output_format == "junit":
        click.echo(results_junit(results), nl=False)
    elif output_format == "json":
        data = results_json(results)
        if show_coverage or fail_under is not None:
            data["coverage"] = coverage_json(report)
        click.echo(to_json(data), nl=False)
    else:
        click.echo(results_text(results), nl=False)
        if show_coverage:
            click.echo(coverage_text(report), nl=False)
    statuses = {r.status for r in results}
    under = fail_under is not None and report.percent < fail_under
    if under:
        click.echo(f"rule coverage {report.percent:.1f}% is under {fail_under:g}%", err=True)
    sys.exit(EXIT_INVALID_INPUT if "error" in statuses
             else EXIT_REJECTED if "fail" in statuses or under else EXIT_OK)


@main.command(short_help="List the facts rules can test and use.")
@catalogue_option
@handles_errors
def facts(catalogue_dir: Path | None) -> None:
    """List the facts rules can test in `when:` and use as {placeholders} in texts."""
    from engine import load_catalogue
    from engine.catalogue.facts import FACTS, SETTING_PREFIX

    catalogue = load_catalogue(catalogue_dir)
    width = max(len(name) for name in FACTS) + 2
    for spec in FACTS.values():
        extra = " Rules may set it." if spec.settable else ""
        click.echo(f"{spec.name:<{width}}{spec.type.__name__:<5} {spec.description}{extra}")
    for service in catalogue.services.values():
        for setting in service.settings:
            name = SETTING_PREFIX + setting.id
            click.echo(f"{name:<{width}}{'str':<5} {service.name} setting: "
                       f"{', '.join(setting.values)}.")


@main.command(short_help="Render the catalogue as Markdown.")
@catalogue_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("docs/catalogue"), show_default=True, help="Folder to write to.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a page in --out is stale.")
@handles_errors
def docs(catalogue_dir: Path | None, out_dir: Path, check: bool) -> None:
    """Render the catalogue as Markdown: services, rules, flowcharts, domain facts."""
    from engine import load_catalogue
    from engine.tools.docs import render

    write_files(render(load_catalogue(catalogue_dir)), out_dir, check, "collab docs")


def write_files(files: dict[str, str], out_dir: Path, check: bool, command: str) -> None:
    """Write each file atomically, or with check, exit 1 naming the stale ones."""
    from engine.files import write_atomic

    stale = []
    for name, text in files.items():
        path = out_dir / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        write_atomic(path, text)  # never a half-written file where a good one was
        click.echo(f"wrote {path}")
    if stale:
        click.echo(f"stale in {out_dir}: {', '.join(stale)}; run `{command}`", err=True)
        sys.exit(EXIT_REJECTED)


@main.command(short_help="Write the JSON Schemas.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("schemas"), show_default=True, help="Folder to write the schemas to.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a schema in --out is stale.")
@handles_errors
def schema(out_dir: Path, check: bool) -> None:
    """Write the JSON Schemas of catalogue files, requests and plans (for editors and CI)."""
    from engine.render.plan import to_json
    from engine.tools.schema import generate

    write_files({name: to_json(schema) for name, schema in generate().items()}, out_dir, check,
                "collab schema")


if __name__ == "__main__":
    main()
