"""Who may use the service from another site: framing, CORS and per-origin rate limits.

Only origins listed in ``embed_allowed_origins`` (and this site itself) may frame
``/embed`` or call the API from a browser. CORS echoes the exact allowed origin, never
``*``. Every route that runs the model is rate limited (:mod:`assistant.web.ratelimit`),
per client address (after ``proxy_hops`` trusted proxies) and allowed calling origin: the
``Origin`` and ``Host`` headers are the client's to choose, so an origin that is not on
the allowlist never makes a bucket of its own.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

from assistant.config import Settings
from assistant.errors import PairError
from assistant.web import settings
from assistant.web.hosts import own_origin
from assistant.web.ratelimit import Limits
from assistant.web.security import CSP

CORS_PATHS = ("/api/", "/widget/")


class OriginNotAllowed(PairError):
    code = "origin_not_allowed"
    status = 403


def init_app(app: Flask, config: Settings) -> None:
    app.before_request(_refuse_foreign_origin)
    app.after_request(_cors)
    if config.rate_limit.strip():
        limits = Limits(config, _limit_key, _is_lookup, _not_limited)
        limits.init_app(app)
        app.extensions["pair.limits"] = limits


def embed_csp() -> str:
    """The site's CSP with framing opened to this site and the allowed host origins."""
    ancestors = " ".join(("'self'", *settings().embed_allowed_origins))
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


def is_allowed(origin: str) -> bool:
    """This site (any scheme, for proxies ending TLS) or an exact allowlisted origin."""
    own = urlsplit(own_origin()).netloc
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return False
    return netloc == own or origin in settings().embed_allowed_origins


def _refuse_foreign_origin() -> None:
    origin = request.headers.get("Origin")
    if origin and request.path.startswith("/api/") and not is_allowed(origin):
        raise OriginNotAllowed(
            f"pages on {origin} may not call this API; ask the administrator to add that "
            "origin to PAIR_EMBED_ALLOWED_ORIGINS"
        )


def _cors(response: Response) -> Response:
    if not request.path.startswith(CORS_PATHS):
        return response
    _vary_on_origin(response)
    origin = request.headers.get("Origin", "")
    if origin in settings().embed_allowed_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response


def _vary_on_origin(response: Response) -> None:
    """Add ``Origin`` to the ``Vary`` header, as ``response.vary.add`` does, without
    parsing the header into a set and writing it back."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Origin"
    elif "origin" not in (v.strip().lower() for v in vary.split(",")):
        response.headers["Vary"] = f"{vary}, Origin"


LOOKUP_PATHS = ("/api/search", "/api/passages/", "/search")
# HTML forms that run the model as /api/ask does
ASK_FORMS = ("/", "/embed")


def _is_lookup() -> bool:
    """Lookups are cheap and come in bursts (search as you type): a separate allowance."""
    return request.path.startswith(LOOKUP_PATHS)


def _limit_key() -> str:
    """Client address, allowlisted calling origin (anything else: this site), kind."""
    kind = "lookup" if _is_lookup() else "ask"
    origin = request.headers.get("Origin", "")
    caller = origin if origin in settings().embed_allowed_origins else "-"
    return f"{request.remote_addr} {caller} {kind}"


def _not_limited() -> bool:
    if request.method == "OPTIONS":
        return True
    if request.path.startswith(("/api/", "/search")):
        return False
    return not (request.method == "POST" and request.path in ASK_FORMS)
