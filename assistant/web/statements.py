"""What the accessibility statement and the privacy notice say, kept as data beside the code.

The pages render these lists, and the assurance documents in ``docs/assurance/`` point
here. When the service starts to store something new (feedback, an inbox of unanswered
questions, curator accounts), add a :class:`Stored` entry to ``STORED``; a test checks
that every entry is shown on ``/privacy``. When an accessibility problem is fixed or
found, change ``KNOWN_ISSUES`` and ``TESTED_ON``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.config import Settings

# When the checks below last ran against this version, and what they are.
TESTED_ON = dt.date(2026, 12, 7)
STATEMENT_PREPARED = dt.date(2026, 12, 7)


@dataclass(frozen=True)
class Check:
    """One way the service is tested for accessibility, and where the test lives."""

    what: str
    where: str


CHECKS = (
    Check(
        "Automated checks with axe-core 4.12 against WCAG 2.0, 2.1 and 2.2 at levels A and AA, "
        "on every page and on the states people reach (an answer, a journey step, a search, "
        "the widget open on a host page), in Chromium.",
        "tests/browser/test_accessibility.py, tests/browser/test_behaviour_browser.py",
    ),
    Check(
        "Reflow: every page at 320 CSS pixels wide (400% zoom) without scrolling sideways.",
        "tests/browser/test_accessibility.py",
    ),
    Check(
        "Keyboard only: the widget opens, takes a question and closes with the keyboard, "
        "and focus returns to the button that opened it.",
        "tests/browser/test_widget_browser.py",
    ),
    Check(
        "Without JavaScript: asking, the guided journey, the estimator and search all work "
        "as plain forms and links.",
        "tests/web/",
    ),
    Check(
        "Form errors: the estimator shows an error summary linked to the field, the message "
        "beside the field and 'Error:' in the page title.",
        "tests/browser/test_behaviour_browser.py",
    ),
)

# Problems we know about, in plain words; each says what is affected and what to do instead.
KNOWN_ISSUES = (
    "Passages link to the original publications on other websites, often PDF documents. "
    "Those documents are not ours and may not be accessible; each passage quotes the part "
    "it relies on, so you can read the evidence here.",
    "Without JavaScript, the error summary of a form is announced when the page loads but "
    "does not take the keyboard focus.",
    "The service has not yet had a full manual audit, or testing by people who use "
    "assistive technologies such as screen readers and speech recognition.",
)


@dataclass(frozen=True)
class Stored:
    """Something the service keeps about the people who use it: where, and for how long."""

    what: str
    where: str
    how_long: str
    why: str


STORED = (
    Stored(
        "Your conversation in the chat and widget (your questions and the answers), and "
        "where you are in the guided journey",
        "In your own browser (session storage for this tab), not on our servers",
        "Until you close the tab",
        "So the conversation survives a page reload and follow-up questions can be read "
        "with the earlier one",
    ),
    Stored(
        "Your checklist ticks, the births figure you typed and your search words",
        "In the page address (URL) in your browser, so in your browser history",
        "As long as your browser keeps its history",
        "So a step or a search can be bookmarked and shared",
    ),
    Stored(
        "Recent questions and searches, turned into numbers for matching, with their results",
        "In the memory of the server process, never written to disk or a database",
        "Until newer ones push them out or the server restarts",
        "To answer a repeated question or search faster",
    ),
    Stored(
        "A count of requests from your network address and the site you use it from",
        "In the server's memory, or a shared counter store if the service is set up with one",
        "One minute: each count expires at the end of its time window",
        "To stop one user or site overwhelming the service",
    ),
    Stored(
        "A line in the server's log for each request: the time, which kind of page or API "
        "call it was (never the question or the address typed), the result, how long it "
        "took and a request number; not your network address",
        "In the server's log, read by the people who run the service, and as totals "
        "(counts and timings) in its monitoring",
        "As long as the organisation that runs the service keeps its logs",
        "To run the service, see how busy it is and trace faults",
    ),
    Stored(
        "A record of each answer: when it was given, its kind (summary, quotation, no "
        "answer, help for a parent), how confident the match was, the journey step and the "
        "passages cited; and your 'Was this helpful?' reply and comment, if you give one",
        "In the service's database (written there from the server's memory within half a "
        "second, or as the service sets it), seen only by signed-in curators and as totals",
        "180 days unless the service sets another period (PAIR_RETENTION_DAYS), then deleted",
        "So the evidence team can see which evidence is used and where answers fall short",
    ),
    Stored(
        "The text of questions the evidence could not answer or that you marked not helpful "
        "(a service may choose to keep all questions, or none), after email addresses, phone "
        "numbers, NHS numbers, postcodes and dates are removed. A question from a parent "
        "about their own baby, or from someone who may be in danger, is never kept: only "
        "that one was asked is counted",
        "In the service's database (written there with the answer's record), seen only by "
        "signed-in curators",
        "180 days unless the service sets another period (PAIR_RETENTION_DAYS), then deleted",
        "So the evidence team can fill the gaps in the evidence",
    ),
    Stored(
        "For curators only: email address, role, a one-way hash of the password, sign-in "
        "attempts (with a one-way hash of the network address) and an audit log of changes",
        "In the service's database",
        "Accounts until removed; sign-in records 180 days",
        "So only the evidence team can sign in to the curator area, and changes are traced",
    ),
)

NOT_STORED = (
    "No account, name, email address or NHS number is asked for.",
    "Questions are not written to the server's log, and nothing kept links a question to you.",
    "Public pages and the widget set no cookies, and there is no analytics or tracking; "
    "only curators who sign in to /admin get a session cookie.",
    "The service keeps no record of which pages you visit.",
)


def question_logging(settings: Settings) -> str | None:
    """A warning for /privacy when this deployment writes questions to its log, else None."""
    if not settings.log_queries:
        return None
    return (
        "On this installation, question text is written to the server's log "
        "(PAIR_LOG_QUERIES is on), where the people who run the service can read it. "
        "The log is kept as long as the organisation that runs the service keeps its logs."
    )
