"""Remove personal details from a question before it is stored.

Replaced with a bracketed label, so a curator still reads what kind of detail was there:
email addresses, UK phone numbers, NHS numbers (ten digits, spaced 3-3-4 or not), UK
postcodes and dates with a day and a month (a date of birth looks like any other date, so
every such date goes; a year alone stays, as in "the 2023 data"). The rules are plain
regular expressions, tested on a table of examples; they err towards removing too much.
"""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"

RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE), "[email]"),
    # dates before numbers, so 01/02/2020 is a date and not part of a phone number
    (
        re.compile(
            r"\b(?:[12]\d|3[01]|0?[1-9])[/.-](?:1[0-2]|0?[1-9])[/.-](?:\d{4}|\d{2})\b"
            r"|\b\d{4}-(?:1[0-2]|0[1-9])-(?:[12]\d|3[01]|0[1-9])\b"
            rf"|\b{_DAY}(?:\s+of)?\s+{_MONTHS}\.?(?:,?\s+\d{{4}})?\b"
            rf"|\b{_MONTHS}\.?\s+{_DAY}\b(?:,?\s+\d{{4}})?",
            re.IGNORECASE,
        ),
        "[date]",
    ),
    # UK phone numbers: +44 or a leading 0, then 9 or 10 more digits, spaced as people do
    (
        re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?|\(?0)(?:[\s()-]*\d){9,10}\b"),
        "[phone number]",
    ),
    # NHS numbers: ten digits, 3-3-4 with optional spaces or hyphens
    (re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b"), "[NHS number]"),
    (
        re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE),
        "[postcode]",
    ),
)


def scrub(text: str) -> str:
    """``text`` with email addresses, phone and NHS numbers, postcodes and dates replaced."""
    for pattern, label in RULES:
        text = pattern.sub(label, text)
    return text
