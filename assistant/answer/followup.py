"""Follow-up questions, still stateless: the client sends the conversation with each question.

A follow-up ("and what about funding for that?", "is it effective?", "how many are there
in England?", "how do I write one?") leans on what came before. When a question looks like
one (it points back with "it", "that", "those", "one"; opens with "and", "what about";
or is too short to stand alone), it is searched together with the key words of the
earlier question it leans on, or of the journey step the user is at, and the passages the
earlier answer cited get a bounded boost unless the question brings a topic of its own
(after a pick from a list, "which of those...?", only the pick's passages: "is it
reliable?" asks about the pick). What the earlier answers showed travels too, so the
reply adds to it. The reply says which question it read the follow-up against, so the
reader can tell.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answer.extract import PLACES, places_in
from assistant.errors import ValidationError
from assistant.evidence.text import normalise
from assistant.search.lexical import open_contractions

MAX_TURNS = 10
MAX_CITED = 20
# The answer a client echoes back for each turn: what the reader already saw. Our longest
# answers are three quoted sentences; a longer echo is not one of ours.
MAX_ANSWER_CHARS = 6000
# A follow-up with this many topic words of its own ("and what does it cost per case of
# depression?") is searched with the conversation's words but not pulled towards the
# passages cited before: it asks about something they may not hold.
OWN_TOPIC = 3
_ID = re.compile(r"^[0-9a-f]{12}$")
_OPENERS = re.compile(
    r"^(and|also|but|so|then|ok(ay)?|what about|how about|what of|and what|same for|"
    r"tell me more|more on|more about|go on|anything else|what else|why is that|how so)\b",
    re.I,
)
_BACK_REFERENCE = re.compile(
    r"\b(it|its|it's|that|this|those|these|they|them|their|the same|such|him|her|he|she|"
    r"above|earlier|previous|mentioned)\b",
    re.I,
)
# "which of those is quickest?", "any of these in the North?", "how much of that went
# on perinatal care?": picking from, or taking a share of, what was just said points back
# however many words of its own the question has.
_CHOOSING = re.compile(
    r"\b((which|any|each|all|none|one|either|neither|both|some|most) of (those|these|them)|"
    r"(which|what) ones?\b(?! of)|"
    r"(how much|how many|what share|what part|what proportion|which part|much|part) of "
    r"(that|this|it|those|these|them))\b",
    re.I,
)
# "does it include fathers?", "how did they recruit the mothers?", "how does that compare
# with 2015?", "how many teams did it count?": a question whose subject is "it", "they" or
# "that" has no subject of its own, however many other words it has; in "is it true
# that...", "is it possible to..." the "it" stands for what follows, but not in "is it
# linked to..." or "does it apply to...".
_PRONOUN_SUBJECT = re.compile(
    r"^\W*((how|what|why|where|when|who|which)\s+(much\s+|many\s+)?([a-z-]+\s+){0,3}?)?("
    r"(does|do|did|are|were|can|could|will|would|should|has|have|had)\s+"
    r"(it|they|he|she|that|this|these|those)\b|"
    r"(is|was)\s+(it|that|this|he|she)\b(?!\s+\w+(?<!ed)\s+(that|to)\b))",
    re.I,
)
# "can the ICB pay for it alone?", "any examples of teams using it in the UK?": "it" or
# "them" after a verb or a preposition is what was just discussed (not the "it" of "what
# makes it hard to...", which stands for what follows)
_PRONOUN_OBJECT = re.compile(
    r"\b(?!(?:is|was|does|did|do|will|can|could|should|would|has|have|had|that|which|if|"
    r"when|because|and|but|so|then|as|makes?|made|find|found)\b)[a-z]+\s+(it|them)\b"
    r"(?!\s+(?:to|that|is|was|has|does|will|can|would|should|could)\b)",
    re.I,
)
# "differences by ethnicity", "does it vary across regions", "broken down by age"
_SLICING = re.compile(
    r"\b(differ\w*|vary|varies|variation|gaps?|breakdown|broken down|split|compare\w*)\s+"
    r"(by|between|across|among|for)\b",
    re.I,
)
# five words at most
_SHORT = re.compile(r"^\W*(\w+\W+){0,4}\w+\W*$")
# "how long does the course last?", "who funded the trial?": a common noun taken as known
# ("the course", "that study") is the one just discussed
_DEFINITE = re.compile(r"\b(the|that|this|these|those)\s+([a-z][a-z-]+)\b")
# "there" and "one" point back only in questions with almost nothing else in them
# ("how many are there in England?", "how do I write one?").
_WEAK_REFERENCE = re.compile(r"\b(there|one|ones)\b", re.I)
# "is there a mother and baby unit there?": a closing "there" points at a place named before.
_PLACE_REFERENCE = re.compile(r"\b(?<!is )(?<!are )(there|in that area|in that country)\W*$", re.I)
# Words that carry no topic of their own: what is left decides whether a question stands alone.
FILLER_WORDS = """
a an the and or but so to of in on for with at by from about as is are was were be
been being do does did done can could should would will shall may might must i we you our
my your us me what which who whom whose when where why how that this those these it its
they them their there here one ones more much many any some none tell me please also then ok
okay same such else again really just like get got have has had need want know say said
mean means work works effective effectiveness evidence find found write start set up use
used make made give show long take takes cost costs far well good best better right
whether if than new usually typically typical come comes came coming after before
gets getting way ways
it's that's what's who's where's how's there's here's
"""
_FILLER = frozenset(FILLER_WORDS.split())
_PLACE_WORDS = frozenset(w for names in PLACES.values() for name in names for w in name.split())
_WORD = re.compile(r"[A-Za-z0-9£%'-]+")


@dataclass(frozen=True)
class Turn:
    """One earlier question, the passages its answer cited and the answer text shown."""

    message: str
    citations: tuple[str, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class Reading:
    """How a question is read: what to search, what it leans on, what to favour."""

    query: str
    interpreted_as: str | None = None
    boost: tuple[str, ...] = ()
    # what the earlier answers it leans on already said, so the reply adds to it
    shown: str = ""
    # the topic words carried over from the earlier turns
    carried: str = ""


def check_history(value: Any, max_chars: int) -> tuple[Turn, ...]:
    """The ``history`` of an API request, oldest first; a ValidationError names the problem.

    Each turn is ``{"message": str, "citations": [passage ids], "answer": str}``, the
    answer (the text the reader was shown) being optional; ids that are not passage ids
    are ignored (a stale id simply boosts nothing)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValidationError(
            '\'history\' must be a list of {"message", "citations", "answer"} turns'
        )
    if len(value) > MAX_TURNS:
        raise ValidationError(f"'history' has {len(value)} turns; the limit is {MAX_TURNS}")
    return tuple(_turn(item, n, max_chars) for n, item in enumerate(value))


def _turn(item: Any, n: int, max_chars: int) -> Turn:
    where = f"'history[{n}]'"
    if not isinstance(item, dict) or set(item) - {"message", "citations", "answer"}:
        raise ValidationError(
            f"{where} must be an object with 'message', 'citations' and optionally 'answer'"
        )
    message = item.get("message")
    if not isinstance(message, str) or not normalise(message):
        raise ValidationError(f"{where}.message must be a non-empty string")
    if len(normalise(message)) > max_chars:
        raise ValidationError(f"{where}.message is longer than {max_chars} characters")
    cited = item.get("citations", [])
    if not isinstance(cited, list) or not all(isinstance(c, str) for c in cited):
        raise ValidationError(f"{where}.citations must be a list of passage ids")
    ids = tuple(c.lower() for c in cited if _ID.match(c.lower()))[:MAX_CITED]
    shown = item.get("answer", "")
    if not isinstance(shown, str):
        raise ValidationError(f"{where}.answer must be a string")
    if len(shown) > MAX_ANSWER_CHARS:
        raise ValidationError(f"{where}.answer is longer than {MAX_ANSWER_CHARS} characters")
    return Turn(normalise(message), ids, normalise(shown))


def topic_words(text: str) -> list[str]:
    """The words of ``text`` that carry its topic (fillers and question words dropped).

    A capitalised word inside a sentence is part of a name and so a topic whatever it
    means alone: "Best Start in Life", "Start for Life" (unless most linking words are
    capitalised too: in "How Many Teams Are There?" capitals say nothing)."""
    return list(_topic_words(text))


# One reply reads its question's topic words more than once (is it a follow-up, which
# of its words make a name): the last few texts' words are kept
@functools.lru_cache(maxsize=32)
def _topic_words(text: str) -> tuple[str, ...]:
    text = open_contractions(text).replace("\u2019", "'")
    found = list(_WORD.finditer(text))
    fillers = [m.group() for m in found[1:] if _is_filler(m.group())]
    titled = sum(w[0].isupper() for w in fillers) > len(fillers) / 2
    return tuple(
        m.group() for m in found if not _is_filler(m.group()) or (not titled and _in_name(text, m))
    )


def name_words(text: str) -> list[str]:
    """The words of ``text`` that would be fillers but for being part of a name."""
    return [w for w in topic_words(text) if _is_filler(w)]


def _is_filler(word: str) -> bool:
    return word.lower().strip("'") in _FILLER


def _in_name(text: str, word: re.Match[str]) -> bool:
    """Is ``word`` capitalised without opening a sentence (so part of a name)?"""
    before = text[: word.start()].rstrip()
    return (
        word.group()[0].isupper()
        and word.group() != "I"
        and bool(before)
        and before[-1] not in ".?!"
    )


def is_follow_up(question: str) -> bool:
    """Does the question lean on an earlier one to make sense?"""
    own = topic_words(question)
    if _OPENERS.match(question.strip()) or not own or _CHOOSING.search(question):
        return True
    if _PRONOUN_SUBJECT.search(question) or _PRONOUN_OBJECT.search(question):
        return True
    if len(own) == 1 and own[0].islower() and _SHORT.search(question):
        # "how many sessions?", "what about cost?": one common word is a facet of the
        # topic under discussion; a name or acronym ("what is a JSNA?") is a topic itself
        return True
    if _BACK_REFERENCE.search(question) and len(own) <= 2:
        return True
    if _PLACE_REFERENCE.search(question) and len(own) <= 4:
        return True
    if _SLICING.search(question) and len(own) <= 2:
        # "are there differences by ethnicity?": a comparison across a dimension with
        # no subject of its own compares what was just discussed
        return True
    if len(own) <= 2 and {m.group(2) for m in _DEFINITE.finditer(question)} & set(own):
        return True
    return bool(_WEAK_REFERENCE.search(question)) and len(own) <= 1


def read(
    question: str,
    history: Sequence[Turn],
    step_title: str | None = None,
    force: bool = False,
) -> Reading:
    """How to search for ``question`` given the conversation and the journey step.

    A follow-up borrows the topic words of the turns back to the last question that
    stood alone ("where were they based?" after "how many did they interview?" after
    "what did the 2025 study find?" carries both earlier questions' topics), and reads
    against that question. ``force`` reads even a question that seems to stand alone
    that way (the caller's second try when the plain reading finds no evidence)."""
    if not (force or is_follow_up(question)):
        return Reading(question)
    words_asked = topic_words(question)
    own = {w.lower() for w in words_asked}
    asked_places = places_in(question)
    if asked_places:
        # "and in Wales?" after Northern Ireland: the new place replaces the old one
        own |= _PLACE_WORDS
    carried: list[str] = []
    cited: list[str] = []
    shown: list[str] = []
    picked = False
    for turn in reversed(history):
        carried = [w for w in topic_words(turn.message) if w.lower() not in own] + carried
        if not picked:
            cited.extend(turn.citations)
        # "which of those is quickest?" picked from what the turn before listed: what
        # follows it ("is it reliable?") is about the pick, not the whole list
        picked = picked or bool(_CHOOSING.search(turn.message))
        shown.append(turn.answer)
        if carried and not is_follow_up(turn.message):
            break
    if carried:
        words = " ".join(dict.fromkeys(carried))
        # the earlier citations steer a question that says little of its own or picks
        # from what they listed ("any of them", "there"), not one that names a place
        # ("and in Wales?", "did it work in the English trial?"): they may not cover it
        steered = not asked_places and (
            len(words_asked) < OWN_TOPIC
            or bool(_CHOOSING.search(question) or _PLACE_REFERENCE.search(question))
        )
        boost = tuple(dict.fromkeys(cited))[:MAX_CITED] if steered else ()
        return Reading(
            f"{question} ({words})", turn.message, boost, " ".join(filter(None, shown)), words
        )
    if step_title:
        return Reading(f"{question} ({step_title})", step_title)
    return Reading(question)
