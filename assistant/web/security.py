"""Response headers: a strict Content-Security-Policy and friends on every response.

A view that must relax framing (the embeddable widget page) sets its own
``Content-Security-Policy`` header; it is then left as the view set it.
"""

from __future__ import annotations

from flask import Flask, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    app.after_request(_headers)


# (name, lower-case name, value) of each header added when the view did not set it
_DEFAULTS = tuple((n, n.lower(), v) for n, v in {"Content-Security-Policy": CSP, **HEADERS}.items())
_NO_STORE = ("Cache-Control", "cache-control", "no-store")


def _headers(response: Response) -> Response:
    """The headers above that the view did not set, after its own (one pass over them)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    content_type = headers.get("Content-Type", "")
    json = content_type.split(";", 1)[0].strip().lower() == "application/json"
    wanted = (*_DEFAULTS, _NO_STORE) if json else _DEFAULTS
    headers.extend([(name, value) for name, lower, value in wanted if lower not in present])
    return response
