"""Questions typed into the pages' forms, checked with messages written for people.

The API names the field at fault ("'message' is empty"); a page says what to do instead.
"""

from __future__ import annotations

from assistant.answer.queries import check_question
from assistant.config import Settings
from assistant.errors import ValidationError
from assistant.evidence.text import normalise


def check_form_question(
    value: str, settings: Settings, empty: str = "Type a question", noun: str = "Your question"
) -> str:
    """The normalised question; a ValidationError in plain words otherwise."""
    try:
        return check_question(value, settings)
    except ValidationError:
        length = len(normalise(value))
        if not length:
            raise ValidationError(empty) from None
        limit = settings.max_question_chars
        raise ValidationError(
            f"{noun} must be {limit:,} characters or fewer (it has {length:,})"
        ) from None
