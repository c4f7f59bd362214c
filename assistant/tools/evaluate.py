"""Retrieval evaluation on the team's question set (``eval/questions.yaml``).

Each in-scope question names the passage ids that answer it; any of them in the results
counts as a hit. Out-of-scope questions should make the retriever abstain. Dense, lexical
and hybrid retrieval are scored in one run from the same query vectors, so the figures
are directly comparable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from assistant.errors import ValidationError
from assistant.evidence.yamlsrc import listed
from assistant.search.retrieval import MODES, Mode, SearchResult

DEPTH = 10
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "abstain_accuracy", "false_abstain_rate")


class Searcher(Protocol):
    def search(self, query: str, k: int | None = None, mode: Mode = "hybrid") -> SearchResult: ...


@dataclass(frozen=True)
class Question:
    text: str
    ids: tuple[str, ...] = ()
    out_of_scope: bool = False
    line: int = 0


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # 1-based rank of the first answering passage within DEPTH
    abstained: bool
    confidence: float
    top_ids: tuple[str, ...]

    @property
    def missed(self) -> bool:
        if self.question.out_of_scope:
            return not self.abstained
        return self.abstained or self.rank is None or self.rank > 3


@dataclass(frozen=True)
class ModeReport:
    mode: Mode
    metrics: dict[str, float]
    outcomes: tuple[Outcome, ...]

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.missed]


def load_questions(path: Path, known_ids: set[str] | None = None) -> list[Question]:
    """Parse the question file; unknown passage ids are an error naming the line."""
    try:
        entries, lines = listed(path.read_text(encoding="utf-8"), "questions")
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(f"cannot read questions from {path}: {exc}") from None
    if not isinstance(entries, list) or not entries:
        raise ValidationError(f"{path}: expected a non-empty top-level 'questions:' list")
    return [_question(e, path, n, known_ids) for e, n in zip(entries, lines, strict=True)]


def _question(entry: Any, path: Path, line: int, known: set[str] | None) -> Question:
    if not isinstance(entry, dict) or not str(entry.get("q") or "").strip():
        raise ValidationError(f"{path}:{line}: each question needs a 'q:' text")
    ids = tuple(str(i) for i in entry.get("ids") or ())
    out_of_scope = bool(entry.get("out_of_scope", False))
    if out_of_scope == bool(ids):
        raise ValidationError(f"{path}:{line}: give either 'ids:' or 'out_of_scope: true'")
    unknown = [i for i in ids if known is not None and i not in known]
    if unknown:
        raise ValidationError(f"{path}:{line}: unknown passage id(s) {', '.join(unknown)}")
    return Question(" ".join(str(entry["q"]).split()), ids, out_of_scope, line)


def evaluate(
    searcher: Searcher, questions: list[Question], modes: tuple[Mode, ...] = MODES
) -> dict[Mode, ModeReport]:
    """Score every mode on every question."""
    reports = {}
    for mode in modes:
        outcomes = tuple(_outcome(searcher.search(q.text, DEPTH, mode), q) for q in questions)
        reports[mode] = ModeReport(mode, _metrics(outcomes), outcomes)
    return reports


def _outcome(result: SearchResult, question: Question) -> Outcome:
    ids = tuple(h.passage.id for h in result.hits)
    wanted = set(question.ids)
    rank = next((n for n, pid in enumerate(ids, start=1) if pid in wanted), None)
    return Outcome(question, rank, result.abstained, result.confidence, ids)


def _metrics(outcomes: tuple[Outcome, ...]) -> dict[str, float]:
    inside = [o for o in outcomes if not o.question.out_of_scope]
    outside = [o for o in outcomes if o.question.out_of_scope]
    ranks = [o.rank for o in inside]
    return {
        "hit@1": _share(inside, [r is not None and r <= 1 for r in ranks]),
        "hit@3": _share(inside, [r is not None and r <= 3 for r in ranks]),
        "hit@5": _share(inside, [r is not None and r <= 5 for r in ranks]),
        "mrr@10": _share(inside, [1.0 / r if r else 0.0 for r in ranks]),
        "abstain_accuracy": _share(outside, [o.abstained for o in outside]),
        "false_abstain_rate": _share(inside, [o.abstained for o in inside]),
    }


def _share(items: list[Outcome], values: list[bool] | list[float]) -> float:
    return round(sum(float(v) for v in values) / len(items), 4) if items else 0.0


def table(reports: dict[Mode, ModeReport]) -> str:
    """The metrics as a plain-text table, one column per mode."""
    modes = list(reports)
    rows = [f"{'metric':<20}" + "".join(f"{m:>10}" for m in modes)]
    for metric in METRICS:
        cells = "".join(f"{reports[m].metrics[metric]:>10.3f}" for m in modes)
        rows.append(f"{metric:<20}{cells}")
    return "\n".join(rows)


def misses_text(report: ModeReport) -> list[str]:
    lines = []
    for o in report.misses:
        q = o.question
        if q.out_of_scope:
            why = f"answered (confidence {o.confidence:.3f}), should abstain"
        else:
            found = f"rank {o.rank}" if o.rank else "not in top 10"
            why = f"{found}{', abstained' if o.abstained else ''}; wanted {', '.join(q.ids)}"
        lines.append(f"  line {q.line}: {q.text[:70]!r}: {why}; got {', '.join(o.top_ids[:3])}")
    return lines


def to_json(reports: dict[Mode, ModeReport]) -> dict[str, Any]:
    return {
        mode: {
            "metrics": r.metrics,
            "misses": [
                {
                    **asdict(o.question),
                    "rank": o.rank,
                    "abstained": o.abstained,
                    "confidence": o.confidence,
                    "top_ids": list(o.top_ids[:5]),
                }
                for o in r.misses
            ],
        }
        for mode, r in reports.items()
    }
