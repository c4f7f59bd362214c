"""The local need estimator: arithmetic, input errors, and rates tied to their passages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assistant.errors import ValidationError
from assistant.evidence.corpus import parse_corpus
from assistant.journey.estimator import (
    EstimatorError,
    Rate,
    Rates,
    estimate,
    load_rates,
    parse_births,
    verify_rates,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

RATES = """\
levels:
  - {id: specialist, label: Specialist care}
  - {id: targeted, label: Targeted support}
rates:
  - id: severe
    label: Severe depressive illness
    level: specialist
    rate: 30
    per: 1000
    population: women
    passage: p1
  - id: mild
    label: Mild to moderate depression and anxiety
    level: targeted
    rate: 100-150
    per: 1000
    population: women
    passage: p1
  - id: disorganised
    label: Disorganised attachment
    level: targeted
    rate: 15
    per: 100
    population: infants
    passage: p2
"""
PASSAGES = {
    "p1": "Per 1,000 maternities: severe depressive illness 30; mild to moderate 100 to 150.",
    "p2": "Around 15% of infants in low-risk families showed disorganised attachment.",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estimator.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def rate(low: float, high: float, per: int = 1000) -> Rate:
    return Rate("r", "R", "l", low, high, per, "women", "p1")


@pytest.mark.parametrize(
    ("births", "low", "high", "per", "expected", "sums"),
    [
        (3200, 30, 30, 1000, (96, 96), "3,200 × 30 ÷ 1,000 = 96"),
        (
            3200,
            100,
            150,
            1000,
            (320, 480),
            "3,200 × 100 ÷ 1,000 = 320 to 3,200 × 150 ÷ 1,000 = 480",
        ),
        (2450, 2, 2, 1000, (5, 5), "2,450 × 2 ÷ 1,000 = 4.9"),
        (250, 2, 2, 1000, (1, 1), "250 × 2 ÷ 1,000 = 0.5"),
        (100, 2, 2, 1000, (0, 0), "100 × 2 ÷ 1,000 = 0.2"),
        (591072, 15, 15, 100, (88661, 88661), "591,072 × 15 ÷ 100 = 88,660.8"),
    ],
)
def test_each_figure_is_births_times_rate_with_the_sum_shown(
    births: int, low: float, high: float, per: int, expected: tuple[int, int], sums: str
) -> None:
    (figure,) = estimate(births, Rates((), (rate(low, high, per),))).figures
    assert (figure.low, figure.high) == expected
    assert figure.arithmetic == sums
    assert figure.is_range == (low != high)


@pytest.mark.parametrize(("raw", "births"), [("3200", 3200), (" 3,200 ", 3200), (591072, 591072)])
def test_births_accepts_whole_numbers(raw: str | int, births: int) -> None:
    assert parse_births(raw) == births


@pytest.mark.parametrize("raw", ["", None, "0", "-5", "3.5", "abc", "1e3", "3200 births"])
def test_births_refuses_anything_but_a_positive_whole_number(raw: str | None) -> None:
    with pytest.raises(ValidationError, match="whole number above 0, for example 3200"):
        parse_births(raw)


def test_births_refuses_more_than_any_area() -> None:
    with pytest.raises(ValidationError, match="more births a year than any local area"):
        parse_births("5000000")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("three thousand", '(you entered "three thousand")'),
        ("1000000000000", 'You entered "1000000000000": that is more'),
        ("9" * 5000, f'You entered "{"9" * 5000}": that is more'),
        ("3200 births a year", '(you entered "3200 births a year")'),
        ("²", '(you entered "²")'),
        ("<b>3</b>", '(you entered "<b>3</b>")'),
    ],
)
def test_births_checks_the_whole_input_and_repeats_it_exactly(raw: str, shown: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_births(raw)
    assert shown in refused.value.message


def test_leading_zeros_and_grouping_are_a_number() -> None:
    assert parse_births("0001") == 1 and parse_births("1 000 000") == 1_000_000


def test_rates_load_and_verify_against_their_passages(tmp_path: Path) -> None:
    rates = load_rates(write(tmp_path, RATES))
    verify_rates(rates, PASSAGES)
    assert [r.id for r in rates.rates] == ["severe", "mild", "disorganised"]
    assert (rates.rates[1].low, rates.rates[1].high) == (100, 150)


def test_a_rate_the_passage_does_not_state_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, RATES.replace("rate: 30", "rate: 35"))
    with pytest.raises(EstimatorError, match=rf"{path}:5: rate `severe`: .* does not state 35"):
        verify_rates(load_rates(path), PASSAGES)


def test_a_percentage_needs_a_percent_in_the_passage(tmp_path: Path) -> None:
    rates = load_rates(write(tmp_path, RATES))
    passages = {**PASSAGES, "p2": "Around 15 in every hundred infants were disorganised."}
    with pytest.raises(EstimatorError, match=r"rate `disorganised`: .* does not state %"):
        verify_rates(rates, passages)


def test_a_missing_passage_says_how_to_find_the_new_id(tmp_path: Path) -> None:
    rates = load_rates(write(tmp_path, RATES))
    with pytest.raises(
        EstimatorError, match=r":19: rate `disorganised` cites passage `p2`.*search"
    ):
        verify_rates(rates, {"p1": PASSAGES["p1"]})


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("rate: 30", "rate: lots", r":8: .*a number or a range"),
        ("rate: 100-150", "rate: 150-100", r":15: .*low before high"),
        ("per: 100\n", "per: 10\n", r":23: .*should be 100 or 1000"),
        ("level: specialist\n", "level: acute\n", r":5: rate `severe` names unknown level"),
        ("    passage: p1\n", "    passage:\n", r":11: the passage id of rate `severe` is missing"),
        ("- id: mild", "- id: severe", r":12: duplicate rate id `severe`"),
    ],
)
def test_broken_rates_files_name_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write(tmp_path, RATES.replace(old, new, 1))
    with pytest.raises(EstimatorError, match=rf"{path}{message}"):
        load_rates(path)


def test_every_real_rate_is_stated_in_the_passage_it_cites() -> None:
    corpus = parse_corpus(CORPUS)
    rates = load_rates(CORPUS / "estimator.yaml")
    verify_rates(rates, {p.id: p.text for p in corpus.passages})
    assert {r.level for r in rates.rates} == {lv.id for lv in rates.levels}
