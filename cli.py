"""`collab`: dry-run collaboration plans and check catalogues from the command line.

A thin layer over the `engine` library: it reads options, calls the library, prints what it
returns and turns the outcome into an exit code.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_INVALID_INPUT = 2
EXIT_INTERNAL = 3
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


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path, dir_okay=True))
@catalogue_option
@format_option
@handles_errors
def plan(request_file: Path, catalogue_dir: Path | None, output_format: str) -> None:
    """Dry-run REQUEST (YAML or JSON) and print the plan: outcome, steps, warnings."""
    from engine import load_catalogue, load_request
    from engine import plan as make_plan
    from engine.render import plan_json, plan_text

    catalogue = load_catalogue(catalogue_dir)
    result = make_plan(catalogue, load_request(request_file, catalogue))
    click.echo(plan_json(result) if output_format == "json" else plan_text(result), nl=False)
    sys.exit(EXIT_REJECTED if result.outcome == "rejected" else EXIT_OK)


@main.command(epilog=EXIT_CODES_HELP)
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
    from engine.render import (
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
    render = {"json": diagnostics_json, "github": diagnostics_github,
              "sarif": diagnostics_sarif}.get(
        output_format, diagnostics_text)
    click.echo(render(problems), nl=False)
    errors = [p for p in problems if p.severity.value == "error"]
    warnings = [p for p in problems if p.severity.value == "warning"]
    if output_format == "text":
        summary = (f"{len(errors)} error(s), {len(warnings)} warning(s)"
                   if errors or warnings else "catalogue is valid")
        click.echo(summary, err=True)
    failed = errors or (strict and warnings) or catalogue is None
    sys.exit(EXIT_REJECTED if failed else EXIT_OK)


@main.command()
@catalogue_option
@format_option
@handles_errors
def services(catalogue_dir: Path | None, output_format: str) -> None:
    """List the catalogue's services and their variants."""
    from engine import load_catalogue
    from engine.render import to_json

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


@main.command()
@catalogue_option
@handles_errors
def facts(catalogue_dir: Path | None) -> None:
    """List the facts rules can test in `when:` and use as {placeholders} in texts."""
    from engine import load_catalogue
    from engine.facts import FACTS, SETTING_PREFIX

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


@main.command()
@catalogue_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("docs/catalogue"), show_default=True, help="Folder to write to.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a page in --out is stale.")
@handles_errors
def docs(catalogue_dir: Path | None, out_dir: Path, check: bool) -> None:
    """Render the catalogue as Markdown: services, rules, flowcharts, domain facts."""
    from engine import load_catalogue
    from engine.docs import render

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


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("schemas"), show_default=True, help="Folder to write the schemas to.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a schema in --out is stale.")
@handles_errors
def schema(out_dir: Path, check: bool) -> None:
    """Write the JSON Schemas of catalogue files, requests and plans (for editors and CI)."""
    from engine.render import to_json
    from engine.schema import generate

    write_files({name: to_json(schema) for name, schema in generate().items()}, out_dir, check,
                "collab schema")


if __name__ == "__main__":
    main()
