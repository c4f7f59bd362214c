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


def is_web_url(value: object) -> bool:
    """True for an ``https:`` or ``http:`` address with a host: the only links ever shown.

    Anything else (``javascript:``, ``data:``, relative paths, addresses with spaces or
    control characters that browsers would strip) is shown as text, never as a link.
    """
    if not isinstance(value, str) or not value or any(c.isspace() or ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def has_web_scheme(value: str) -> bool:
    """True when a link would open as ``https:`` or ``http:`` (as browsers read it: leading
    spaces and control characters dropped, tabs and newlines removed)."""
    cleaned = "".join(c for c in value.lstrip("".join(map(chr, range(33)))) if c not in "\t\n\r")
    scheme, colon, _rest = cleaned.partition(":")
    return bool(colon) and scheme.lower() in _DEFAULT_PORTS


def parse_public_url(raw: str) -> str:
    """The address the service is published at, as an origin (empty: take it from requests)."""
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    try:
        return check_origin(value)
    except ConfigError:
        raise ConfigError(
            f"PAIR_PUBLIC_URL={raw!r} must be an address such as https://pair.example.nhs.uk "
            "(no path)"
        ) from None


def parse_hosts(raw: str) -> tuple[str, ...]:
    """Comma-separated host names (no scheme or port), lower case; empty items are ignored."""
    hosts = []
    for item in (part.strip().lower().rstrip(".") for part in raw.split(",")):
        if not item:
            continue
        if not _HOST.match(item):
            raise ConfigError(
                f"trusted host {item!r} must be a host name such as pair.example.nhs.uk "
                "(no scheme or port)"
            )
        hosts.append(item)
    return tuple(dict.fromkeys(hosts))


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
