"""What each key-question card was last checked against, and what has changed since.

``corpus/answers/checked.lock.yaml`` records, for every card, the passages each of its
citations resolved to when a curator last checked the card (``pair-assistant cards
review``)::

    cards:
      teams-in-england:
        state-of-provision > Fewer than 40 specialised teams in England: [5c2e0a1b2c3d]

A passage id is a hash of the passage's sources and whitespace-normalised text, so an
edit to either gives a new id, while a passage moved elsewhere (another place in its file,
another file of the same topic) keeps it. When the corpus is read each card is compared
with its record; it is under review when

- a citation resolves to other passages than recorded (text or sources edited, a passage
  added under the heading or removed from it),
- it cites a passage it was not checked against (a citation renamed to a passage the card
  was checked against is no change),
- a cited passage carries a ``reviewed:`` date later than the card's, or
- the lock has no record of it (a new card, until it is stamped).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from assistant.evidence.cards import CARDS_FOLDER, LOCK_NAME, Card
from assistant.evidence.files import write_atomically
from assistant.evidence.yamlsrc import ContentError, Problem, Reader, compose

# citation (``topic > heading``) -> the ids of the passages it resolved to
Record = dict[str, tuple[str, ...]]
# card id -> its record
Lock = dict[str, Record]
_PLAIN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADER = """\
# What each key-question card was last checked against: for each of its citations, the
# ids of the passages it resolved to (a passage id is a hash of its sources and text).
# Written by `pair-assistant cards review`; a card whose passages differ from these
# shows "under review" until it is re-checked and stamped again. Not edited by hand.
"""


def lock_path(corpus_dir: Path) -> Path:
    return corpus_dir / CARDS_FOLDER / LOCK_NAME


def lock_files(corpus_dir: Path) -> list[Path]:
    """The lock, when there is one: part of the corpus fingerprint, as the cards are."""
    path = lock_path(corpus_dir)
    return [path] if path.is_file() else []


def read_lock(corpus_dir: Path, problems: list[Problem]) -> tuple[Lock, dict[str, int]]:
    """Every card's record, and the line of each card id in the lock; a damaged lock is
    a problem naming its line, not an error."""
    path = lock_path(corpus_dir)
    if not path.is_file():
        return {}, {}
    try:
        root = compose(path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return {}, {}
    reader = Reader(lock_file(corpus_dir))
    top = reader.mapping(root, "the lock file", ("cards",)) if root is not None else {}
    lock: Lock = {}
    lines: dict[str, int] = {}
    for key, value in _pairs(reader, top.get("cards"), "`cards` (card id: its citations)"):
        record = {
            str(ref.value): reader.texts(ids, f"the passage ids of {ref.value!r}")
            for ref, ids in _pairs(reader, value, f"the record of card {key.value!r}")
        }
        lock[str(key.value)] = record
        lines[str(key.value)] = key.start_mark.line + 1
    problems.extend(reader.problems)
    return lock, lines


def lock_file(corpus_dir: Path) -> str:
    """The lock's path within the corpus, as problems name it."""
    return lock_path(corpus_dir).relative_to(corpus_dir).as_posix()


def _pairs(reader: Reader, node: yaml.Node | None, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if node is None or (isinstance(node, yaml.ScalarNode) and not str(node.value).strip()):
        return []
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, f"{what} should be a mapping of `key: value` lines")
        return []
    return list(node.value)


def record_of(card: Card) -> Record:
    """What the card is checked against today: each citation's passages."""
    return {ref: tuple(card.resolved.get(ref, ())) for ref in card.references()}


def write_lock(corpus_dir: Path, lock: Lock) -> None:
    """The lock, cards sorted by id and citations in card order, so diffs stay small.

    Written line by line: every citation on one line of its own, quoted (JSON strings are
    YAML), however long its heading."""
    lines = [HEADER.rstrip("\n"), "cards:"]
    for card_id in sorted(lock):
        record = lock[card_id]
        lines.append(f"  {_key(card_id)}:{'' if record else ' {}'}")
        lines += [
            f"    {json.dumps(ref, ensure_ascii=False)}: [{', '.join(ids)}]"
            for ref, ids in record.items()
        ]
    path = lock_path(corpus_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, "\n".join(lines) + "\n")


def _key(card_id: str) -> str:
    return card_id if _PLAIN.fullmatch(card_id) else json.dumps(card_id, ensure_ascii=False)


def flag(cards: Iterable[Card], reviewed: dict[str, str | None], lock: Lock) -> list[Card]:
    """The cards with their review state: ``reviewed`` maps passage ids to review dates."""
    return [
        dataclasses.replace(
            card, changes=changes(card, lock.get(card.id), reviewed), stamped=card.id in lock
        )
        for card in cards
    ]


def changes(card: Card, record: Record | None, reviewed: dict[str, str | None]) -> tuple[str, ...]:
    """Why ``card`` is under review, one line per cause; empty when it is not."""
    if record is None:
        return (
            "never stamped: there is no record of the passages it was checked against; "
            f"run `pair-assistant cards review {card.id}`",
        )
    found: list[str] = []
    checked = {i for ids in record.values() for i in ids}
    for ref in card.references():
        now = tuple(card.resolved.get(ref, ()))
        was = record.get(ref)
        if was is None and not set(now) <= checked:
            found.append(f"{ref}: not among the passages the card was checked against")
        elif was is not None and set(now) != set(was):
            found.append(
                f"{ref}: text or sources changed since the card was checked "
                f"(was {_ids(was)}, now {_ids(now)})"
            )
        found += [
            f"{ref}: passage {i} was reviewed {reviewed[i]}, after the card ({card.reviewed})"
            for i in now
            if (reviewed.get(i) or "") > card.reviewed
        ]
    return tuple(found)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids) or "no passage"


def set_reviewed(corpus_dir: Path, cards: Iterable[Card], date: str) -> None:
    """Write ``date`` as each card's ``reviewed:`` in its file, leaving the rest of the file
    (comments, layout, quoting) exactly as it was."""
    by_file: dict[str, set[str]] = {}
    for card in cards:
        by_file.setdefault(card.file, set()).add(card.id)
    for rel, ids in by_file.items():
        path = corpus_dir / rel
        with path.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
        nodes = _reviewed_nodes(yaml.compose(text, Loader=yaml.SafeLoader), ids)
        for node in sorted(nodes, key=lambda n: n.start_mark.index, reverse=True):
            quote = node.style if node.style in ("'", '"') else ""
            start, end = node.start_mark.index, node.end_mark.index
            text = f"{text[:start]}{quote}{date}{quote}{text[end:]}"
        write_atomically(path, text)


def _reviewed_nodes(root: yaml.Node | None, ids: set[str]) -> list[yaml.ScalarNode]:
    """The ``reviewed`` value nodes of the cards with these ids (the file parsed cleanly)."""
    found = []
    cards = _value(root, "cards")
    for node in cards.value if isinstance(cards, yaml.SequenceNode) else []:
        card_id, reviewed = _value(node, "id"), _value(node, "reviewed")
        named = isinstance(card_id, yaml.ScalarNode) and card_id.value in ids
        if named and isinstance(reviewed, yaml.ScalarNode):
            found.append(reviewed)
    return found


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == key), None)


def unstamped_problems(cards: Iterable[Card]) -> list[Problem]:
    """New cards must be stamped: `check` fails until each is checked and recorded."""
    return [
        Problem(
            card.file,
            card.line,
            f"card {card.id!r} is not stamped: check it against its passages, then run "
            f"`pair-assistant cards review {card.id}`",
        )
        for card in cards
        if not card.stamped
    ]


def orphan_problems(cards: Iterable[Card], lines: dict[str, int], file: str) -> list[Problem]:
    """Records in the lock (``file``, card id -> line ``lines``) of cards no card file has
    any more (deleted or renamed); `cards review --unstamped` drops them."""
    known = {card.id for card in cards}
    return [
        Problem(
            file,
            line,
            f"the lock records card {card_id!r}, which no card file has (deleted or "
            "renamed): run `pair-assistant cards review --unstamped` to drop the record",
        )
        for card_id, line in lines.items()
        if card_id not in known
    ]
