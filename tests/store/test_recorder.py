"""Answer rows written by the background writer, on SQLite and on a real PostgreSQL server:
batches, reads that must see them, a full queue, a failing database."""

from __future__ import annotations

import logging
import threading

import pytest
import sqlalchemy as sa

from assistant.store import schema
from assistant.store.answers import (
    Asked,
    inbox,
    insert_rows,
    record_feedback,
    recording,
    save_answer,
)
from assistant.store.database import Store
from assistant.store.recorder import Recorder

QUESTION = "What about dads? Email jo@example.com"


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(schema.answers)).scalar())


def _writer(store: Store, delay: float = 30.0, capacity: int = 2000) -> tuple[Recorder, list[int]]:
    """A recorder that writes to ``store`` and notes the size of each batch it wrote."""
    batches: list[int] = []

    def write(rows: list[dict[str, object]]) -> None:
        insert_rows(store, rows)
        batches.append(len(rows))

    return Recorder(write, delay, capacity=capacity), batches


def test_queued_answers_are_written_together_and_each_keeps_its_ref(store: Store) -> None:
    recorder, batches = _writer(store)
    refs = [save_answer(store, Asked("extract", 0.8, passage_ids=("p1",)), recorder) for _ in "abc"]
    assert _count(store) == 0 and recorder.pending == 3  # nothing written yet: off the request
    assert recorder.flush()
    assert batches == [3] and recorder.pending == 0
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.answers.c.ref, schema.answers.c.passage_ids)).all()
    assert sorted(stored) == sorted((ref, "p1") for ref in refs)
    assert len(set(refs)) == 3
    recorder.stop()


def test_the_writer_waits_at_most_the_delay(store: Store) -> None:
    recorder, batches = _writer(store, delay=0.05)
    save_answer(store, Asked("extract", 0.5), recorder)
    waited = threading.Event()
    for _ in range(200):  # up to 10 s, on a loaded machine; nobody asks it to hurry
        if recorder.pending == 0:  # counted once the write has returned
            break
        waited.wait(0.05)
    assert recorder.pending == 0 and batches == [1] and _count(store) == 1
    recorder.stop()


def test_feedback_and_the_inbox_right_after_an_answer_find_its_row(store: Store) -> None:
    recorder = recording(store, 30.0, None)  # the store's own: reads write it first
    try:
        answered = save_answer(store, Asked("card", 0.9, card_id="funding"), recorder)
        save_answer(store, Asked("refused", 0.1, question=QUESTION), recorder)
        assert _count(store) == 0
        assert record_feedback(store, answered, False, "too general", "How is it funded?")
        assert {i.question for i in inbox(store)} == {QUESTION, "How is it funded?"}
    finally:
        recorder.stop()


def test_a_full_queue_makes_the_request_insert_its_own_row(store: Store) -> None:
    recorder, batches = _writer(store, capacity=1)
    save_answer(store, Asked("extract", 0.5), recorder)
    overflow = save_answer(store, Asked("refused", 0.1, question="the second"), recorder)
    with store.engine.connect() as conn:
        now = conn.execute(sa.select(schema.answers.c.ref)).scalars().all()
    assert now == [overflow]  # written during its request; the first still waits
    recorder.stop()
    assert batches == [1] and _count(store) == 2


def test_a_failing_database_is_logged_and_counted_and_the_writer_lives_on(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    lost: list[int] = []
    recorder = Recorder(lambda rows: insert_rows(store, rows), 30.0, on_lost=lost.append)
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE answers RENAME TO answers_away"))
    try:
        with caplog.at_level(logging.WARNING):
            save_answer(store, Asked("refused", 0.1, question=QUESTION), recorder)
            save_answer(store, Asked("refused", 0.1, question=QUESTION), recorder)
            recorder.flush()
        assert lost == [2]
        assert "2 answers not recorded: database unavailable" in caplog.text
        assert "dads" not in caplog.text  # never the question
        # while the database fails, requests insert their own rows (and see the error)
        with pytest.raises(sa.exc.SQLAlchemyError):
            save_answer(store, Asked("extract", 0.5), recorder)
    finally:
        with store.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE answers_away RENAME TO answers"))
    save_answer(store, Asked("extract", 0.5), recorder)  # back: inserted now, then queued again
    assert _count(store) == 1
    save_answer(store, Asked("extract", 0.5), recorder)
    assert recorder.pending == 1
    recorder.stop()
    assert _count(store) == 2


def test_stopping_writes_what_is_queued_and_later_rows_are_inserted_at_once(
    store: Store,
) -> None:
    recorder, batches = _writer(store, delay=60.0)
    for _ in range(3):
        save_answer(store, Asked("extract", 0.5), recorder)
    recorder.stop()  # does not wait out the delay
    assert batches == [3] and _count(store) == 3
    save_answer(store, Asked("extract", 0.5), recorder)
    assert _count(store) == 4 and batches == [3]


def test_feedback_on_an_unknown_ref_is_refused(store: Store) -> None:
    assert record_feedback(store, "no-such-ref", True, None, None) is False
