"""The journey with everything it needs at run time, loaded and checked once per process.

`load_guide` reads the journey tree and the estimator rates from the corpus folder,
checks every rate against the passage it cites, and prepares the node matcher (one
embedding per step) used to suggest related steps for free questions. The web app and
the CLI share it, so both answer the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Settings
from assistant.errors import PairError
from assistant.evidence.corpus import Passage
from assistant.journey.estimator import Rates, load_rates, verify_rates
from assistant.journey.evidence import NodeEvidence, NodeMatcher, step_texts
from assistant.journey.tree import Journey, load_journey
from assistant.search.engine import Engine, add_build_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guide:
    """The journey, its estimator rates, the evidence cache and the related-step matcher."""

    journey: Journey
    rates: Rates
    evidence: NodeEvidence
    matcher: NodeMatcher


def journey_path(corpus_dir: Path) -> Path:
    """`corpus/journey/` when the tree is split into files, else `corpus/journey.yaml`."""
    folder = corpus_dir / "journey"
    return folder if folder.is_dir() else corpus_dir / "journey.yaml"


def journey_step_texts(settings: Settings) -> list[str]:
    """The journey's step texts, whose vectors index builds store (none without a journey)."""
    path = journey_path(settings.corpus_dir)
    if not path.exists():
        return []
    try:
        return step_texts(load_journey(path))
    except PairError as exc:  # the journey is checked where it is served; the index builds
        log.warning("journey steps not stored with the index: %s", exc.message)
        return []


add_build_texts(journey_step_texts)


def load_guide(corpus_dir: Path, engine: Engine) -> Guide:
    """Load and validate the journey and rates for `engine`'s index."""
    journey = load_journey(journey_path(corpus_dir))
    rates = load_rates(corpus_dir / "estimator.yaml")
    verify_rates(rates, {p.id: p.text for p in engine.index.passages})
    return Guide(journey, rates, NodeEvidence(engine), NodeMatcher(engine, journey))


def check_content(corpus_dir: Path, passages: Iterable[Passage]) -> tuple[Journey, Rates] | None:
    """The journey and the rates, each rate checked against the passage it cites.

    `index build` runs this against a new build before switching to it, so a build that
    the server could not load the journey for is never served. A corpus with neither file
    (an evidence-only corpus, as in tests) has nothing to check.
    """
    if not (journey_path(corpus_dir).exists() or (corpus_dir / "estimator.yaml").exists()):
        return None
    journey = load_journey(journey_path(corpus_dir))
    rates = load_rates(corpus_dir / "estimator.yaml")
    verify_rates(rates, {p.id: p.text for p in passages})
    return journey, rates


def rebind(old: Guide, engine: Engine) -> Guide:
    """The previous journey and rates on a new index, when its passages still back them."""
    verify_rates(old.rates, {p.id: p.text for p in engine.index.passages})
    return Guide(old.journey, old.rates, NodeEvidence(engine), NodeMatcher(engine, old.journey))
