"""Key-question cards: the questions commissioners ask most, answered in checked summaries.

A card is written by the evidence team in its own words (``corpus/answers/*.yaml``). Each
of its 1-4 sentences ends in references to passages as ``topic > heading`` (the passage's
lowest heading in ``corpus/evidence/<topic>.md``), which survive edits to the passage text
and resolve to passage ids when the index is built. ``check`` proves every figure of a
sentence appears in the passages it cites. Format::

    cards:
      - id: teams-in-england               # stable: the page address /answers/<id>
        questions:                         # 2-6 phrasings a commissioner might use
          - How many specialised parent-infant teams are there in England?
        answer:
          - text: Fewer than 40 specialised teams exist in England.
            cite: [state-of-provision > Fewer than 40 specialised teams in England]
        step: needs                        # optional: the journey step to go to next
        reviewed: 2026-12-02               # when the team last checked it against its passages

What each card was checked against is recorded apart, in ``answers/checked.lock.yaml``
(see :mod:`assistant.evidence.review`), so a passage edit flags the cards that cite it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.evidence.yamlsrc import ContentError, Problem, Reader, compose

CARDS_FOLDER = "answers"
LABEL = "Summary written by the evidence team, checked against the sources below"
MIN_QUESTIONS, MAX_QUESTIONS = 2, 6
MIN_SENTENCES, MAX_SENTENCES = 1, 4
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CARD_KEYS = ("id", "questions", "answer", "step", "reviewed")
# Beside the cards, not a card file: what each card was last checked against.
LOCK_NAME = "checked.lock.yaml"
_SENTENCE_KEYS = ("text", "cite")
REF_SEPARATOR = " > "


@dataclass(frozen=True)
class CardSentence:
    text: str
    cites: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class Card:
    id: str
    questions: tuple[str, ...]
    sentences: tuple[CardSentence, ...]
    reviewed: str
    step: str | None = None
    topic: str = ""
    file: str = ""
    line: int = 0
    # reference -> passage ids, filled in by :func:`resolve` at build time
    resolved: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    # Why the card is under review, one line each for the curator (empty: it is not);
    # set when the corpus is read (:func:`assistant.evidence.review.flag`), stored in
    # the build, so a server never compares passages itself.
    changes: tuple[str, ...] = ()
    # False when the lock has no record of what the card was checked against (a new card)
    stamped: bool = True

    @property
    def under_review(self) -> bool:
        """Shown with "under review" until a curator re-checks it (`cards review`)."""
        return bool(self.changes)

    @property
    def answer(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def references(self) -> tuple[str, ...]:
        """Every ``topic > heading`` the card cites, in order of first citation."""
        return tuple(dict.fromkeys(ref for s in self.sentences for ref in s.cites))

    def passage_ids(self) -> tuple[str, ...]:
        """Every cited passage, in order of first citation."""
        seen: dict[str, None] = {}
        for sentence in self.sentences:
            for ref in sentence.cites:
                seen.update(dict.fromkeys(self.resolved.get(ref, ())))
        return tuple(seen)


def card_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in (corpus_dir / CARDS_FOLDER).glob("*.yaml") if p.name != LOCK_NAME)


def read_cards(corpus_dir: Path, problems: list[Problem]) -> list[Card]:
    """Every card in ``corpus/answers/*.yaml``; problems are appended, not raised."""
    cards: list[Card] = []
    for path in card_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            root = compose(path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        reader = Reader(rel)
        top = reader.mapping(root, "the file", ("cards",)) if root is not None else {}
        for node in reader.items(top.get("cards"), "cards", required=True):
            card = _card(reader, node, path.stem)
            if card is not None:
                cards.append(card)
        problems.extend(reader.problems)
    _duplicates(cards, problems)
    return cards


def _card(reader: Reader, node: yaml.Node, topic: str) -> Card | None:
    fields = reader.mapping(node, "a card", _CARD_KEYS)
    if not fields:
        return None
    card_id = reader.text(fields.get("id"), "the card id", node)
    if card_id and not _ID.match(card_id):
        reader.problem(fields["id"], f"card id {card_id!r} must be lower-case words and hyphens")
    questions = reader.texts(fields.get("questions"), "`questions`")
    if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
        reader.problem(node, f"card {card_id!r} needs {MIN_QUESTIONS}-{MAX_QUESTIONS} questions")
    sentences = tuple(
        s for s in (_sentence(reader, n) for n in reader.items(fields.get("answer"), "answer")) if s
    )
    if not MIN_SENTENCES <= len(sentences) <= MAX_SENTENCES:
        reader.problem(node, f"card {card_id!r} needs {MIN_SENTENCES}-{MAX_SENTENCES} sentences")
    step = reader.text(fields["step"], "the step", node) if "step" in fields else None
    return Card(
        id=card_id,
        questions=questions,
        sentences=sentences,
        reviewed=_date(reader, fields.get("reviewed"), node, card_id),
        step=step or None,
        topic=topic,
        file=reader.file,
        line=node.start_mark.line + 1,
    )


def _sentence(reader: Reader, node: yaml.Node) -> CardSentence | None:
    fields = reader.mapping(node, "an answer sentence", _SENTENCE_KEYS)
    if not fields:
        return None
    text = reader.text(fields.get("text"), "the sentence", node)
    cites = reader.texts(fields.get("cite"), "`cite`")
    if not cites:
        reader.problem(node, "every answer sentence needs `cite: [topic > heading]`")
    for ref in cites:
        if REF_SEPARATOR not in ref:
            reader.problem(node, f"citation {ref!r} should read `topic > passage heading`")
    return CardSentence(text=text, cites=cites, line=node.start_mark.line + 1) if text else None


def _date(reader: Reader, node: yaml.Node | None, at: yaml.Node, card_id: str) -> str:
    raw = reader.text(node, f"`reviewed` of card {card_id!r}", at)
    try:
        return dt.date.fromisoformat(raw).isoformat() if raw else ""
    except ValueError:
        reader.problem(node or at, f"`reviewed` should be a date such as 2026-12-02, not {raw!r}")
        return ""


def _duplicates(cards: list[Card], problems: list[Problem]) -> None:
    """Two cards with one id, or one phrasing claimed by two cards, cannot both match."""
    ids: dict[str, Card] = {}
    phrasings: dict[str, Card] = {}
    for card in cards:
        if card.id in ids:
            problems.append(Problem(card.file, card.line, f"card id {card.id!r} is used twice"))
        ids.setdefault(card.id, card)
        for question in card.questions:
            key = fold(question)
            other = phrasings.setdefault(key, card)
            if other is not card:
                problems.append(
                    Problem(
                        card.file, card.line, f"phrasing {question!r} is also on card {other.id!r}"
                    )
                )


def fold(text: str) -> str:
    """Case, punctuation and spacing folded: how phrasings are compared."""
    return " ".join(re.findall(r"[a-z0-9£%]+", text.lower()))


def resolve(cards: Iterable[Card], index: dict[tuple[str, str], list[str]]) -> list[Problem]:
    """Fill each card's ``resolved`` map from ``(topic, heading) -> passage ids``."""
    problems: list[Problem] = []
    for card in cards:
        for sentence in card.sentences:
            for ref in sentence.cites:
                topic, _, heading = ref.partition(REF_SEPARATOR)
                found = index.get((topic.strip(), heading.strip()), [])
                if not found:
                    problems.append(
                        Problem(card.file, sentence.line, f"citation {ref!r} matches no passage")
                    )
                card.resolved[ref] = tuple(found)
    return problems


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def figures(text: str) -> set[str]:
    """Every number in ``text`` (amounts, percentages, years, counts), normalised.

    Thousands separators are dropped, so "1,645" and "1645" are the same figure; "£1.7bn"
    gives "1.7". Words ("two", "a quarter") are not figures.
    """
    found: set[str] = set()
    for match in _FIGURE.finditer(text):
        raw = match.group(0)
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            raw = raw.replace(",", "")
        found.update(part for part in raw.split(",") if part)
    return found


def missing_figures(sentence: CardSentence, passage_texts: Iterable[str]) -> set[str]:
    """Figures of a card sentence that none of its cited passages states."""
    stated: set[str] = set()
    for text in passage_texts:
        stated |= figures(text)
    return figures(sentence.text) - stated


def card_problems(
    cards: Iterable[Card], passages: dict[str, str], asked: Iterable[str] = ()
) -> list[Problem]:
    """Figures a card states that its cited passages do not, and phrasings taken from
    ``asked`` (the team's eval questions, which cards must not be written from)."""
    problems: list[Problem] = []
    eval_questions = {fold(q) for q in asked}
    for card in cards:
        for sentence in card.sentences:
            cited = [
                passages[i]
                for r in sentence.cites
                for i in card.resolved.get(r, ())
                if i in passages
            ]
            missing = missing_figures(sentence, cited) if cited else set()
            if missing:
                shown = ", ".join(sorted(missing))
                problems.append(
                    Problem(
                        card.file,
                        sentence.line,
                        f"card {card.id!r} states {shown}, which its cited passages do not",
                    )
                )
        for question in card.questions:
            if fold(question) in eval_questions:
                problems.append(
                    Problem(
                        card.file,
                        card.line,
                        f"phrasing {question!r} is an eval question; "
                        "write cards from the evidence, not from the eval",
                    )
                )
    return problems


def figure_report(card: Card, passages: dict[str, str]) -> list[str]:
    """One line per figure of the card: which cited passage states it."""
    lines = []
    for sentence in card.sentences:
        ids = [i for r in sentence.cites for i in card.resolved.get(r, ())]
        for figure in sorted(figures(sentence.text)):
            where = [i for i in ids if figure in figures(passages.get(i, ""))]
            lines.append(f"{card.id}: {figure} -> {', '.join(where) if where else 'NOT FOUND'}")
    return lines
