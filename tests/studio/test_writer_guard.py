"""The guard of a route that changes state (engine.studio.guard.writer), which a route that
saves a file (issue 21) uses: it holds even in an app mounted without GuardMiddleware."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("starlette", reason="the studio extra is not installed: pip install -e '.[studio]'")

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is the maintained one
    warnings.simplefilter("ignore")
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route
    from starlette.testclient import TestClient

from engine.studio.guard import TOKEN_HEADER, Guard, writer


def test_a_writing_route_checks_host_origin_and_token_itself() -> None:
    guard = Guard.serving("127.0.0.1", 8765)
    saved: list[bytes] = []

    @writer(guard)
    async def save(request: Request) -> Response:
        saved.append(await request.body())
        return PlainTextResponse("saved")

    app = Starlette(routes=[Route("/api/save", save, methods=["POST"])])  # no middleware
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    own = {TOKEN_HEADER: guard.token, "Origin": "http://127.0.0.1:8765",
           "Sec-Fetch-Site": "same-origin"}
    refused = [
        ({**own, "Host": "evil.example.com"}, "STU006"),
        ({**own, "Origin": "http://evil.example.com"}, "STU007"),
        ({**own, "Sec-Fetch-Site": "cross-site"}, "STU007"),
        ({"Origin": "http://127.0.0.1:8765"}, "STU008"),
        ({**own, TOKEN_HEADER: guard.token[:-1] + "x"}, "STU008"),
    ]
    for headers, code in refused:
        response = client.post("/api/save", content=b"text", headers=headers)
        assert response.status_code == 403 and code in response.text, headers
    assert saved == []
    assert client.post("/api/save", content=b"text", headers=own).text == "saved"
    assert saved == [b"text"]
