"""Answer-level evaluation: does the answer TEXT a user sees state the asked fact?

The team's sets (``eval/answers*.yaml``) hold single questions and short conversations;
each question lists tolerant regular expressions that must all match the answer text
(case-insensitive), or is marked ``out_of_scope`` (the assistant must decline or signpost).
Run twice in one go, extracts alone and key-question cards + extracts, so the cards'
contribution is measured, never assumed. Citations are not read: a cited passage that
holds the fact does not make an answer pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.answer.asking import remembered
from assistant.answer.compose import Answer
from assistant.answer.followup import MAX_TURNS, Turn
from assistant.errors import ValidationError

Asker = Callable[[str, Sequence[Turn], bool], Answer]
SYSTEMS = (("extracts", False), ("cards+extracts", True))


@dataclass(frozen=True)
class Case:
    text: str
    patterns: tuple[str, ...] = ()
    out_of_scope: bool = False
    where: str = ""


@dataclass(frozen=True)
class Result:
    case: Case
    passed: bool
    kind: str  # card, extract, refused, signposted
    answer: str
    follow_up: bool = False


def load_sets(paths: Iterable[Path]) -> tuple[list[Case], list[list[Case]]]:
    """Single questions and conversations from every answer-set file."""
    singles: list[Case] = []
    conversations: list[list[Case]] = []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValidationError(f"cannot read answer set {path}: {exc}") from None
        for n, entry in enumerate(data.get("questions") or [], start=1):
            singles.append(_case(entry, f"{path.name} question {n}"))
        for n, conversation in enumerate(data.get("conversations") or [], start=1):
            turns = conversation.get("turns") if isinstance(conversation, dict) else None
            if not isinstance(turns, list) or len(turns) < 2:
                raise ValidationError(f"{path.name} conversation {n}: needs 2+ `turns`")
            conversations.append(
                [_case(t, f"{path.name} conversation {n} turn {i}") for i, t in enumerate(turns, 1)]
            )
    return singles, conversations


def _case(entry: Any, where: str) -> Case:
    if not isinstance(entry, dict) or not str(entry.get("q") or "").strip():
        raise ValidationError(f"{where}: needs a `q:` text")
    patterns = tuple(str(p) for p in entry.get("expect") or ())
    out = bool(entry.get("out_of_scope", False))
    if out == bool(patterns):
        raise ValidationError(f"{where}: give either `expect:` patterns or `out_of_scope: true`")
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValidationError(f"{where}: bad pattern {p!r}: {exc}") from None
    return Case(" ".join(str(entry["q"]).split()), patterns, out, where)


def questions_of(paths: Iterable[Path]) -> list[str]:
    """Every question text in the answer sets (cards must not copy them)."""
    singles, conversations = load_sets(paths)
    return [c.text for c in singles] + [c.text for conv in conversations for c in conv]


def judge(case: Case, answer: Answer, follow_up: bool = False) -> Result:
    kind = answer.kind
    if case.out_of_scope:
        passed = answer.abstained
    else:
        passed = not answer.abstained and all(
            re.search(p, answer.answer, re.IGNORECASE) for p in case.patterns
        )
    return Result(case, passed, kind, answer.answer, follow_up)


def run(
    ask: Asker, singles: list[Case], conversations: list[list[Case]], use_cards: bool
) -> list[Result]:
    results = [judge(c, ask(c.text, (), use_cards)) for c in singles]
    for conversation in conversations:
        history: list[Turn] = []
        for n, case in enumerate(conversation):
            reply = ask(case.text, tuple(history[-MAX_TURNS:]), use_cards)
            results.append(judge(case, reply, follow_up=n > 0))
            if not reply.abstained:
                history.append(remembered(case.text, reply))
    return results


def metrics(results: list[Result]) -> dict[str, float]:
    single = [r for r in results if not r.follow_up and not r.case.out_of_scope]
    follow = [r for r in results if r.follow_up and not r.case.out_of_scope]
    outside = [r for r in results if r.case.out_of_scope]
    cards = [r for r in single + follow if r.kind == "card"]
    return {
        "answer_pass_single": _share([r.passed for r in single]),
        "answer_pass_follow_up": _share([r.passed for r in follow]),
        "out_of_scope_abstain": _share([r.passed for r in outside]),
        "in_scope_false_abstain": _share([r.kind in ("refused", "signposted") for r in single]),
        "card_hit_rate": _share([r.kind == "card" for r in single + follow]),
        "card_precision": _share([r.passed for r in cards]),
        "out_of_scope_card": _share([r.kind == "card" for r in outside]),
    }


def _share(values: list[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def table(by_system: dict[str, dict[str, float]], counts: str) -> str:
    names = list(by_system)
    rows = [counts, f"{'answer metric':<24}" + "".join(f"{n:>16}" for n in names)]
    for metric in next(iter(by_system.values())):
        rows.append(f"{metric:<24}" + "".join(f"{by_system[n][metric]:>16.3f}" for n in names))
    return "\n".join(rows)


def failures(results: list[Result]) -> list[str]:
    return [
        f"  {r.case.where}: {r.case.text[:70]!r} [{r.kind}] -> {r.answer[:110]!r}"
        for r in results
        if not r.passed
    ]
