"""Web origins (``scheme://host[:port]``): parsing the embedding allowlist exactly.

An origin is compared as a string, so the allowlist must hold them in the one form a
browser sends in its ``Origin`` header: lower-case scheme and host, no path, no trailing
slash, and no default port.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from assistant.errors import ConfigError

_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins -> a tuple of canonical origins; empty items are ignored."""
    items = [item.strip() for item in raw.split(",")]
    return tuple(dict.fromkeys(check_origin(item) for item in items if item))


def check_origin(value: str) -> str:
    """One origin in canonical form, or a ConfigError naming what is wrong with it."""
    if "*" in value:
        raise ConfigError(f"embed origin {value!r}: wildcards are not allowed; list each origin")
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ConfigError(f"embed origin {value!r} is not a valid origin") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in _DEFAULT_PORTS or not _HOST.match(host):
        raise ConfigError(f"embed origin {value!r} must look like https://intranet.example.nhs.uk")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"embed origin {value!r} must not have a path, query or user name")
    suffix = "" if port in (None, _DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{suffix}"
