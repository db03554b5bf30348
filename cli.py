"""`collab`: dry-run collaboration plans and check catalogues from the command line.

Each command parses its options, calls one library function for a result, prints it with the reporter
its --format names and exits with the code of its verdict (engine.render, engine.render.exit_codes)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

import engine
from engine.about import version_line
from engine.catalogue.locate import Location, locate_catalogue
from engine.errors import EXIT_CODE, Verdict
from engine.files import guarded_stdout, open_output
from engine.render import reporter
from engine.render.exit_codes import NOT_A_BUG, exit_codes_help, failure
from engine.signals import stop_on_sigterm

if TYPE_CHECKING:  # imported where used: `collab plan` starts without the test tools
    from engine.tools.review import Proposal

F = TypeVar("F", bound=Callable[..., Any])
CATALOGUE_HELP = {kind: f"Catalogue folder (services/ and rules/). Default: the current folder, {default}."
                  for kind, default in (("shipped", "when it holds one, else the shipped one"),
                                        ("own", "which must hold one"))}
LANG_HELP = "Language of the catalogue's texts. Default: the catalogue's default language."
OUTPUT_HELP = "Write here, not to stdout (a file is replaced atomically; a device, pipe or - in place)."
TEXT_JSON = ("text", "json")
DIR = click.Path(path_type=Path, file_okay=False)
FILE_OR_DASH = click.Path(path_type=Path, dir_okay=False, allow_dash=True)


class Collab(click.Group):
    """The `collab` group: whatever a command raises becomes a message and an exit code."""

    def invoke(self, context: click.Context) -> Any:
        stop_on_sigterm()  # SIGTERM cleans up as Ctrl-C does, and exits 143
        try:
            with guarded_stdout():  # a full disk or a closed stdout (`>&-`) is IO006, exit 2
                return super().invoke(context)
        except (click.exceptions.Exit, click.ClickException):  # --help, a wrong option: click's own
            raise
        except (Exception, KeyboardInterrupt) as error:  # never a traceback, unless asked for
            if os.environ.get("COLLAB_DEBUG") and not isinstance(error, NOT_A_BUG):
                raise
            if isinstance(error, BrokenPipeError):  # the reader stopped early (`| head`)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            message, code = failure(error)
            click.echo(message, err=True, nl=False)
            sys.exit(code)


def _version(context: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not context.resilient_parsing:
        click.echo(version_line())
        context.exit()


@click.group(cls=Collab, context_settings={"help_option_names": ["-h", "--help"]}, epilog="Each command's "
             "--help lists its exit codes. Shell completion: eval \"$(_COLLAB_COMPLETE=bash_source collab)\"")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and the rules engine's, and exit.")
def main() -> None:
    """Plan Visma Advisor collaborations from the YAML catalogue."""


def command(name: str, short_help: str, *, catalogue: str | None = None, formats: tuple[str, ...] = (),
            lang: bool = False, output: bool = False, writes: str | None = None) -> Callable[[F], F]:
    """A subcommand whose --help lists its exit codes, with the options it shares with others: --catalogue
    (``shipped``: may fall back to the shipped one; ``own``: must be the user's), --format (the first is
    the default), --lang, --output and, for a command that ``writes`` a folder, --out and --check."""
    shared = []
    if catalogue:
        shared.append(click.option("--catalogue", "catalogue_dir", type=DIR, help=CATALOGUE_HELP[catalogue]))
    if formats:
        shared.append(click.option("--format", "output_format", type=click.Choice(formats),
                                   default=formats[0], show_default=True, help="Output format."))
    if lang:
        shared.append(click.option("--lang", metavar="LANG", help=LANG_HELP))
    if output:
        shared.append(click.option("--output", "-o", "output_file", type=FILE_OR_DASH, help=OUTPUT_HELP))
    if writes:
        shared.append(click.option("--out", "out_dir", type=DIR, default=Path(writes), show_default=True,
                                   help="Folder to write to."))
        shared.append(click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is stale."))

    def register(function: F) -> F:
        for option in reversed(shared):  # listed in --help in the order above
            function = option(function)
        main.command(name, short_help=short_help, epilog=exit_codes_help(name))(function)
        return function
    return register


def finish(kind: str, result: Any, output_format: str = "text", summary: bool = False) -> None:
    """Print ``result`` with its reporter (and its summary, on stderr); exit with its verdict's code."""
    click.echo(reporter(kind, output_format)(result), nl=False)
    if summary:
        click.echo(reporter(kind, "summary")(result), err=True, nl=False)
    sys.exit(EXIT_CODE[getattr(result, "verdict", Verdict.OK)])


def locate(catalogue_dir: Path | None, output_format: str = "text", shipped: bool = True) -> Location:
    """The catalogue a command works on (engine.catalogue.locate), named on stderr for people."""
    where = locate_catalogue(catalogue_dir, shipped=shipped)
    if output_format == "text":
        click.echo(where.header, err=True)
    return where


@command("plan", "Dry-run a request and print its plan.", catalogue="shipped", formats=TEXT_JSON, lang=True)
@click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path))
def plan(request_file: Path, catalogue_dir: Path | None, output_format: str, lang: str | None) -> None:
    """Dry-run REQUEST (YAML or JSON) and print the plan: outcome, steps, warnings."""
    catalogue = locate(catalogue_dir, output_format).load()
    finish("plan", engine.plan(catalogue, engine.load_request(request_file, catalogue), lang), output_format)


@command("validate", "Check a catalogue and analyse its rules.", catalogue="own",
         formats=("text", "json", "github", "sarif"))
@click.argument("catalogue_arg", metavar="[DIR]", required=False, type=DIR)
@click.option("--requests", "request_paths", multiple=True, type=click.Path(path_type=Path), metavar="PATH",
              help="Requests and cases to check against it (default: its examples/ and tests/scenarios/).")
@click.option("--strict", is_flag=True, help="Fail on warnings too (notes never fail).")
@click.option("--no-analysis", is_flag=True, help="Skip the static analysis of the rules.")
@click.option("--no-cache", is_flag=True, help="Analyse even a catalogue analysed before.")
@click.option("--verbose", is_flag=True, help="Say on stderr why the analysis cache is not used.")
def validate(catalogue_arg: Path | None, request_paths: tuple[Path, ...], strict: bool, no_analysis: bool,
             no_cache: bool, verbose: bool, output_format: str, catalogue_dir: Path | None) -> None:
    """Check the catalogue in DIR (default: the current folder) and the requests and cases that depend
    on it; report every problem as text for people, json for tools, github for workflow annotations
    or sarif for code scanning. The analysis is cached in ~/.cache/collab (or $COLLAB_CACHE_DIR)."""
    if catalogue_arg and catalogue_dir and catalogue_arg != catalogue_dir:
        raise click.UsageError("name the catalogue once: DIR or --catalogue DIR")
    where = locate(catalogue_arg or catalogue_dir, output_format, shipped=False)
    say = (lambda text: click.echo(f"collab: {text}", err=True)) if verbose else None
    report = engine.validate(where.root, not no_analysis, not no_cache, strict, say,
                             request_paths or None, where.name)
    finish("validation", report, output_format, summary=output_format == "text")


@command("services", "List the catalogue's services and variants.", catalogue="shipped", formats=TEXT_JSON)
def services(catalogue_dir: Path | None, output_format: str) -> None:
    """List the catalogue's services and their variants."""
    finish("services", locate(catalogue_dir, output_format).load(), output_format)


@command("facts", "List the facts rules can test and use.", catalogue="shipped", formats=TEXT_JSON)
def facts(catalogue_dir: Path | None, output_format: str) -> None:
    """List the facts rules can test in `when:` and use as {placeholders} in texts."""
    finish("facts", locate(catalogue_dir, output_format).load(), output_format)


@command("explain", "Show why a request gets its plan.", catalogue="shipped", formats=TEXT_JSON, lang=True)
@click.argument("request_file", metavar="REQUEST", type=click.Path(path_type=Path))
@click.option("--all", "everything", is_flag=True, help="Also list other operations' and services' rules.")
def explain(request_file: Path, everything: bool, catalogue_dir: Path | None, output_format: str,
            lang: str | None) -> None:
    """Show why REQUEST gets its plan: every rule considered, whether it matched and, if not, which
    condition failed on which fact value; then how the steps were ordered."""
    catalogue = locate(catalogue_dir, output_format).load()
    result = engine.explain(catalogue, engine.load_request(request_file, catalogue), everything, lang)
    finish("explain", result, output_format)


@command("diff", "Requests whose plan a catalogue change alters.", formats=(*TEXT_JSON, "markdown"))
@click.argument("paths", metavar="[REQUESTS]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--old", required=True, metavar="DIR|REV", help="The catalogue before: a folder, or a git "
              "revision (HEAD, main, HEAD~1) of the catalogue in use.")
@click.option("--catalogue", "--new", "new", type=DIR,
              help="The catalogue after (default: the current folder, which must hold one).")
@click.option("--generated", is_flag=True, help="Also compare the space generated from it.")
@click.option("--review", "reviewing", is_flag=True, help="Show each way plans change (one request of it, "
              "both plans side by side) and ask: accept its new plan as a case in tests/scenarios/, "
              "skip or quit. Never in CI.")
@click.option("--by", "reviewer", metavar="NAME", help="With --review: who reviewed the accepted plans "
              "(else asked).")
@click.option("--why", "reason", metavar="REASON", help="With --review: why they are right: the help-page "
              "line or README Decisions entry (else asked).")
def diff(paths: tuple[Path, ...], old: str, new: Path | None, generated: bool, reviewing: bool,
         reviewer: str | None, reason: str | None, output_format: str) -> None:
    """Which REQUESTS (files, JSON Lines, folders) get a different plan from the --old catalogue
    to the one in use, grouped by the change (outcome, steps, warnings...). --review turns the
    new plans a person has checked into cases."""
    if (reviewer or reason) and not reviewing:
        raise click.UsageError("--by and --why say who accepted plans and why: add --review")
    if reviewing:
        from engine.tools.review import refuse_in_ci
        refuse_in_ci()
    where = locate(new, output_format, shipped=False)
    report = engine.diff(old, where.root, paths, generated)
    if not reviewing:
        finish("diff", report, output_format)
    from engine.tools.review import from_diff, review
    offered = from_diff(report, where.root / "tests" / "scenarios")
    if report.newly_valid:
        click.echo(f"{len(report.newly_valid)} request(s) valid now that the old catalogue refused: not "
                   "offered (review one with `collab plan`, then accept it from the studio's Impact page)",
                   err=True)
    written = review(offered, _choose, _asker(reviewer, reason), where.load())
    finish("review", written)


@command("batch", "Plan many requests (JSON Lines) on every core.", catalogue="shipped", output=True)
@click.argument("input_file", metavar="REQUESTS.jsonl", type=FILE_OR_DASH)
@click.option("--jobs", "-j", type=click.IntRange(1), help="Processes (default and at most: one per core).")
def batch(input_file: Path, jobs: int | None, output_file: Path | None, catalogue_dir: Path | None) -> None:
    """Plan every request of REQUESTS.jsonl (one per line; - for stdin) into a JSON line each, in input
    order: {"request": "file:line", "plan" or "error": ...}. A bad line never stops the run."""
    catalogue = locate(catalogue_dir).load()
    with open_output(output_file) as output:  # a file is put in place when the run ends, not before
        summary = engine.batch(catalogue, input_file, output, jobs, progress=sys.stderr.isatty())
    finish("batch", summary, summary=True)


@command("generate", "Write the catalogue's whole request space.", catalogue="shipped", output=True)
@click.option("--count", type=click.IntRange(1), help="How many requests (default: the whole space "
              "once); beyond the space it starts over with customers of other names.")
def generate(count: int | None, output_file: Path | None, catalogue_dir: Path | None) -> None:
    """Write JSON Lines requests for batch and diff covering the catalogue's whole space: every operation x
    service x variant x customer kind x payer x period x ending x setting, with variations (no task,
    another agency, ...). The same catalogue gives the same requests."""
    with open_output(output_file) as output:  # a file is put in place when the run ends, not before
        engine.generate(locate(catalogue_dir).load(), output, count)


@command("test", "Run test cases written as data.", catalogue="own", formats=("text", "json", "junit"))
@click.argument("paths", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=Path))
@click.option("--coverage", "show_coverage", is_flag=True, help="Also list every rule with how many "
              "cases fired it, and the D-facts and variants no case exercises.")
@click.option("--mutate", "mutation", is_flag=True, help="Mutation testing: change each rule in "
              "small ways and list the changes no case notices, at their lines, with a hint.")
@click.option("--fail-under", type=click.FloatRange(0, 100), metavar="PERCENT", help="Fail when under "
              "PERCENT of the rules are fired by some case (with --mutate: under PERCENT score).")
@click.option("--suggest", is_flag=True, help="With --mutate: for each survivor, a generated request "
              "that tells it from the catalogue, both plans side by side, offered as a case.")
@click.option("--review", "reviewing", is_flag=True, help="Show each case whose plan changed (and, "
              "with --mutate, each suggested case) and ask: accept, skip or quit. Never in CI.")
@click.option("--accept", "accepting", metavar="CASE", help="Accept CASE's new plan (or a suggested "
              "case) as its expected plan, recording --by and --why.")
@click.option("--by", "reviewer", metavar="NAME", help="Who reviewed the accepted plans (else asked).")
@click.option("--why", "reason", metavar="REASON", help="Why they are right: the help-page line or "
              "README Decisions entry (else asked).")
def test_cases(paths: tuple[Path, ...], show_coverage: bool, mutation: bool, fail_under: float | None,
               suggest: bool, reviewing: bool, accepting: str | None, reviewer: str | None,
               reason: str | None, catalogue_dir: Path | None, output_format: str) -> None:
    """Run the test cases (YAML: a request and the plan it must give) in PATH (default: tests/scenarios);
    a failure shows what was expected against what the plan gives. --mutate runs mutants of the rules;
    --review and --accept turn plans a person has checked into cases."""
    if mutation and show_coverage:
        raise click.UsageError("--coverage and --mutate are two runs: ask for one at a time")
    if suggest and not mutation:
        raise click.UsageError("--suggest offers cases for surviving mutants: add --mutate")
    if reviewing and accepting:
        raise click.UsageError("--review asks about every plan, --accept takes one: ask for one")
    catalogue = locate(catalogue_dir, output_format, shipped=False).load()
    if reviewing or accepting:
        from engine.tools.review import ReviewResult, accept, pick, refuse_in_ci, review

        refuse_in_ci()
        offered = engine.proposals(catalogue, paths, mutation)

        who = _asker(reviewer, reason)
        if accepting:
            proposal = pick(offered, accepting)
            written = ReviewResult(accepted=[accept(proposal, *who(proposal), catalogue)])
        else:
            written = review(offered, _choose, who, catalogue)
        finish("review", written)
    if suggest:
        finish("suggestions", engine.suggest(catalogue, paths, fail_under), output_format, summary=True)
    report = (engine.mutation_test(catalogue, paths, fail_under) if mutation
              else engine.run_tests(catalogue, paths, show_coverage, fail_under))
    finish("mutation" if mutation else "test", report, output_format, summary=True)


def _asker(reviewer: str | None, reason: str | None) -> Callable[[Proposal], tuple[str, str]]:
    """Who reviewed a plan and why: as the options say, else asked."""
    def who(proposal: Proposal) -> tuple[str, str]:
        return (reviewer or click.prompt("Reviewed by (your name)"),
                reason or click.prompt("Why is this plan right (help-page line, or README "
                                       "Decisions entry)"))
    return who


def _choose(proposal: Proposal) -> str:
    """Show ``proposal`` and ask what to do with it."""
    click.echo(reporter("proposal", "text")(proposal))
    choice = click.prompt("Accept this plan as the case's expectation? [a]ccept, [s]kip, [q]uit",
                          type=click.Choice(["a", "s", "q"]), show_choices=False)
    return {"a": "accept", "s": "skip", "q": "quit"}[choice]


@command("docs", "Render the catalogue as Markdown.", catalogue="own", lang=True, writes="docs/catalogue")
def docs(out_dir: Path, check: bool, catalogue_dir: Path | None, lang: str | None) -> None:
    """Render the catalogue as Markdown: services, rules, flowcharts, domain facts."""
    catalogue = locate(catalogue_dir, shipped=False).load()
    finish("sync", engine.docs(catalogue, out_dir, check, lang), summary=True)


@command("schema", "Write the JSON Schemas.", catalogue="own", writes="schemas")
def schema(out_dir: Path, check: bool, catalogue_dir: Path | None) -> None:
    """Write the JSON Schemas of catalogue files, requests, plans and cases, with the catalogue's values."""
    catalogue = locate(catalogue_dir, shipped=False).load()
    finish("sync", engine.schemas(catalogue, out_dir, check), summary=True)


@command("sync", "Regenerate docs/catalogue and schemas/.", catalogue="own")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is stale.")
def sync(check: bool, catalogue_dir: Path | None) -> None:
    """Bring the catalogue's generated files up to date, in its folder: the Markdown pages in docs/catalogue/
    and the JSON Schemas in schemas/ (what `collab docs` and `collab schema` write). Run it after an edit."""
    finish("sync", engine.sync(locate(catalogue_dir, shipped=False).load(), check), summary=True)


@command("studio", "Serve a local web page over the catalogue (read-only).", catalogue="shipped")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on; anything but "
              "loopback prints a warning.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--old", "revision", default="HEAD", show_default=True, metavar="REV|DIR",
              help="What the Impact page compares the working copy with.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def studio(host: str, port: int, revision: str, no_browser: bool, catalogue_dir: Path | None) -> None:
    """Serve the catalogue folder as a read-only web page: services, rules, flowcharts; a request form with
    plan and explain; validation and your change's impact, refreshed on every save. Needs the studio extra."""
    from engine.studio import serve  # its libraries load only for this command
    serve(locate(catalogue_dir).root, host, port, open_browser=not no_browser, revision=revision)
