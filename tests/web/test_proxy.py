from __future__ import annotations

from flask import Flask, request

from assistant.config import Settings
from assistant.web import create_app


def client_address(app: Flask) -> str:
    @app.get("/_whoami")
    def whoami() -> str:
        return f"{request.scheme} {request.remote_addr}"

    response = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    return response.get_data(as_text=True)


def test_forwarded_headers_are_ignored_by_default(settings: Settings) -> None:
    assert client_address(create_app({"TESTING": True}, settings=settings)) == "http 10.0.0.1"


def test_one_trusted_proxy_gives_the_visitors_address(settings: Settings) -> None:
    app = create_app({"TESTING": True}, settings=settings.replace(proxy_hops=1))
    assert client_address(app) == "https 203.0.113.9"
