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
from engine.catalogue.catalogue import Catalogue
from engine.catalogue.facts import fact_specs
from engine.catalogue.locate import Location, locate_catalogue
from engine.errors import CollabError, EngineError, Verdict
from engine.files import guarded_stdout, output_stream
from engine.render import reporter
from engine.render.diagnostics import diagnostics_text
from engine.signals import stop_on_sigterm, stopped_by

EXIT_CODE = {Verdict.OK: 0, Verdict.NEGATIVE: 1, Verdict.UNUSABLE: 2, Verdict.INTERNAL: 3}
EXIT_BROKEN_PIPE = 141  # as a shell reports a command stopped by SIGPIPE
UNUSABLE = ("unusable input: a file missing or unreadable, bad YAML, an invalid request or "
            "catalogue, a wrong option")
ALLOWED = "the plan is allowed (ready, waits for the customer, or needs support)"
REJECTED = "the request is rejected by the rules"
F = TypeVar("F", bound=Callable[..., Any])


def exit_codes(ok: str, negative: str | None = None, unusable: str = UNUSABLE) -> str:
    """A command's --help epilog: what each of its exit codes means."""
    rows = [(0, ok), (1, negative), (2, unusable), (3, "internal error (a bug: please report it)"),
            (130, "interrupted (Ctrl-C); files being written are left as they were"),
            (143, "terminated (SIGTERM); files being written are left as they were")]
    return "\b\nExit codes:\n" + "\n".join(f"  {code:<3}  {text}" for code, text in rows if text)


def handles_errors(command: F) -> F:
    """Turn the engine's errors into messages and exit codes; never show a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stop_on_sigterm()  # SIGTERM cleans up as Ctrl-C does, and exits 143
        try:
            with guarded_stdout():  # a full disk or a closed stdout (`>&-`) is IO006, exit 2
                return command(*args, **kwargs)
        except CollabError as error:
            click.echo(diagnostics_text(error.diagnostics), err=True, nl=False)
            sys.exit(EXIT_CODE[Verdict.INTERNAL if isinstance(error, EngineError) else Verdict.UNUSABLE])
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: files being written are left as they were
            code, word = stopped_by()
            click.echo(f"collab: {word}", err=True)
            sys.exit(code)
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


def _version(context: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not context.resilient_parsing:
        click.echo(f"collab, version {engine.version()}; rules engine {engine.evaluator()}")
        context.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog="Each command's --help "
             "lists its exit codes. Shell completion: eval \"$(_COLLAB_COMPLETE=bash_source collab)\".")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and the rules engine's, and exit.")
def main() -> None:
    """Plan Visma Advisor collaborations from the YAML catalogue."""


CATALOGUE_HELP = {
    "shipped": "Default: the current folder when it holds one, else the shipped one.",
    "own": "Default: the current folder, which must hold one.",
}


def command(name: str, short_help: str, ok: str, negative: str | None = None,
            unusable: str = UNUSABLE, *, catalogue: str | None = None,
            formats: tuple[str, ...] = (), lang: bool = False) -> Callable[[F], F]:
    """A subcommand whose --help lists its exit codes and whose errors never show a traceback;
    with its --catalogue (``shipped``: may fall back to the shipped one; ``own``: must be the
    user's), --format (the first is the default) and --lang options."""
    def register(function: F) -> F:
        if lang:
            function = click.option("--lang", metavar="LANG", help="Language of the catalogue's "
                                    "texts. Default: the catalogue's default language.")(function)
        if formats:
            function = click.option("--format", "output_format", type=click.Choice(formats),
                                    default=formats[0], show_default=True, help="Output format.")(function)
        if catalogue:
            function = click.option("--catalogue", "catalogue_dir", type=click.Path(
                path_type=Path, file_okay=False), help="Catalogue folder (holding services/ and "
                f"rules/). {CATALOGUE_HELP[catalogue]}")(function)
        main.command(name, short_help=short_help, epilog=exit_codes(ok, negative, unusable))(
            handles_errors(function))
        return function
    return register


def catalogue_in_use(catalogue_dir: Path | None, shipped: bool = True, say: bool = True) -> Location:
    """The catalogue a command works on (engine.catalogue.locate), named on stderr with ``say``."""
    where = locate_catalogue(catalogue_dir, shipped=shipped)
    if say:
        click.echo(where.header, err=True)
    return where


def load(catalogue_dir: Path | None, output_format: str = "text", shipped: bool = True) -> Catalogue:
    """The catalogue in use, loaded; named on stderr unless the output is for a tool."""
    return engine.load_catalogue(catalogue_in_use(catalogue_dir, shipped, output_format == "text").root)


request_argument = click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path))
output_option = click.option("--output", "-o", "output_file",
                             help="Write here, not to stdout (a file is replaced atomically; a "
                             "device, a pipe or - is written in place).",
                             type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
out_option = functools.partial(click.option, "--out", "out_dir", show_default=True,
                               type=click.Path(path_type=Path, file_okay=False), help="Folder to write to.")
check_option = click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is stale.")


@command("plan", "Dry-run a request and print its plan.", ALLOWED, REJECTED, catalogue="shipped",
         formats=("text", "json"), lang=True)
@request_argument
def plan(request_file: Path, catalogue_dir: Path | None, output_format: str, lang: str | None) -> None:
    """Dry-run REQUEST (YAML or JSON) and print the plan: outcome, steps, warnings."""
    catalogue = load(catalogue_dir, output_format)
    result = engine.plan(catalogue, engine.load_request(request_file, catalogue), lang)
    finish(reporter("plan", output_format)(result), result.verdict)


@command("validate", "Check a catalogue and analyse its rules.", "the catalogue is valid (warnings "
         "allowed unless --strict)", "the catalogue has errors (or warnings, with --strict)",
         catalogue="own", formats=("text", "json", "github", "sarif"))
@click.argument("catalogue_arg", metavar="[DIR]", required=False,
                type=click.Path(path_type=Path, file_okay=False))
@click.option("--requests", "request_paths", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="Requests and cases to check against it (default: its examples/ and tests/scenarios/).")
@click.option("--strict", is_flag=True, help="Fail on warnings too (notes never fail).")
@click.option("--no-analysis", is_flag=True, help="Skip the static analysis of the rules.")
@click.option("--no-cache", is_flag=True, help="Analyse even a catalogue analysed before.")
@click.option("--verbose", is_flag=True, help="Say on stderr why the analysis cache is not used.")
def validate(catalogue_arg: Path | None, request_paths: tuple[Path, ...], strict: bool, no_analysis: bool,
             no_cache: bool, verbose: bool, output_format: str, catalogue_dir: Path | None) -> None:
    """Check the catalogue in DIR (default: the current folder), and the requests and cases that
    depend on it, and report every problem. --format: text for people, json for tools, github
    for workflow annotations, sarif for code scanning. The analysis is cached in
    ~/.cache/collab (or $COLLAB_CACHE_DIR)."""
    if catalogue_arg and catalogue_dir and catalogue_arg != catalogue_dir:
        raise click.UsageError("name the catalogue once: DIR or --catalogue DIR")
    where = catalogue_in_use(catalogue_arg or catalogue_dir, False, output_format == "text")
    say = (lambda text: click.echo(f"collab: {text}", err=True)) if verbose else None
    report = engine.validate(where.root, not no_analysis, not no_cache, strict, say,
                             request_paths or None, where.name)
    finish(reporter("validation", output_format)(report), report.verdict,
           reporter("validation", "summary")(report) if output_format == "text" else "")


@command("services", "List the catalogue's services and variants.", "listed", catalogue="shipped",
         formats=("text", "json"))
def services(catalogue_dir: Path | None, output_format: str) -> None:
    """List the catalogue's services and their variants."""
    finish(reporter("services", output_format)(load(catalogue_dir, output_format)), Verdict.OK)


@command("facts", "List the facts rules can test and use.", "listed", catalogue="shipped",
         formats=("text", "json"))
def facts(catalogue_dir: Path | None, output_format: str) -> None:
    """List the facts rules can test in `when:` and use as {placeholders} in texts."""
    finish(reporter("facts", output_format)(fact_specs(load(catalogue_dir, output_format))), Verdict.OK)


@command("explain", "Show why a request gets its plan.", ALLOWED, REJECTED, catalogue="shipped",
         formats=("text", "json"), lang=True)
@request_argument
@click.option("--all", "everything", is_flag=True,
              help="Also list the rules of other operations and services.")
def explain(request_file: Path, everything: bool, catalogue_dir: Path | None, output_format: str,
            lang: str | None) -> None:
    """Show why REQUEST gets its plan: every rule considered, whether it matched and, if not,
    which condition failed on which fact value; then how the steps were ordered."""
    catalogue = load(catalogue_dir, output_format)
    result = engine.explain(catalogue, engine.load_request(request_file, catalogue), everything, lang)
    finish(reporter("explain", output_format)(result), result.verdict)


@command("diff", "Requests whose plan a catalogue change alters.", "no request gets a different plan",
         "some requests get a different plan", "unusable input: a catalogue invalid, --old neither a "
         "folder nor a git revision, a request file missing, no requests", formats=("text", "json"))
@click.argument("paths", metavar="[REQUESTS]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--old", required=True, metavar="DIR|REV", help="The catalogue before: a folder, or a git "
              "revision (HEAD, main, HEAD~1) of the catalogue in use.")
@click.option("--catalogue", "--new", "new_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The catalogue after (default: the current folder, which must hold one).")
@click.option("--generated", is_flag=True, help="Also compare the space generated from it.")
def diff(paths: tuple[Path, ...], old: str, new_dir: Path | None, generated: bool,
         output_format: str) -> None:
    """Which REQUESTS (files, JSON Lines, folders) get a different plan from the --old catalogue
    to the one in use, grouped by the change (outcome, steps, warnings...)."""
    where = catalogue_in_use(new_dir, False, output_format == "text")
    report = engine.diff(old, where.root, paths, generated)
    finish(reporter("diff", output_format)(report), report.verdict)


@command("batch", "Plan many requests (JSON Lines) on every core.",
         "every line was planned (rejected requests included: they are plans)",
         "some lines were not valid requests (each has an error line)",
         "unusable input: the file or the catalogue cannot be read, or the output written",
         catalogue="shipped")
@click.argument("input_file", metavar="REQUESTS.jsonl",
                type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@click.option("--jobs", "-j", type=click.IntRange(1), help="Processes (default and at most: one per core).")
@output_option
def batch(input_file: Path, jobs: int | None, output_file: Path | None, catalogue_dir: Path | None) -> None:
    """Plan every request of REQUESTS.jsonl (one JSON request per line; - for stdin) into one
    JSON line each, in input order: {"request": "file:line", "plan": ...} or {"request": ...,
    "error": [...]}; a bad line never stops the run. A summary ends the run on stderr."""
    with contextlib.ExitStack() as stack:
        summary = engine.batch(load(catalogue_dir), input_file, output_stream(stack, output_file), jobs,
                               progress=sys.stderr.isatty())
    finish("", summary.verdict, summary.text())


@command("generate", "Write the catalogue's whole request space.", "written", catalogue="shipped")
@click.option("--count", type=click.IntRange(1), help="How many requests (default: the whole space "
              "once); beyond the space it starts over with customers of other names.")
@output_option
def generate(count: int | None, output_file: Path | None, catalogue_dir: Path | None) -> None:
    """Write requests covering the catalogue's whole space as JSON Lines (for batch, diff): every
    operation x service x variant x customer kind x payer x period x ending x setting, with
    variations (no task, another agency, ...). The same catalogue gives the same requests."""
    with contextlib.ExitStack() as stack:
        engine.generate(load(catalogue_dir), output_stream(stack, output_file), count)


@command("test", "Run test cases written as data.",
         "every case passed (and coverage, or the mutation score, is at least --fail-under)",
         "a case failed, or coverage (the mutation score) is below --fail-under",
         "unusable input: a case file or its request is invalid, no cases, the catalogue is invalid",
         catalogue="own", formats=("text", "json", "junit"))
@click.argument("paths", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--coverage", "show_coverage", is_flag=True, help="Also list every rule with how many "
              "cases fired it, and the D-facts and variants no case exercises.")
@click.option("--mutate", "mutation", is_flag=True, help="Mutation testing: change each rule in "
              "small ways and list the changes no case notices, at their lines, with a hint.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT", help="Fail when under "
              "PERCENT of the rules are fired by some case (with --mutate: under PERCENT score).")
def test_cases(paths: tuple[Path, ...], show_coverage: bool, mutation: bool, fail_under: float | None,
               catalogue_dir: Path | None, output_format: str) -> None:
    """Run test cases (YAML: a request and the plan it must give) in PATH (files or folders;
    default: tests/scenarios). A failure shows what was expected against what the plan gives.
    With --mutate, once every case passes, every mutant of the rules is run against them."""
    if mutation and show_coverage:
        raise click.UsageError("--coverage and --mutate are two runs: ask for one at a time")
    catalogue = load(catalogue_dir, output_format, shipped=False)
    report = (engine.mutation_test(catalogue, paths, fail_under) if mutation
              else engine.run_tests(catalogue, paths, show_coverage, fail_under))
    kind = "mutation" if mutation else "test"
    finish(reporter(kind, output_format)(report), report.verdict, reporter(kind, "summary")(report))


@command("docs", "Render the catalogue as Markdown.", "written, or up to date",
         "with --check: a page is stale", catalogue="own", lang=True)
@out_option(default=Path("docs/catalogue"))
@check_option
def docs(out_dir: Path, check: bool, catalogue_dir: Path | None, lang: str | None) -> None:
    """Render the catalogue as Markdown: services, rules, flowcharts, domain facts."""
    report = engine.docs(load(catalogue_dir, shipped=False), out_dir, check, lang)
    finish(report.written_text(), report.verdict, report.stale_text())


@command("schema", "Write the JSON Schemas.", "written, or up to date", "with --check: a schema is stale",
         catalogue="shipped")
@out_option(default=Path("schemas"))
@check_option
def schema(out_dir: Path, check: bool, catalogue_dir: Path | None) -> None:
    """Write the JSON Schemas of catalogue files, requests, plans and test cases (for editors
    and CI), with the catalogue's stages, phases, facts and values."""
    report = engine.schemas(out_dir, check, catalogue_dir)
    finish(report.written_text(), report.verdict, report.stale_text())


@command("studio", "Serve a local web page over the catalogue (read-only).", "the server stopped "
         "(Ctrl-C stops it)", unusable="no such folder, the port is taken, or the studio extra is "
         "not installed", catalogue="shipped")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on; anything but loopback prints a warning.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--old", "revision", default="HEAD", show_default=True, metavar="REV|DIR",
              help="What the Impact page compares the working copy with.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def studio(host: str, port: int, revision: str, no_browser: bool, catalogue_dir: Path | None) -> None:
    """Serve the catalogue folder as a web page: services, rules and flowcharts; a request form
    with its plan and explain; validation and the impact of your change against git, refreshed
    whenever a file is saved. The page never writes a file. Needs the studio extra: pip
    install 'collab-engine[studio]'."""
    from engine.tools.studio import host_warning, serve

    warning = host_warning(host)
    if warning:
        click.echo(warning, err=True)
    serve(catalogue_in_use(catalogue_dir).root, host, port, open_browser=not no_browser,
          revision=revision)
