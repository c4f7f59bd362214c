"""Where the program's log lines go and what they look like: text or JSON lines.

``PAIR_LOG_FORMAT=json`` writes one JSON object a line (time, level, logger, message, and
for lines written while a web request is handled its ``request_id``; the access line also
has method, endpoint, status and duration_ms), for log collectors that index fields.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FIELDS = ("request_id", "method", "endpoint", "status", "duration_ms")


def configure(level: int, fmt: str) -> None:
    """Send log lines to standard error as ``text`` or ``json`` (as
    :func:`logging.basicConfig` does: nothing changes when logging is already set up)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])


class TextFormatter(logging.Formatter):
    """The usual text line, with the request's id at the end when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        found = getattr(record, "request_id", None)
        return f"{line} [{found}]" if found else line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        data: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            data["stack"] = record.stack_info
        return json.dumps(data, ensure_ascii=False)
