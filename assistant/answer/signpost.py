"""Spot questions from a parent about their own baby, and signpost them to people who can help.

The assistant serves commissioners; it must never present an evidence passage as advice
to a worried parent. The rules are deliberately plain so anyone can read and test them
(tests/answer/test_signpost.py runs them over 50 commissioner and 50 parent questions):

- **own child** ("my baby", "my 6-week-old", "my 3 kids"): a parent, unless the question
  is also in commissioning language ("evidence", "our area", "ICB", ...) and shows no
  distress or plea.
- **weaker signs** ("our son", "I'm pregnant", "since I had the baby", "I'm a dad",
  "support for me after having a baby"): a parent when the question is not in
  commissioning language.
- **urgent**: first person plus a sign that someone may be in danger now: harming the baby
  or oneself, not wanting to go on, not being safe, or being hurt, pushed, shouted at or
  frightened by a partner.

Service words after a child word are not a child: "our baby hub", "my baby and toddler
groups", "our infant mental health team". Questions about other people's children ("how
do parents access help for their baby in our area?") do not match: "their" is not first
person and "our" only counts before a singular child word ("our baby", not "our area" or
"our babies and families").
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
    rf"infant|\d+|{_NUMBERS}|{_AGE})"
)
_CHILD = (
    r"(?:bab(?:y|ies)|sons?|daughters?|child(?:ren)?|kids?|newborns?|infants?|toddlers?|"
    rf"little ones?|boys?|girls?|twins|{_AGE})"
)
_SINGLE = rf"(?:baby|son|daughter|child|newborn|infant|toddler|little one|boy|girl|twins|{_AGE})"
# "our baby hub", "our baby and toddler groups", "my child development data": services.
_NOT_A_SERVICE = (
    r"(?![\s-]*(?:and\s+(?:toddler|family|parent|child)s?[\s-]+)?(?:team|service|mental|"
    r"relationship|health|provision|pathway|programme|unit|care|work|sector|commission|"
    r"population|outcome|development|data|hub|group|clinic|room|bank|club|class|massage|"
    r"friendly|centre|center|ward|offer|support|worker|network)s?\b)"
)

OWN_CHILD = re.compile(
    rf"\bmy\s+(?:{_ADJ}[\s-]+){{0,3}}{_CHILD}\b{_NOT_A_SERVICE}|\bmy\s+{_AGE}\b",
    re.IGNORECASE,
)
OUR_CHILD = re.compile(
    rf"\bour\s+(?:{_ADJ}[\s-]+){{0,3}}{_SINGLE}\b{_NOT_A_SERVICE}", re.IGNORECASE
)
_ROLE = r"(?:mum|mom|mummy|mother|dad|daddy|father|parent)"
SELF_AS_PARENT = re.compile(
    r"\bi(?:'m| am|'ve| have| think i(?:'ve| have)| was| feel| felt)?\s+(?:got\s+|been\s+)?"
    r"(?:diagnosed\s+with\s+)?(?:(?:\d+|\w+teen)\s+and\s+)?(?:pregnant|(?:postnatal|post-natal|"
    r"postpartum|perinatal)\s+(?:depression|anxiety|psychosis|depressed))"
    r"|\b(?:since|after|when)\s+(?:i|we)\s+(?:had|gave birth|brought)"
    r"|\bi(?:'ve| have)?\s+(?:just\s+|recently\s+)?(?:had\s+(?:a|my|our|the)\s+baby|gave birth)"
    rf"|\bi(?:'m| am)\s+an?\s+(?:[\w-]+\s+){{0,2}}{_ROLE}\b"
    rf"|\bi\b[^.?!]{{0,30}}\bbeing\s+an?\s+(?:[\w-]+\s+)?{_ROLE}\b"
    r"|\bi\b[^.?!]{0,40}\b(?:since|after)\s+(?:giving birth|having (?:my|our|the|a) baby)\b"
    r"|\b(?:since|after)\s+(?:the|my)\s+(?:birth|labour|delivery|c-section|caesarean)\b"
    r"[^.?!]{0,20}\bi\b"
    rf"|\b(?:the|this|a)\s+baby\b{_NOT_A_SERVICE}.{{0,30}}\b(?:i|me)\b"
    rf"|\b(?:i|me)\b.{{0,30}}\bthe\s+baby\b{_NOT_A_SERVICE}",
    re.IGNORECASE,
)
# "support for me after having a baby", "a baby group near me": the asker is the service user.
ME_AS_USER = re.compile(r"\b(?:for|near|help|helps|support|supports)\s+me\b", re.IGNORECASE)
BABYISH = re.compile(
    r"\b(?:bab(?:y|ies)|newborns?|pregnan\w*|birth|mum|mom|dad|parent\w*)\b", re.IGNORECASE
)
# How commissioners, planners and providers talk; parents rarely do.
COMMISSIONING = re.compile(
    r"\b(?:commission\w*|icbs?|icss?|councils?|borough|local authorit\w*|our area|jsna|"
    r"business case|evidence|data|figures|statistics|prevalence|outcomes|staff|workforce|"
    r"referr\w*|pathways?|programmes?|specification|budgets?|fund\w*|caseloads?|"
    r"practitioners|what works|population|providers?|services|hubs?|(?:my|our) team|teams|"
    r"(?:our|my|the) service|targeting|training|campaign|ward)\b",
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
_PARTNER = r"(?:partner|husband|boyfriend|wife|girlfriend|ex)"
URGENT = re.compile(
    rf"\bi\b(?:(?!{_THIRD_PARTY})[^.?!]){{0,40}}?\b{_HARM}\s+{_TARGET}"
    r"|\b(?:i|i'm|i am|i feel|i've been|i have been|i keep|feeling)\s+(?:really\s+|so\s+)?"
    r"suicidal|\bi(?:'m| am| keep| have| am having|'ve been having)?\s+(?:having\s+)?"
    r"(?:suicidal thoughts|thoughts of (?:suicide|ending))"
    r"|\bend (?:my life|it all)|\bkill myself|\b(?:don'?t|do not) want to (?:live|be here|be alive)"
    r"|\bi\s+(?:can'?t|cannot)\s+go on\b|\bbetter off without me\b|\bi\s+want\s+to\s+die\b"
    r"|\b(?:i|we|my\s+\w+|our\s+\w+)(?:'m|'re|\s+am|\s+are|\s+is|\s+might be|\s+may be)?"
    r"(?:\s+not)?\s+(?:not safe|in danger|unsafe)\b|\b(?:i|we)\s+(?:don'?t|do not) feel safe\b"
    rf"|\bmy\s+{_PARTNER}\b[^.?!]{{0,60}}\b(?:hits?|hurts?|beats?|threaten\w*|abus\w*|controls?|"
    r"chok\w*|strangl\w*|violent|hit me|push(?:es|ed)? me|pushed|(?:shouts?|screams?|yells?) at me|"
    r"(?:frightens?|scares?) me|(?:scared|afraid|frightened|terrified) of (?:him|her|them))\b"
    r"|\b(?:scared|afraid|frightened|terrified) of (?:my|our) "
    rf"{_PARTNER}\b",
    re.IGNORECASE,
)

FOR_COMMISSIONERS = (
    "This assistant is for people who plan and pay for services, so it cannot give advice "
    "about your situation."
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
# Danger first: someone in danger reads what to do, not who the assistant is for. The
# advice is whole in `text` (shown alone by pages that show only the signpost).
URGENT_ANSWER = "Get help now."
URGENT_SIGNPOST = (
    "If you or your baby are in danger now, call 999. For urgent help with your mental "
    "health, call NHS 111 and choose the mental health option (option 2), at any time. If "
    "someone at home is hurting or frightening you, the National Domestic Abuse Helpline "
    "is free, confidential and open 24 hours: 0808 2000 247. Your health visitor, midwife "
    f"or GP can help too. {FOR_COMMISSIONERS}"
)
# Phone numbers in the messages, and the number each one dials.
PHONES = (("0808 2000 247", "08082000247"), ("NHS 111", "111"), ("999", "999"))
_PHONE_RE = re.compile("|".join(rf"\b{re.escape(shown)}\b" for shown, _ in PHONES))


@dataclass(frozen=True)
class Signpost:
    """What to say instead of an evidence answer, and which rule matched.

    ``answer`` is shown first and ``text`` after it; for an urgent question ``text`` opens
    with the danger advice and ``answer`` only says to get help now."""

    kind: Kind
    answer: str
    text: str


def check(question: str) -> Signpost | None:
    """The signpost for a parent's (or urgent) question, or None for anything else."""
    text = question.replace("\u2019", "'")
    if URGENT.search(text):
        return Signpost("urgent", URGENT_ANSWER, URGENT_SIGNPOST)
    if is_parent(text):
        return Signpost("parent", PARENT_ANSWER, PARENT_SIGNPOST)
    return None


def is_parent(text: str) -> bool:
    """About the asker's own child or the asker as a parent, not in commissioning words."""
    planning = COMMISSIONING.search(text) is not None
    if OWN_CHILD.search(text):
        return not planning or DISTRESS.search(text) is not None
    weak = OUR_CHILD.search(text) or SELF_AS_PARENT.search(text)
    if not weak and ME_AS_USER.search(text):
        weak = BABYISH.search(text)
    return bool(weak) and not planning


def parts(sign: Signpost) -> list[list[dict[str, str | None]]]:
    """The message's paragraphs in reading order, each as pieces with their phone links."""
    return [
        [{"text": t, "tel": tel} for t, tel in phone_links(p)] for p in (sign.answer, sign.text)
    ]


def phone_links(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut into ``(segment, tel)`` pieces: ``tel`` is the number to dial or None.

    Templates and scripts render each numbered piece as a ``tel:`` link, so a parent on
    a phone can call with one tap; the text itself stays plain and escaped."""
    pieces: list[tuple[str, str | None]] = []
    dial = dict(PHONES)
    cursor = 0
    for match in _PHONE_RE.finditer(text):
        if match.start() > cursor:
            pieces.append((text[cursor : match.start()], None))
        pieces.append((match.group(), dial[match.group()]))
        cursor = match.end()
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces
