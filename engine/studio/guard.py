"""Who may talk to the studio: its own pages, on this machine.

A server on localhost is reachable from every page the browser opens, so the studio
guards itself as Jupyter server does:

- The Host header must name the studio's own address: a loopback name (localhost,
  127.0.0.1, [::1]) or the `--host` given, with the port it serves on. A foreign page
  whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) sends its own name, so it
  cannot read the catalogue through the studio.
- A request that may change state (any method but GET, HEAD and OPTIONS) must come from
  a page the studio served: `Sec-Fetch-Site: same-origin` when the browser sends it, an
  `Origin` equal to the studio's own, and the token made when the studio started, which
  its pages carry and send in the X-Collab-Token header. A cross-site `text/plain` POST
  needs no CORS preflight, so a foreign page could otherwise make the studio work (and,
  once the studio writes files, write them).

A refused request gets 403 and one line saying why (STU006-STU008). `writer_refusal` is
the check itself, for a route that wants to state it (a POST that saves a file).
Starlette's TrustedHostMiddleware is not used: it compares the name only, not the port,
and answers 400.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_HEADER = "X-Collab-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_HOST = re.compile(r"(?P<name>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(?P<port>[0-9]{1,5}))?")


def _refused(code: str, why: str) -> str:
    return f"refused: {why} ({code})"


def host_name(host: str) -> str:
    """``--host`` as a Host header names it: lower case, an IPv6 address in brackets."""
    bare = host.strip("[]").lower()
    return f"[{bare}]" if ":" in bare else bare


@dataclass(frozen=True)
class Guard:
    """The studio's address and its token for this start."""

    names: frozenset[str] = frozenset(LOOPBACK_NAMES)
    port: int | None = None  # None: any port (tests, where the port is not known)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @classmethod
    def serving(cls, host: str, port: int | None) -> Guard:
        """The guard of a studio serving on ``host``:``port``."""
        return cls(frozenset({*LOOPBACK_NAMES, host_name(host)}), port)

    def host_refusal(self, host: str | None) -> str | None:
        """Why a request with this Host header is refused, or None."""
        found = _HOST.fullmatch(host or "")
        if found is not None and found["name"].lower() in self.names and (
                self.port is None or int(found["port"] or 80) == self.port):
            return None
        shown = (host or "")[:100]
        return _refused("STU006", f"the Host {shown!r} is not this studio's address (it answers "
                        f"to {', '.join(sorted(self.names))}"
                        f"{f' on port {self.port}' if self.port else ''})")

    def writer_refusal(self, headers: Mapping[str, str]) -> str | None:
        """Why a request that may change state is refused, or None: it must come from a page
        the studio served (same origin, with the token). ``headers``: case-insensitive."""
        site = headers.get("sec-fetch-site")
        if site is not None and site != "same-origin":
            return _refused("STU007", f"a {site[:40]} request; only the studio's own pages may "
                            "change anything")
        origin = headers.get("origin")
        if origin is not None and origin.lower() != f"http://{headers.get('host', '')}".lower():
            return _refused("STU007", f"the Origin {origin[:100]!r} is not this studio's")
        token = headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return _refused("STU008", "the request does not carry this studio's token: send it "
                            f"from the studio's page (reload it), or in the {TOKEN_HEADER} header")
        return None


class GuardMiddleware:
    """Refuse, with 403, a request a Guard refuses; pass on every other."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            refusal = self.guard.host_refusal(headers.get("host"))
            if refusal is None and scope["method"] not in SAFE_METHODS:
                refusal = self.guard.writer_refusal(headers)
            if refusal is not None:
                await PlainTextResponse(refusal + "\n", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)
