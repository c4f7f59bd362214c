"""What was asked and how it went: answer rows, feedback, and the curators' triage.

An answer row holds the answer's kind, confidence, journey step and what it cited. Its
question text is kept (already scrubbed by the caller) only as the storage setting
allows: see :func:`kept_text`.

A server hands answer rows to a :class:`~assistant.store.recorder.Recorder` (see
:func:`recording`), which writes them in batches off the request path; each row carries
a random ``ref`` made at once, so the answer's id can name it before it is written. The
reads that must see an answer just given (feedback on it, the inbox) write the queue
first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from assistant.store import schema
from assistant.store.database import Store, utcnow
from assistant.store.recorder import Recorder

KINDS = ("card", "extract", "refused", "signposted")
STATUSES = {
    "new": "New",
    "covered": "Covered by a passage or card",
    "needs_evidence": "Needs new evidence",
    "out_of_scope": "Out of scope",
}
MAX_PASSAGE_IDS = 5
_recorders: dict[str, Recorder] = {}
# built once: constructing the statement (and its cache key) per answer showed in profiles
_RECORD = schema.answers.insert()


@dataclass(frozen=True)
class Asked:
    """What is recorded about one answer (the question is already scrubbed, or None)."""

    kind: str
    confidence: float
    node: str | None = None
    card_id: str | None = None
    passage_ids: Sequence[str] = ()
    question: str | None = None


def kept_text(policy: str, kind: str) -> bool:
    """Whether an answer's question is stored when it is asked, under ``policy``.

    ``unanswered`` keeps refused questions now and a not-helpful one when its feedback
    arrives; ``all`` keeps every question; ``none`` keeps none. A signposted question (a
    parent or someone in danger) is never kept: only that it happened is counted.
    """
    if kind == "signposted" or policy == "none":
        return False
    return policy == "all" or kind == "refused"


def recording(store: Store, delay: float, on_lost: Callable[[int], None] | None) -> Recorder:
    """The store's recorder of answer rows (made on first call; later calls share it)."""
    found = _recorders.get(store.url)
    if found is None:
        found = _recorders.setdefault(
            store.url, Recorder(lambda rows: insert_rows(store, rows), delay, on_lost)
        )
    return found


def save_answer(store: Store, asked: Asked, recorder: Recorder | None = None) -> str:
    """Record the answer: queued on ``recorder`` when it takes the row, otherwise inserted
    now (raising SQLAlchemyError when that fails). Its ``ref``."""
    row = _row(asked, secrets.token_urlsafe(12))
    if recorder is None or not recorder.add(row):
        insert_rows(store, [row])
        if recorder is not None:
            recorder.recovered()
    return str(row["ref"])


def settle(store: Store) -> None:
    """Write this process's queued answer rows, for a read that must see them."""
    found = _recorders.get(store.url)
    if found is not None:
        found.flush()


def insert_rows(store: Store, rows: list[dict[str, Any]]) -> None:
    """Insert answer rows (made by :func:`save_answer`) in one transaction."""
    with store.engine.begin() as conn:
        conn.execute(_RECORD, rows)


def record_answer(store: Store, asked: Asked) -> int:
    """Insert the answer's row now; its id."""
    with store.engine.begin() as conn:
        # the table's one compiled insert with this row's parameters: building a
        # statement with .values() per answer cost twice the CPU of the insert itself
        result = conn.execute(_RECORD, _row(asked, None))
        key = result.inserted_primary_key
        assert key is not None  # an insert into a table with a primary key
        return int(key[0])


def _row(asked: Asked, ref: str | None) -> dict[str, Any]:
    return {
        "ref": ref,
        "asked_at": utcnow(),
        "kind": asked.kind,
        "confidence": round(float(asked.confidence), 4),
        "node": asked.node,
        "card_id": asked.card_id,
        "passage_ids": ",".join(asked.passage_ids[:MAX_PASSAGE_IDS]),
        "question": None if asked.kind == "signposted" else asked.question,
        "status": "new",
    }


def record_feedback(
    store: Store, answer: int | str, helpful: bool, comment: str | None, question: str | None
) -> bool:
    """Feedback on an answer, named by its ``ref`` (or, for rows from before refs, its
    id), replacing earlier feedback; False when the row is not there.

    ``question`` (scrubbed) is stored with a not-helpful mark when the row has none yet,
    so it reaches the inbox; a signposted answer's question never is.
    """
    table = schema.answers
    settle(store)
    key = table.c.ref if isinstance(answer, str) else table.c.id
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(table.c.id, table.c.kind, table.c.question).where(key == answer)
        ).first()
        if row is None:
            return False
        values: dict[str, object] = {
            "helpful": helpful,
            "comment": comment,
            "feedback_at": utcnow(),
        }
        if not helpful and row.question is None and question and row.kind != "signposted":
            values["question"] = question
        conn.execute(table.update().where(table.c.id == row.id).values(**values))
    return True


def record_search_miss(store: Store, query: str | None) -> None:
    """A staff search that found nothing (the query only when storage allows, scrubbed)."""
    with store.engine.begin() as conn:
        conn.execute(schema.search_misses.insert().values(searched_at=utcnow(), query=query))


@dataclass(frozen=True)
class Item:
    """A stored question as curators see it."""

    id: int
    asked_at: datetime
    kind: str
    confidence: float
    node: str | None
    card_id: str | None
    passage_ids: tuple[str, ...]
    question: str
    helpful: bool | None
    comment: str | None
    status: str
    covered_by: str | None
    note: str | None
    reviewed_by: str | None

    @property
    def reason(self) -> str:
        if self.kind == "refused":
            return "No evidence found"
        if self.helpful is False:
            return "Marked not helpful"
        return "Answered"


def inbox(
    store: Store,
    status: str | None = None,
    unanswered_only: bool = True,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Item]:
    """Stored questions, newest first: by default only refused or marked not helpful."""
    settle(store)
    t = schema.answers
    query = sa.select(t).where(t.c.question.is_not(None)).order_by(t.c.asked_at.desc())
    if unanswered_only:
        query = query.where(sa.or_(t.c.kind == "refused", t.c.helpful.is_(False)))
    if status:
        query = query.where(t.c.status == status)
    if since is not None:
        query = query.where(t.c.asked_at >= since)
    if until is not None:
        query = query.where(t.c.asked_at < until)
    with store.engine.connect() as conn:
        return [_item(row) for row in conn.execute(query)]


def _item(row: sa.Row[tuple[object, ...]]) -> Item:
    m = row._mapping
    return Item(
        id=m["id"],
        asked_at=m["asked_at"],
        kind=m["kind"],
        confidence=m["confidence"],
        node=m["node"],
        card_id=m["card_id"],
        passage_ids=tuple(p for p in (m["passage_ids"] or "").split(",") if p),
        question=m["question"],
        helpful=m["helpful"],
        comment=m["comment"],
        status=m["status"],
        covered_by=m["covered_by"],
        note=m["note"],
        reviewed_by=m["reviewed_by"],
    )


def triage(
    store: Store, item_id: int, status: str, covered_by: str | None, note: str | None, actor: str
) -> bool:
    """Set an item's status, covering passage or card and note; False if it is gone."""
    t = schema.answers
    values = {
        "status": status,
        "covered_by": covered_by if status == "covered" else None,
        "note": note,
        "reviewed_by": actor,
        "reviewed_at": utcnow(),
    }
    with store.engine.begin() as conn:
        done = conn.execute(
            t.update().where(t.c.id == item_id, t.c.question.is_not(None)).values(**values)
        )
        return done.rowcount == 1
