"""Question checks shared by the JSON API, the pages and the CLI."""

from __future__ import annotations

import re
from typing import Any

from assistant.config import Settings
from assistant.errors import ValidationError
from assistant.evidence.text import normalise

_SURROGATE = re.compile("[\ud800-\udfff]")


def check_question(value: Any, settings: Settings, field: str = "message") -> str:
    """The question, normalised; a ValidationError naming the problem otherwise."""
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be a string")
    if not value.isprintable() and _SURROGATE.search(value):
        raise ValidationError(f"'{field}' holds characters that are not text (lone surrogates)")
    text = normalise(value)
    if not text:
        raise ValidationError(f"'{field}' is empty; type a question")
    if len(text) > settings.max_question_chars:
        raise ValidationError(
            f"'{field}' is {len(text)} characters long; the limit is {settings.max_question_chars}"
        )
    return text
