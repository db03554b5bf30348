"""`collab`: dry-run collaboration plans and check catalogues from the command line.

Each command parses its options, calls one library function that returns a result, prints
it with the reporter its --format names, and exits with the code EXIT_CODE gives the
result's verdict. Policy and wording live in the library (engine.tools, engine.render).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

import engine
from engine.catalogue.facts import fact_specs
from engine.errors import CollabError, EngineError, Verdict
from engine.files import output_stream
from engine.render import reporter
from engine.render.diagnostics import diagnostics_text

EXIT_CODE = {Verdict.OK: 0, Verdict.NEGATIVE: 1, Verdict.UNUSABLE: 2, Verdict.INTERNAL: 3}
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # as a shell reports a command stopped by SIGPIPE
UNUSABLE = ("unusable input: a file missing or unreadable, bad YAML, an invalid request or "
            "catalogue, a wrong option")
F = TypeVar("F", bound=Callable[..., Any])


def exit_codes(ok: str, negative: str | None = None, unusable: str = UNUSABLE) -> str:
    """A command's --help epilog: what each of its exit codes means."""
    rows = [(0, ok), (1, negative), (2, unusable), (3, "internal error (a bug: please report it)"),
            (130, "interrupted (Ctrl-C); files being written are left as they were")]
    return "\b\nExit codes:\n" + "\n".join(f"  {code:<3}  {text}" for code, text in rows if text)


def handles_errors(command: F) -> F:
    """Turn the engine's errors into messages and exit codes; never show a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CollabError as error:
            click.echo(diagnostics_text(error.diagnostics), err=True, nl=False)
            sys.exit(EXIT_CODE[Verdict.INTERNAL if isinstance(error, EngineError) else Verdict.UNUSABLE])
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
            click.echo(f"collab: internal error: {type(error).__name__}: {error}\n    hint: this is "
                       "a bug; rerun with COLLAB_DEBUG=1 for details and report it", err=True)
            sys.exit(EXIT_CODE[Verdict.INTERNAL])

    return wrapper  # type: ignore[return-value]


def finish(output: str, verdict: Verdict, summary: str = "") -> None:
    """Print a reporter's output (and a summary for people on stderr), then exit."""
    click.echo(output, nl=False)
    click.echo(summary, err=True, nl=False)
    sys.exit(EXIT_CODE[verdict])


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog="Each command's --help "
             "lists its exit codes. Shell completion: eval \"$(_COLLAB_COMPLETE=bash_source collab)\".")
@click.version_option(package_name="collab-engine")
def main() -> None:
    """Plan Visma Advisor collaborations from the YAML catalogue."""


def command(name: str, short_help: str, ok: str, negative: str | None = None,
            unusable: str = UNUSABLE) -> Callable[[F], F]:
    """A subcommand whose --help lists its exit codes and whose errors never show a traceback."""
    def register(function: F) -> F:
        main.command(name, short_help=short_help, epilog=exit_codes(ok, negative, unusable))(
            handles_errors(function))
        return function
    return register


def format_option(*names: str) -> Callable[[F], F]:
    return click.option("--format", "output_format", type=click.Choice(names), default=names[0],
                        show_default=True, help="Output format.")


catalogue_option = click.option(
    "--catalogue", "catalogue_dir", type=click.Path(path_type=Path, file_okay=False),
    help="Catalogue folder (holding services/ and rules/). Default: the shipped one.")
request_argument = click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path))
output_option = click.option("--output", "-o", "output_file", help="Write here (atomically), not to stdout.",
                             type=click.Path(path_type=Path, dir_okay=False))
out_option = functools.partial(click.option, "--out", "out_dir", show_default=True,
                               type=click.Path(path_type=Path, file_okay=False), help="Folder to write to.")
check_option = click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is stale.")
lang_option = click.option("--lang", metavar="LANG", help="Language of the catalogue's texts "
                           "(one of its `languages:`). Default: the catalogue's default language.")
ALLOWED = "the plan is allowed (ready, waits for the customer, or needs support)"
REJECTED = "the request is rejected by the rules"


@command("plan", "Dry-run a request and print its plan.", ALLOWED, REJECTED)
@request_argument
@catalogue_option
@format_option("text", "json")
@lang_option
def plan(request_file: Path, catalogue_dir: Path | None, output_format: str, lang: str | None) -> None:
    """Dry-run REQUEST (YAML or JSON) and print the plan: outcome, steps, warnings."""
    catalogue = engine.load_catalogue(catalogue_dir)
    result = engine.plan(catalogue, engine.load_request(request_file, catalogue), lang)
    finish(reporter("plan", output_format)(result), result.verdict)


@command("validate", "Check a catalogue and analyse its rules.",
         "the catalogue is valid (warnings allowed unless --strict)",
         "the catalogue has errors (or warnings, with --strict)")
@click.argument("catalogue_dir", metavar="[DIR]", required=False,
                type=click.Path(path_type=Path, file_okay=False))
@format_option("text", "json", "github", "sarif")
@click.option("--strict", is_flag=True, help="Fail on warnings too (notes never fail).")
@click.option("--no-analysis", is_flag=True, help="Skip the static analysis of the rules.")
@click.option("--no-cache", is_flag=True, help="Analyse even a catalogue analysed before.")
@click.option("--verbose", is_flag=True, help="Say on stderr why the analysis cache is not used.")
def validate(catalogue_dir: Path | None, output_format: str, strict: bool,
             no_analysis: bool, no_cache: bool, verbose: bool) -> None:
    """Check the catalogue in DIR (default: the shipped one) and report every problem.

    --format: text for people, json for tools, github for workflow annotations, sarif for
    code scanning. The analysis is cached in ~/.cache/collab (or $COLLAB_CACHE_DIR)."""
    report = engine.validate(catalogue_dir, not no_analysis, not no_cache, strict,
                             say=(lambda text: click.echo(f"collab: {text}", err=True))
                             if verbose else None)
    finish(reporter("validation", output_format)(report), report.verdict,
           reporter("validation", "summary")(report) if output_format == "text" else "")


@command("services", "List the catalogue's services and variants.", "listed")
@catalogue_option
@format_option("text", "json")
def services(catalogue_dir: Path | None, output_format: str) -> None:
    """List the catalogue's services and their variants."""
    finish(reporter("services", output_format)(engine.load_catalogue(catalogue_dir)), Verdict.OK)


@command("facts", "List the facts rules can test and use.", "listed")
@catalogue_option
@format_option("text", "json")
def facts(catalogue_dir: Path | None, output_format: str) -> None:
    """List the facts rules can test in `when:` and use as {placeholders} in texts."""
    specs = fact_specs(engine.load_catalogue(catalogue_dir))
    finish(reporter("facts", output_format)(specs), Verdict.OK)


@command("explain", "Show why a request gets its plan.", ALLOWED, REJECTED)
@request_argument
@catalogue_option
@format_option("text", "json")
@click.option("--all", "everything", is_flag=True,
              help="Also list the rules of other operations and services.")
@lang_option
def explain(request_file: Path, catalogue_dir: Path | None, output_format: str, everything: bool,
            lang: str | None) -> None:
    """Show why REQUEST gets its plan: every rule considered, whether it matched and, if
    not, which condition failed on which fact value; then how the steps were ordered."""
    catalogue = engine.load_catalogue(catalogue_dir)
    result = engine.explain(catalogue, engine.load_request(request_file, catalogue), everything, lang)
    finish(reporter("explain", output_format)(result), result.verdict)


@command("diff", "Requests whose plan a catalogue change alters.", "no request gets a different plan",
         "some requests get a different plan", "unusable input: a catalogue invalid, --old neither a "
         "folder nor a git revision, a request file missing, no requests")
@click.argument("paths", metavar="[REQUESTS]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--old", required=True, metavar="DIR|REV",
              help="The catalogue before: a folder, or a git revision (HEAD, main, HEAD~1) of --new.")
@click.option("--new", "new_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The catalogue after (default: the shipped one).")
@click.option("--generated", is_flag=True, help="Also compare the space generated from --new.")
@format_option("text", "json")
def diff(paths: tuple[Path, ...], old: str, new_dir: Path | None, generated: bool,
         output_format: str) -> None:
    """Which REQUESTS (files, JSON Lines, folders) get a different plan from the --old
    catalogue to the --new one, grouped by the change (outcome, steps, warnings...)."""
    report = engine.diff(old, new_dir, paths, generated)
    finish(reporter("diff", output_format)(report), report.verdict)


@command("batch", "Plan many requests (JSON Lines) on every core.",
         "every line was planned (rejected requests included: they are plans)",
         "some lines were not valid requests (each has an error line)",
         "unusable input: the file or the catalogue cannot be read")
@click.argument("input_file", metavar="REQUESTS.jsonl",
                type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@catalogue_option
@click.option("--jobs", "-j", type=click.IntRange(1), help="Processes to use (default: one per core).")
@output_option
def batch(input_file: Path, catalogue_dir: Path | None, jobs: int | None, output_file: Path | None) -> None:
    """Plan every request of REQUESTS.jsonl (one JSON request per line; - for stdin) into one
    JSON line each, in input order: {"request": "file:line", "plan": ...} or {"request": ...,
    "error": [...]}; a bad line never stops the run. A summary ends the run on stderr."""
    with contextlib.ExitStack() as stack:
        summary = engine.batch(engine.load_catalogue(catalogue_dir), input_file,
                               output_stream(stack, output_file), jobs or os.cpu_count() or 1,
                               progress=sys.stderr.isatty())
    finish("", summary.verdict, summary.text())


@command("generate", "Write the catalogue's whole request space.", "written")
@catalogue_option
@click.option("--count", type=click.IntRange(1), help="How many requests (default: the whole space "
              "once); beyond the space it starts over with customers of other names.")
@output_option
def generate(catalogue_dir: Path | None, count: int | None, output_file: Path | None) -> None:
    """Write requests covering the catalogue's whole space as JSON Lines (for batch, diff): every
    operation x service x variant x customer kind x payer x period x ending x setting, with
    variations (no task, another agency, ...). The same catalogue gives the same requests."""
    with contextlib.ExitStack() as stack:
        engine.generate(engine.load_catalogue(catalogue_dir), output_stream(stack, output_file), count)


@command("test", "Run test cases written as data.",
         "every case passed (and coverage is at least --fail-under)",
         "a case failed, or coverage is below --fail-under",
         "unusable input: a case file or its request is invalid, no cases, the catalogue is invalid")
@click.argument("paths", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=Path))
@catalogue_option
@format_option("text", "json", "junit")
@click.option("--coverage", "show_coverage", is_flag=True, help="Also list every rule with how many "
              "cases fired it, and the D-facts and variants no case exercises.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Fail when fewer than PERCENT of the rules are fired by some case.")
def test_cases(paths: tuple[Path, ...], catalogue_dir: Path | None, output_format: str,
               show_coverage: bool, fail_under: float | None) -> None:
    """Run test cases (YAML: a request and the plan it must give) in PATH (files or folders;
    default: tests/scenarios). A failure shows what was expected against what the plan gives."""
    report = engine.run_tests(engine.load_catalogue(catalogue_dir), paths, show_coverage, fail_under)
    finish(reporter("test", output_format)(report), report.verdict, reporter("test", "summary")(report))


@command("docs", "Render the catalogue as Markdown.", "written, or up to date",
         "with --check: a page is stale")
@catalogue_option
@out_option(default=Path("docs/catalogue"))
@check_option
@lang_option
def docs(catalogue_dir: Path | None, out_dir: Path, check: bool, lang: str | None) -> None:
    """Render the catalogue as Markdown: services, rules, flowcharts, domain facts."""
    report = engine.docs(engine.load_catalogue(catalogue_dir), out_dir, check, lang)
    finish(report.written_text(), report.verdict, report.stale_text())


@command("schema", "Write the JSON Schemas.", "written, or up to date", "with --check: a schema is stale")
@out_option(default=Path("schemas"))
@check_option
@catalogue_option
def schema(out_dir: Path, check: bool, catalogue_dir: Path | None) -> None:
    """Write the JSON Schemas of catalogue files, requests, plans and test cases (for editors
    and CI), with the catalogue's stages, phases, facts and values."""
    report = engine.schemas(out_dir, check, catalogue_dir)
    finish(report.written_text(), report.verdict, report.stale_text())


@command("studio", "Serve a local web page over the catalogue (read-only).",
         "the server stopped (Ctrl-C stops it)", unusable="no such folder, the port is taken, or the studio "
         "extra is not installed")
@catalogue_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; anything but loopback prints a warning.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--old", "revision", default="HEAD", show_default=True, metavar="REV|DIR",
              help="What the Impact page compares the working copy with.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def studio(catalogue_dir: Path | None, host: str, port: int, revision: str, no_browser: bool) -> None:
    """Serve the catalogue folder as a web page: services, rules and flowcharts; a request
    form with its plan and explain; validation and the impact of your change against git,
    refreshed whenever a file is saved. The page never writes a file. Needs the studio
    extra: pip install 'collab-engine[studio]'."""
    from engine.tools.studio import host_warning, serve

    warning = host_warning(host)
    if warning:
        click.echo(warning, err=True)
    serve(catalogue_dir, host, port, open_browser=not no_browser, revision=revision)
