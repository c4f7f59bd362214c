"""Lookup parameters and the shape of one search result, shared by the API and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.errors import ValidationError
from assistant.search.citations import make_citation

if TYPE_CHECKING:
    from assistant.search.engine import Engine
    from assistant.search.retrieval import Hit

MAX_K = 50


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
        "newer": c.newer,
    }
