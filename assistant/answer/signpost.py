"""Spot questions from a parent about their own baby, and signpost them to people who can help.

The assistant serves commissioners; it must never present an evidence passage as advice
to a worried parent. The rules are deliberately plain so anyone can read and test them:

- **parent**: the question is about the asker's own child ("my baby", "our son", "my
  6-week-old") or the asker as a new parent ("I have postnatal depression", "since I had
  the baby"), *and* it mentions distress or asks for help (crying, bond, scared, cope,
  help, what should I do, ...).
- **urgent**: first person plus a sign that someone may be in danger now: harming the baby
  or oneself, not being safe, or being hurt or frightened by a partner.

Questions about other people's children ("how do parents access help for their baby in
our area?") do not match: "their" is not first person and "our" only counts before a
singular child word ("our baby", not "our area" or "our babies and families").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["parent", "urgent"]

_NUMBERS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_AGE = rf"(?:\d+|{_NUMBERS})[\s-]*(?:days?|weeks?|months?|years?)[\s-]*old"
_ADJ = (
    r"(?:new|newborn|little|tiny|young|youngest|eldest|oldest|first|second|premature|baby|"
    rf"infant|{_AGE})"
)
_CHILD = (
    r"(?:bab(?:y|ies)|sons?|daughters?|child(?:ren)?|kids?|newborns?|infants?|toddlers?|"
    rf"little ones?|boys?|girls?|twins|{_AGE})"
)
_SINGLE = rf"(?:baby|son|daughter|child|newborn|infant|toddler|little one|boy|girl|twins|{_AGE})"
_NOT_A_SERVICE = (
    r"(?![\s-]*(?:team|service|mental|relationship|health|provision|pathway|programme|"
    r"unit|care|work|sector|commission|population|outcome|development|data)s?\b)"
)

OWN_CHILD = re.compile(
    rf"\bmy\s+(?:{_ADJ}[\s-]+){{0,3}}{_CHILD}\b{_NOT_A_SERVICE}"
    rf"|\bour\s+(?:{_ADJ}[\s-]+){{0,3}}{_SINGLE}\b{_NOT_A_SERVICE}"
    rf"|\bmy\s+{_AGE}\b",
    re.IGNORECASE,
)
SELF_AS_PARENT = re.compile(
    r"\bi(?:'m| am|'ve| have| think i(?:'ve| have)| was| feel| felt)?\s+(?:got\s+|been\s+)?"
    r"(?:diagnosed\s+with\s+)?(?:pregnant|(?:postnatal|post-natal|postpartum|perinatal)\s+"
    r"(?:depression|anxiety|psychosis|depressed))"
    r"|\b(?:since|after|when)\s+(?:i|we)\s+(?:had|gave birth|brought)"
    r"|\bi(?:'ve| have)?\s+(?:just\s+|recently\s+)?(?:had\s+(?:a|my|our|the)\s+baby|gave birth)"
    r"|\b(?:the|this|a)\s+baby\b.{0,30}\b(?:i|me)\b|\b(?:i|me)\b.{0,30}\bthe\s+baby\b",
    re.IGNORECASE,
)
DISTRESS = re.compile(
    r"\b(?:cr(?:y|ies|ying|ied)|scream\w*|won'?t stop|can'?t stop|keeps? \w+ing|"
    r"can'?t cope|cannot cope|not coping|cope|struggl\w*|bond\w*|attach\w*|love|"
    r"feel nothing|don'?t feel|no feelings?|scared|afraid|frightened|terrified|worr\w*|"
    r"anxious|anxiety|panic\w*|depress\w*|low|sad|alone|lonely|exhausted|tired|sleep\w*|"
    r"feed\w*|eat\w*|angry|anger|rage|resent\w*|regret\w*|hate|hurt\w*|harm\w*|shak\w*|"
    r"hit\w*|sick|ill|unwell|fever|help|advice|support|normal|what (?:should|do|can) (?:i|we) do|"
    r"don'?t know what to do|overwhelm\w*|failing|bad (?:mum|mom|mother|dad|father|parent))\b",
    re.IGNORECASE,
)
_THIRD_PARTY = r"\b(?:parents?|people|carers?|mothers?|fathers?|families|they|who|staff)\b"
_HARM = r"(?:hurt|harm|shak(?:e|ing)|shook|hit|smother|suffocat|kill|drop|throw)\w*"
_TARGET = rf"(?:(?:my|our|the|this)\s+(?:{_ADJ}[\s-]+){{0,2}}{_CHILD}|him|her|myself)\b"
URGENT = re.compile(
    rf"\bi\b(?:(?!{_THIRD_PARTY})[^.?!]){{0,40}}?\b{_HARM}\s+{_TARGET}"
    r"|\b(?:i|i'm|i am|i feel|i've been|i have been|i keep|feeling)\s+(?:really\s+|so\s+)?"
    r"suicidal|\bi(?:'m| am| keep| have| am having|'ve been having)?\s+(?:having\s+)?"
    r"(?:suicidal thoughts|thoughts of (?:suicide|ending))"
    r"|\bend (?:my life|it all)|\bkill myself|\b(?:don'?t|do not) want to (?:live|be here)"
    r"|\b(?:i|we|my\s+\w+|our\s+\w+)(?:'m|'re|\s+am|\s+are|\s+is|\s+might be|\s+may be)?"
    r"(?:\s+not)?\s+(?:not safe|in danger|unsafe)\b|\b(?:i|we)\s+(?:don'?t|do not) feel safe\b"
    r"|\bmy\s+(?:partner|husband|boyfriend|wife|girlfriend|ex)\b[^.?!]{0,40}\b(?:hits?|hurts?|beats?|"
    r"threaten\w*|abus\w*|controls?|chok\w*|strangl\w*|violent|hit me|pushed)\b"
    r"|\b(?:scared|afraid|frightened|terrified) of (?:my|our) (?:partner|husband|boyfriend|wife|"
    r"girlfriend|ex)\b",
    re.IGNORECASE,
)

PARENT_ANSWER = (
    "It sounds as though you may be asking about your own baby or family. This assistant "
    "is for people who plan and pay for services, so it cannot give advice about your "
    "situation, but there are people who can help."
)
PARENT_SIGNPOST = (
    "You do not have to manage this on your own. Talk to your health visitor, midwife or "
    "GP: they help parents with feelings like these every day. You can also call NHS 111, "
    "or use 111.nhs.uk, at any time of day or night. If you or your baby are in danger "
    "now, call 999."
)
URGENT_SIGNPOST = (
    "If you or your baby are in danger now, call 999. For urgent help with your mental "
    "health, call NHS 111 and choose the mental health option (option 2), at any time. "
    "If someone at home is hurting or frightening you, the National Domestic Abuse "
    "Helpline is free, confidential and open 24 hours: 0808 2000 247. Your health "
    "visitor, midwife or GP can help too."
)


@dataclass(frozen=True)
class Signpost:
    """What to say instead of an evidence answer, and which rule matched."""

    kind: Kind
    answer: str
    text: str


def check(question: str) -> Signpost | None:
    """The signpost for a parent's (or urgent) question, or None for anything else."""
    text = question.replace("\u2019", "'")
    if URGENT.search(text):
        return Signpost("urgent", PARENT_ANSWER, URGENT_SIGNPOST)
    if is_parent(text):
        return Signpost("parent", PARENT_ANSWER, PARENT_SIGNPOST)
    return None


def is_parent(text: str) -> bool:
    """About the asker's own child (or the asker as a new parent), with distress or a plea."""
    own = OWN_CHILD.search(text) or SELF_AS_PARENT.search(text)
    return bool(own and DISTRESS.search(text))
