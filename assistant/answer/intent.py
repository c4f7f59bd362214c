"""What kind of reply a question asks for, read from its opening words.

"How many health visitors are there?" wants a count, "What is FNP?" a definition, "Who
commissions FNP?" a who; a card written for one of these does not answer another, however
close its topic. Key-word phrasings ("FNP local authority commissioning") ask for nothing
in particular and so carry no intent.
"""

from __future__ import annotations

import functools
import re
from enum import Enum


class Intent(Enum):
    COUNT = "count"  # how many, how much, what proportion, what rate
    WHO = "who"
    WHEN = "when"
    WHERE = "where"  # where, which places / areas / wards
    WHY = "why"
    DEFINE = "define"  # what is X, what does X mean
    HOWTO = "howto"  # how do we, how should, what steps
    YESNO = "yesno"  # is, are, does, can, should ... ?
    OPEN = "open"  # other full questions: "what did X find", "which measures"
    NONE = "none"  # key words, not a question


_LEAD = r"^(?:(?:and|so|but|ok(?:ay)?|then|also|please)[, ]+)?"
_RULES: tuple[tuple[Intent, str], ...] = (
    (
        Intent.COUNT,
        r"\bhow (many|much|common|often|big|widespread|large|long)\b|^what (percentage|"
        r"proportion|share|fraction|number|rate|ratio)\b|^(what|which) (is|are) the "
        r"(number|rate|cost|prevalence|size)\b",
    ),
    (Intent.WHO, r"^(who|whom|whose)\b"),
    (Intent.WHEN, r"^(when|since when|what year|by when|how soon)\b"),
    (
        Intent.WHERE,
        r"^where\b|^(which|what) (areas?|places?|wards?|regions?|countr\w+|nations?|"
        r"local authorit\w+|councils?|icbs?|towns?|cities)\b",
    ),
    (
        Intent.WHY,
        r"^(why|how come|what (is|are|was|were) the (reasons?|causes?|point|purpose|"
        r"rationale)|what (stops|stopped|keeps|kept|prevents|prevented|puts|put|holds|held|"
        r"drives|drove|causes|caused)\b)\b",
    ),
    (
        Intent.DEFINE,
        r"^(what|who)( exactly)? (is|are|was|were) "
        r"(?!(a |an |the )?(case|role|evidence|point|purpose|impact|difference|link|reason|"
        r"value|aim|benefit|effect|risk)s? (for|of|behind|between|on|in)\b)"
        r"(a |an |the )?[\w'’-]+( [\w'’-]+){0,5}( \([\w'’-]+\))?\??$|"
        r"^(define|definition|meaning)\b|^what does .{1,60} (mean|stand for)\b",
    ),
    (Intent.HOWTO, r"^(how (do|can|should|would|could|might|to|does|did|is|are|was)|what steps)\b"),
    (
        Intent.YESNO,
        r"^(is|are|was|were|does|do|did|can|could|should|shall|will|would|has|have|had|"
        r"must|may|might)\b",
    ),
)
_QUESTION_WORD = re.compile(r"^(what|which|whose|how)\b|\?\s*$")


# a reply asks the intent of its question more than once (card match, follow-up checks)
@functools.lru_cache(maxsize=32)
def intent_of(text: str) -> Intent:
    """The kind of reply ``text`` asks for; NONE for key words that are not a question."""
    low = " ".join(text.lower().split())
    low = re.sub(_LEAD, "", low)
    for intent, pattern in _RULES:
        if re.search(pattern, low):
            return intent
    return Intent.OPEN if _QUESTION_WORD.search(low) else Intent.NONE


# Replies that serve a question of another intent well enough: a yes/no question is
# answered by a how-to or a count ("Can we pool budgets?" by how to pool them), an open
# question by most things.
_SERVES: dict[Intent, frozenset[Intent]] = {
    Intent.YESNO: frozenset({Intent.YESNO, Intent.HOWTO, Intent.OPEN, Intent.COUNT}),
    # "What outcome measures should a team use?" is not answered by why to measure them
    Intent.OPEN: frozenset(Intent) - {Intent.NONE, Intent.WHY},
    Intent.HOWTO: frozenset({Intent.HOWTO, Intent.YESNO, Intent.OPEN}),
    Intent.DEFINE: frozenset({Intent.DEFINE}),
}


def compatible(asked: Intent, offered: frozenset[Intent]) -> bool:
    """Does a card whose phrasings ask ``offered`` answer a question asking ``asked``?

    Key words ask nothing, so a question of key words fits any card, and a card with
    only key-word phrasings fits any question."""
    if asked is Intent.NONE or not offered:
        return True
    return bool(offered & _SERVES.get(asked, frozenset({asked})))


# "Do parent-infant teams work?", "Is video feedback effective for parents?", "Does
# Circle of Security improve attachment?": whatever their form, they ask whether
# something works, which a card on who counts as a parent or what VIG is does not answer.
_ASKS_EFFECT = re.compile(
    r"\b(effective|effectiveness|efficacy|is there (any |good |strong )?evidence|what (is|does) "
    r"the evidence)\b|^\W*((and|so|but|then)\s+)?(does|do|did)\s(?:(?!\bwith\b)[\w'’ -]){1,60}?"
    r"\s(work(\s+(for|in)\s[\w'’ -]{1,40})?\s*\??\s*$|(help|improve|reduce|make a difference)\b)",
    re.I,
)
# what a card's other phrasings must speak of to answer such a question ("VIPP-SD
# evidence", "What outcomes do UK teams report?"; "Do teams work with fathers?" does not)
_SPEAKS_OF_EFFECT = re.compile(
    r"\b(effective\w*|efficacy|evidence|trials?|results?|findings?|found|outcomes?|"
    r"improve\w*|impact|benefits?|difference|reduce\w*|evaluat\w*)\b",
    re.I,
)


def asks_effect(question: str) -> bool:
    """Does ``question`` ask whether something works?"""
    return bool(_ASKS_EFFECT.search(" ".join(question.split())))


def speaks_of_effect(phrasing: str) -> bool:
    """Could a card asked this way answer whether something works?"""
    return asks_effect(phrasing) or bool(_SPEAKS_OF_EFFECT.search(phrasing))
