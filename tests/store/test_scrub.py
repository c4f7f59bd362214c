"""Personal details never reach the database: a table of what is typed and what is kept."""

from __future__ import annotations

import pytest

from assistant.store.scrub import scrub


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("email me at jo.bloggs+pair@nhs.net please", "email me at [email] please"),
        ("JANE_DOE@Example.co.uk asked", "[email] asked"),
        ("call 07700 900123 tomorrow", "call [phone number] tomorrow"),
        ("ring +44 7700 900123", "ring [phone number]"),
        ("our office is on 020 7946 0958.", "our office is on [phone number]."),
        ("(01632) 960 001 is the desk", "[phone number] is the desk"),
        ("NHS number 943 476 5919 was referred", "NHS number [NHS number] was referred"),
        ("nhs no 9434765919", "nhs no [NHS number]"),
        ("NHS 943-476-5919", "NHS [NHS number]"),
        ("we are in LS1 4AP and", "we are in [postcode] and"),
        ("postcode sw1a1aa", "postcode [postcode]"),
        ("born 12/03/2024 in Leeds", "born [date] in Leeds"),
        ("dob 1.2.23", "dob [date]"),
        ("DOB 2024-03-12", "DOB [date]"),
        ("born on 3rd of May 2024", "born on [date]"),
        ("born March 12, 2024, at home", "born [date], at home"),
        ("since 14 February", "since [date]"),
        # what must stay: figures, years, service words
        ("How many teams were there in 2023?", "How many teams were there in 2023?"),
        (
            "What does the 1001 Critical Days manifesto say about 0-2 year olds?",
            "What does the 1001 Critical Days manifesto say about 0-2 year olds?",
        ),
        ("Cost per family was £3,200 in March 2024", "Cost per family was £3,200 in March 2024"),
        (
            "Section 75 pooled budgets for 10,000 births",
            "Section 75 pooled budgets for 10,000 births",
        ),
    ],
)
def test_scrub(typed: str, kept: str) -> None:
    assert scrub(typed) == kept
