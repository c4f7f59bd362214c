"""Rate limits on the routes that run the model: fixed windows counted per client.

Each limited request counts against one allowance: ``PAIR_RATE_LIMIT`` for asking,
``PAIR_LOOKUP_RATE_LIMIT`` for lookups (search as you type comes in bursts), per client
address (after ``PAIR_PROXY_HOPS`` trusted proxies) and allowed calling origin. Several
limits in one setting (``10/minute;200/hour``) must all hold. The counters live in
``PAIR_RATE_LIMIT_STORAGE`` (this process's own for ``memory://``, shared by workers and
hosts for ``redis://...``), under the keys Flask-Limiter used before, so a rolling upgrade
counts on. Every limited response says where its client stands (``X-RateLimit-Limit``,
``-Remaining``, ``-Reset`` and ``Retry-After``); one over the limit is a 429 in the app's
error shape.

This does only what the app needs, where Flask-Limiter worked each limit string out
again and went through its general machinery on every request (0.2-0.3 ms of CPU each).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from flask import Flask, Response, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from assistant.config import Settings
from assistant.errors import ConfigError, PairError
from assistant.web.ratecounts import storage_uri

SCOPE = "global"  # one allowance for every limited route, as Flask-Limiter's app limits
_COUNTED = "pair_rate_limit"  # on flask.g: (limit shown in the headers, key) of this request


class RateLimited(PairError):
    code = "rate_limited"
    status = 429


class Limits:
    """The app's two allowances and the counters they are kept in."""

    def __init__(
        self,
        config: Settings,
        key: Callable[[], str],
        is_lookup: Callable[[], bool],
        exempt: Callable[[], bool],
    ) -> None:
        self.ask = _parsed("RATE_LIMIT", config.rate_limit)
        self.lookup = _parsed("LOOKUP_RATE_LIMIT", config.lookup_rate_limit)
        self.limiter = FixedWindowRateLimiter(
            storage_from_string(storage_uri(config.rate_limit_storage))
        )
        self._key, self._is_lookup, self._exempt = key, is_lookup, exempt

    def init_app(self, app: Flask) -> None:
        app.before_request(self.check)
        app.after_request(self.headers)

    def check(self) -> None:
        """Count the request; RateLimited when it is over a limit. Requests for no route
        (a 404) and for static files are not counted, nor those ``exempt`` says."""
        endpoint = request.endpoint
        if not endpoint or endpoint.rsplit(".", 1)[-1] == "static" or self._exempt():
            return
        limits = self.lookup if self._is_lookup() else self.ask
        key = self._key()
        for limit in limits:
            if not self.limiter.hit(limit, key, SCOPE):
                setattr(g, _COUNTED, (limit, key))
                raise RateLimited("Too many requests from this site. Wait a minute and try again.")
        setattr(g, _COUNTED, (limits[0], key))

    def headers(self, response: Response) -> Response:
        """Where the client stands: against the limit with the shortest window, or the
        one it broke."""
        counted: tuple[RateLimitItem, str] | None = g.pop(_COUNTED, None)
        if counted is None:
            return response
        limit, key = counted
        reset, remaining = self.limiter.get_window_stats(limit, key, SCOPE)
        reset_at = int(reset + 1)
        response.headers.add("X-RateLimit-Limit", str(limit.amount))
        response.headers.add("X-RateLimit-Remaining", str(max(0, remaining)))
        response.headers.add("X-RateLimit-Reset", str(reset_at))
        response.headers["Retry-After"] = str(int(reset_at - time.time()))
        return response


def _parsed(name: str, value: str) -> Sequence[RateLimitItem]:
    """The limits of a setting, shortest window first (the order they are checked in)."""
    try:
        found = sorted(parse_many(value))
    except ValueError:
        found = []
    if not found:
        raise ConfigError(f"PAIR_{name}={value!r} is not a rate such as 60/minute")
    return found
