"""`collab studio`: a local, read-only web page over a catalogue folder.

Pages: the catalogue (services, rules, flowcharts), a request and its plan with `explain`
beside it, the validation of the working copy and the impact of the change against a git
revision. Needs the `studio` extra (Starlette, uvicorn, Jinja2, watchfiles).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser
from pathlib import Path

from engine.catalogue.locate import default_catalogue_dir
from engine.errors import Diagnostic, InputError, display_path

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """What to tell a user who serves the studio beyond this machine."""
    if is_loopback(host):
        return None
    return (f"warning: serving on {host}, not only on this machine: anyone who can reach it "
            "can read the catalogue and the examples (the studio has no login); use "
            "--host 127.0.0.1 unless that is what you want (requests must name the studio "
            f"as {host} or a loopback address: others are refused)")


def _check_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            raise InputError([Diagnostic(f"{host}:{port}", 0, 0, "STU001",
                                         f"cannot serve there: {error.strerror}",
                                         "choose another --port (or --host)")]) from None


def serve(root: Path | None = None, host: str = "127.0.0.1", port: int = 8765,
          open_browser: bool = True, revision: str = "HEAD") -> None:
    """Serve the studio over ``root`` (default: the shipped catalogue) until Ctrl-C; warn on
    stderr first when ``host`` is reachable from beyond this machine."""
    warning = host_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    root = root if root is not None else default_catalogue_dir()
    if not root.is_dir():
        raise InputError([Diagnostic(display_path(root), 0, 0, "IO001", "no such folder",
                                     "name the folder that holds services/ and rules/")])
    try:
        import uvicorn

        from engine.studio.app import create_app
        from engine.studio.guard import Guard
        from engine.studio.workspace import Workspace
    except ImportError as error:
        raise InputError([Diagnostic("collab studio", 0, 0, "STU002",
                                     f"the studio's libraries are not installed ({error.name})",
                                     "in the project's clone: .venv/bin/pip install -e '.[studio]' "
                                     "(the package is not on an index)")]) from None
    _check_free(host, port)
    app = create_app(Workspace(root, revision), Guard.serving(host, port))
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    print(f"collab studio: {url} over {display_path(root)} (read-only; Ctrl-C stops it)",
          flush=True)
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning",
                limit_concurrency=64, timeout_keep_alive=5)
