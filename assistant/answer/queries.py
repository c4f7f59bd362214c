"""Validation and response shapes shared by the JSON API and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.answer.compose import make_citation
from assistant.config import Settings
from assistant.errors import ValidationError
from assistant.evidence.text import normalise

if TYPE_CHECKING:
    from assistant.search.engine import Engine
    from assistant.search.retrieval import Hit

MAX_K = 50


def check_question(value: Any, settings: Settings, field: str = "message") -> str:
    """The question, normalised; a ValidationError naming the problem otherwise."""
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be a string")
    text = normalise(value)
    if not text:
        raise ValidationError(f"'{field}' is empty; type a question")
    if len(text) > settings.max_question_chars:
        raise ValidationError(
            f"'{field}' is {len(text)} characters long; the limit is {settings.max_question_chars}"
        )
    return text


def check_k(value: Any, default: int = 5) -> int:
    if value is None or value == "":
        return default
    try:
        k = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"'k' must be a whole number from 1 to {MAX_K}") from None
    if not 1 <= k <= MAX_K:
        raise ValidationError(f"'k' must be from 1 to {MAX_K}, not {k}")
    return k


def result_dict(engine: Engine, hit: Hit) -> dict[str, Any]:
    c = make_citation(0, hit, engine.index)
    return {
        "id": c.id,
        "text": c.text,
        "title": c.title,
        "section": c.section,
        "url": c.url,
        "page": c.page,
        "score": c.score,
        "source_id": c.source_id,
        "year": c.year,
        "evidence": c.evidence,
        "topic": hit.passage.topic,
    }
