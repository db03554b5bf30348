"""Install-time check: durable-rules, our evaluator, is built from C source by pip.

Without a C compiler or the Python headers, pip's own error is a failed compiler command line,
and on Python 3.13 without the CPPFLAGS of README.md the build "succeeds" with a module that
cannot be imported. An editable install (the README's) stops first and says what to do.
Building a wheel to ship is not checked (it needs no compiler). COLLAB_NO_BUILD_CHECK=1 skips
the check, e.g. when durable-rules comes from a wheel of your own.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

CALL_OBJECT = "-DPyEval_CallObject=PyObject_CallObject"
_INSTALL_TOOLS = ("install them, then run the install again: Debian/Ubuntu: apt-get install gcc "
                  "python3-dev; Fedora/RHEL: dnf install gcc python3-devel; macOS: "
                  "xcode-select --install")


def build_problems() -> list[str]:
    """Why durable-rules would not build (or not import) here, each with what to do."""
    problems = []
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    found = {f"a C compiler ({compiler})": shutil.which(shlex.split(compiler)[0]) is not None,
             f"the Python headers ({headers})": headers.is_file()}
    missing = [what for what, there in found.items() if not there]
    if missing:
        problems.append(f"{' and '.join(missing)} cannot be found; {_INSTALL_TOOLS}")
    if sys.version_info >= (3, 13) and CALL_OBJECT not in os.environ.get("CPPFLAGS", ""):
        problems.append(f"on Python 3.13 it needs CPPFLAGS='{CALL_OBJECT}' (durable-rules 2.0.28 "
                        "calls PyEval_CallObject, which 3.13 removed): install with the command "
                        "in README.md")
    return problems


class BuildCheck(BuildHookInterface):  # type: ignore[misc,type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version != "editable" or os.environ.get("COLLAB_NO_BUILD_CHECK"):
            return
        problems = build_problems()
        if problems:
            sys.exit("collab-engine: its evaluator durable-rules is built from C source when "
                     "installed, and " + "; and ".join(problems))
