"""Local need estimator: births a year -> estimated numbers at each level of need.

Each figure is a prevalence rate applied to the user's births, with the arithmetic shown
and the corpus passage that states the rate cited beside it. The rates are content, kept
in `corpus/estimator.yaml`; `verify_rates` checks every rate number (and its "per 1,000"
or "%") really appears in the text of the passage it cites, so the figures cannot drift
away from the evidence: edit the passage and the estimator refuses to load until the
YAML points at the new passage id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import ValidationError
from assistant.evidence.yamlsrc import ContentError, Problem, Reader, compose, line_of

MAX_BIRTHS = 1_000_000  # more than England and Wales together; a typo, not an area
_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_RATE_KEYS = ("id", "label", "level", "rate", "per", "population", "passage", "note")


class EstimatorError(ContentError):
    """The estimator rates file is broken or cites a passage that does not state the rate."""


class BirthsError(ValidationError):
    """The births figure a user typed is not a positive whole number."""


@dataclass(frozen=True)
class Level:
    """A level of need that figures are grouped under, most intensive first."""

    id: str
    label: str


@dataclass(frozen=True)
class Rate:
    """A prevalence rate (`low` to `high` per `per`) and the passage that states it."""

    id: str
    label: str
    level: str
    low: float
    high: float
    per: int
    population: str
    passage: str
    note: str = ""
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Rates:
    levels: tuple[Level, ...]
    rates: tuple[Rate, ...]


@dataclass(frozen=True)
class Figure:
    """One estimated number, with the sum that produced it."""

    rate: Rate
    low: int
    high: int
    arithmetic: str

    @property
    def is_range(self) -> bool:
        return self.low != self.high


@dataclass(frozen=True)
class Estimate:
    births: int
    figures: tuple[Figure, ...]


def parse_births(raw: str | int | None) -> int:
    """The births figure from a form or JSON value; anything but a whole number > 0 is refused."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace(" ", "")
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        shown = str(raw).strip() if raw not in (None, "") else "nothing"
        raise BirthsError(
            f"Enter the number of births a year in your area as a whole number above 0, "
            f"for example 3200 (you entered {shown})."
        )
    births = int(text)
    if births > MAX_BIRTHS:
        raise BirthsError(
            f"{births:,} births a year is more than any local area; check the figure."
        )
    return births


def estimate(births: int, rates: Rates) -> Estimate:
    """Apply every rate to `births`, rounding each result to the nearest whole number."""
    return Estimate(births=births, figures=tuple(_figure(births, r) for r in rates.rates))


def _figure(births: int, rate: Rate) -> Figure:
    low, high = births * rate.low / rate.per, births * rate.high / rate.per
    sums = [_sum(births, rate.low, rate.per, low)]
    if rate.high != rate.low:
        sums.append(_sum(births, rate.high, rate.per, high))
    return Figure(rate=rate, low=_round(low), high=_round(high), arithmetic=" to ".join(sums))


def _sum(births: int, value: float, per: int, result: float) -> str:
    return f"{births:,} × {_fmt(value)} ÷ {per:,} = {_fmt(round(result, 1))}"


def _round(value: float) -> int:
    return math.floor(value + 0.5)  # half up: 0.5 of a family reads as "about 1"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def load_rates(path: Path) -> Rates:
    """Read the rates file; every problem is reported with its file and line."""
    try:
        root = compose(path)
    except ContentError as exc:
        raise EstimatorError(exc.problems) from exc
    reader = Reader(str(path))
    if root is None:
        raise EstimatorError([Problem(str(path), 1, "the estimator rates file is empty")])
    top = reader.mapping(root, "the rates file", ("levels", "rates"))
    levels = tuple(
        Level(*reader.id_label(n, "level")) for n in reader.items(top.get("levels"), "levels", True)
    )
    rates = tuple(_read_rate(reader, n) for n in reader.items(top.get("rates"), "rates", True))
    _check_levels(reader, levels, rates)
    try:
        reader.fail_if_any()
    except ContentError as exc:
        raise EstimatorError(exc.problems) from None
    return Rates(levels=levels, rates=rates)


def verify_rates(rates: Rates, passages: Mapping[str, str]) -> None:
    """Refuse rates whose cited passage is missing or does not state the rate's numbers."""
    problems = [p for r in rates.rates for p in _verify(r, passages)]
    if problems:
        raise EstimatorError(problems)


def _verify(rate: Rate, passages: Mapping[str, str]) -> list[Problem]:
    text = passages.get(rate.passage)
    if text is None:
        msg = f"rate `{rate.id}` cites passage `{rate.passage}`, which is not in the corpus"
        return [
            Problem(rate.file, rate.line, f"{msg}; find its new id with `pair-assistant search`")
        ]
    flat = _THOUSANDS.sub("", text)
    numbers = set(_NUMBER.findall(flat))
    wanted = {_fmt(rate.low).replace(",", ""), _fmt(rate.high).replace(",", "")}
    if rate.per == 1000:
        wanted.add("1000")
    missing = sorted(wanted - numbers)
    if rate.per == 100 and "%" not in flat and "per cent" not in flat:
        missing.append("%")
    if not missing:
        return []
    msg = f"rate `{rate.id}`: passage `{rate.passage}` does not state {', '.join(missing)}"
    return [Problem(rate.file, rate.line, msg)]


def _read_rate(reader: Reader, node: yaml.Node) -> Rate:
    fields = reader.mapping(node, "a rate", _RATE_KEYS)
    rate_id = reader.text(fields.get("id"), "the rate id", node)
    where = f"rate `{rate_id or '?'}`"
    low, high = _read_range(reader, fields.get("rate"), where, node)
    per = reader.number(fields.get("per"), f"`per` of {where}", node)
    if per not in (100, 1000):
        reader.problem(fields.get("per") or node, f"`per` of {where} should be 100 or 1000")
    note = fields.get("note")
    return Rate(
        id=rate_id,
        label=reader.text(fields.get("label"), f"the label of {where}", node),
        level=reader.text(fields.get("level"), f"the level of {where}", node),
        low=low,
        high=high,
        per=int(per) if per > 0 else 1,
        population=reader.text(fields.get("population"), f"the population of {where}", node),
        passage=reader.text(fields.get("passage"), f"the passage id of {where}", node),
        note=" ".join(reader.text(note, f"the note of {where}", note).split()) if note else "",
        file=reader.file,
        line=line_of(node),
    )


def _read_range(
    reader: Reader, node: yaml.Node | None, where: str, at: yaml.Node
) -> tuple[float, float]:
    raw = reader.text(node, f"the rate of {where}", at)
    match = _RANGE.match(raw)
    if not raw:
        return 0.0, 0.0
    if match is None:
        reader.problem(
            node or at, f"the rate of {where} should be a number or a range like 100-150"
        )
        return 0.0, 0.0
    low = float(match.group(1))
    high = float(match.group(2) or low)
    if not 0 < low <= high:
        reader.problem(node or at, f"the rate of {where} should be positive, low before high")
    return low, high


def _check_levels(reader: Reader, levels: tuple[Level, ...], rates: tuple[Rate, ...]) -> None:
    known = {lv.id for lv in levels}
    seen: set[str] = set()
    for rate in rates:
        if rate.level and rate.level not in known:
            reader.problem(rate.line, f"rate `{rate.id}` names unknown level `{rate.level}`")
        if rate.id in seen:
            reader.problem(rate.line, f"duplicate rate id `{rate.id}`")
        seen.add(rate.id)
