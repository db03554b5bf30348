"""`collab studio`: a local, read-only web page over a catalogue folder.

Pages: the catalogue (services, rules, flowcharts), a request and its plan with `explain`
beside it, the validation of the working copy and the impact of the change against a git
revision. Needs the `studio` extra (Starlette, uvicorn, Jinja2, watchfiles).
"""

from __future__ import annotations

import ipaddress
import threading
import webbrowser
from pathlib import Path

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
            "--host 127.0.0.1 unless that is what you want")


def serve(root: Path, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          revision: str = "HEAD") -> None:
    """Serve the studio until Ctrl-C."""
    import uvicorn

    from engine.tools.studio.app import create_app
    from engine.tools.studio.workspace import Workspace

    app = create_app(Workspace(root, revision))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    print(f"collab studio: {url} (read-only; Ctrl-C stops it)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", limit_concurrency=64,
                timeout_keep_alive=5)
