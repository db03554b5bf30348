"""How a command ends: what each of its exit codes means, and what a failure prints.

One table, by command: the meaning of each verdict its result can have (engine.errors.EXIT_CODE
gives the code), shown as the "Exit codes" of its --help. A command without a negative verdict
(``services``, ``generate``, ...) has no code 1. Every command can also be unusable, fail on a
bug, or be stopped.
"""

from __future__ import annotations

from engine.errors import EXIT_CODE, CollabError, Verdict
from engine.render.diagnostics import diagnostics_text
from engine.render.escape import visible
from engine.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, stopped_by

EXIT_BROKEN_PIPE = 141  # as a shell reports a command stopped by SIGPIPE (`| head`)
NOT_A_BUG = (CollabError, KeyboardInterrupt, BrokenPipeError)  # the ends `failure` words itself

UNUSABLE = ("unusable input: a file missing or unreadable, bad YAML, an invalid request or "
            "catalogue, a wrong option")
_ALLOWED = "the plan is allowed (ready, waits for the customer, or needs support)"
_REJECTED = "the request is rejected by the rules"
_WRITTEN = "written, or up to date"

MEANINGS: dict[str, dict[Verdict, str]] = {
    "plan": {Verdict.OK: _ALLOWED, Verdict.NEGATIVE: _REJECTED},
    "explain": {Verdict.OK: _ALLOWED, Verdict.NEGATIVE: _REJECTED},
    "validate": {
        Verdict.OK: "the catalogue is valid (warnings allowed unless --strict)",
        Verdict.NEGATIVE: "the catalogue has errors (or warnings, with --strict)",
    },
    "services": {Verdict.OK: "listed"},
    "facts": {Verdict.OK: "listed"},
    "diff": {
        Verdict.OK: "no request gets a different plan",
        Verdict.NEGATIVE: "some requests get a different plan",
        Verdict.UNUSABLE: "unusable input: a catalogue invalid, --old neither a folder nor a git "
                          "revision, a request file missing, no requests",
    },
    "batch": {
        Verdict.OK: "every line was planned (rejected requests included: they are plans)",
        Verdict.NEGATIVE: "some lines were not valid requests (each has an error line)",
        Verdict.UNUSABLE: "unusable input: the file or the catalogue cannot be read, or the "
                          "output written",
    },
    "generate": {Verdict.OK: "written"},
    "test": {
        Verdict.OK: "every case passed (and coverage, or the mutation score, is at least "
                    "--fail-under)",
        Verdict.NEGATIVE: "a case failed, or coverage (the mutation score) is below --fail-under",
        Verdict.UNUSABLE: "unusable input: a case file or its request is invalid, no cases, the "
                          "catalogue is invalid",
    },
    "docs": {Verdict.OK: _WRITTEN, Verdict.NEGATIVE: "with --check: a page is stale"},
    "schema": {Verdict.OK: _WRITTEN, Verdict.NEGATIVE: "with --check: a schema is stale"},
    "sync": {Verdict.OK: _WRITTEN, Verdict.NEGATIVE: "with --check: a generated file is stale"},
    "studio": {
        Verdict.OK: "the server stopped (Ctrl-C stops it)",
        Verdict.UNUSABLE: "no such folder, the port is taken, or the studio extra is not installed",
    },
}


def exit_codes_help(command: str) -> str:
    """The epilog of ``command``'s --help: a row per exit code it can give."""
    meanings = {Verdict.UNUSABLE: UNUSABLE, **MEANINGS[command],
                Verdict.INTERNAL: "internal error (a bug: please report it)"}
    rows = [(EXIT_CODE[verdict], meanings[verdict]) for verdict in Verdict if verdict in meanings]
    rows += [(EXIT_INTERRUPTED, "interrupted (Ctrl-C); files being written are left as they were"),
             (EXIT_TERMINATED, "terminated (SIGTERM); files being written are left as they were")]
    return "\b\nExit codes:\n" + "\n".join(f"  {code:<3}  {text}" for code, text in rows)


def failure(error: BaseException) -> tuple[str, int]:
    """What a command stopped by ``error`` prints on stderr, and the code it exits with: the
    diagnostics of a CollabError, the word for Ctrl-C or SIGTERM, nothing when the reader of
    its output went away (not an error of ours), else a plain bug report."""
    if isinstance(error, CollabError):
        return diagnostics_text(error.diagnostics), EXIT_CODE[error.verdict]
    if isinstance(error, BrokenPipeError):
        return "", EXIT_BROKEN_PIPE
    if isinstance(error, KeyboardInterrupt):  # files being written are left as they were
        code, word = stopped_by()
        return f"collab: {word}\n", code
    return (f"collab: internal error: {type(error).__name__}: {visible(str(error))}\n    hint: this is "
            "a bug; rerun with COLLAB_DEBUG=1 for details and report it\n", EXIT_CODE[Verdict.INTERNAL])
