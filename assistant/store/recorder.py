"""Rows written off the request path: queued in the process, inserted in batches by one
thread.

A request hands its row to :meth:`Recorder.add` and goes on; the writer thread waits up
to ``delay`` seconds for more rows and inserts them all in one transaction, so a busy
server pays for one round trip and one commit per batch instead of per answer. What is
still queued is written before the process ends in order (:func:`stop_all`: at exit, and
from the gunicorn worker's exit hook), and before any read that must see it
(:meth:`Recorder.flush`). A process killed outright (``kill -9``, out of memory, power
lost) loses the rows of its last ``delay`` seconds.

Nothing is dropped silently: a full queue, a stopped writer or one whose last write failed
makes :meth:`add` return False and the caller inserts the row itself, during the request,
as without the queue. A batch the database refuses is logged (its size and the kind of
error, never its contents) and counted through ``on_lost``; the writer lives on. A batch
is one transaction, so a row the database refused would take its batch with it: the rows
the app makes hold only bounded values (ids far shorter than their columns), so what
fails a batch is the database itself.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
CAPACITY = 2000  # rows waiting at most; beyond it requests insert their own
BATCH = 500  # rows per transaction at most
FLUSH_SECONDS = 10.0  # a read waits at most this long for the rows before it

Row = dict[str, Any]
_recorders: weakref.WeakSet[Recorder] = weakref.WeakSet()


class Recorder:
    """One writer thread for ``write`` (which inserts a list of rows in one transaction)."""

    def __init__(
        self,
        write: Callable[[list[Row]], None],
        delay: float,
        on_lost: Callable[[int], None] | None = None,
        capacity: int = CAPACITY,
    ) -> None:
        self.delay = delay
        self._write = write
        self._on_lost = on_lost
        self._capacity = capacity
        self._reset()
        _recorders.add(self)

    def _reset(self) -> None:
        """A new, empty state (also in a forked child: the parent writes its own rows)."""
        self._cond = threading.Condition()
        self._rows: list[Row] = []
        self._added = self._done = 0
        self._urgent = 0  # readers waiting in flush()
        self._stopping = False
        self._failing = False
        self._thread: threading.Thread | None = None

    def add(self, row: Row) -> bool:
        """Queue ``row``; False when the caller must insert it itself."""
        with self._cond:
            if self._stopping or self._failing or len(self._rows) >= self._capacity:
                return False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pair-recorder")
                self._thread.daemon = True  # stop_all() ends it; it never holds up an exit
                self._thread.start()
            self._rows.append(row)
            self._added += 1
            if len(self._rows) in (1, BATCH):
                self._cond.notify_all()  # the writer waits for a first row, or a full batch
        return True

    def recovered(self) -> None:
        """A row inserted by a request went in: the database is back; queue again."""
        self._failing = False

    def flush(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Wait until every row queued before this call is written (or lost); False on
        timeout. Without anything pending it returns at once."""
        with self._cond:
            target = self._added
            if self._done >= target:
                return True
            self._urgent += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._urgent -= 1

    def stop(self, timeout: float = FLUSH_SECONDS) -> None:
        """Write what is queued and end the thread; later rows are the callers' to insert."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def pending(self) -> int:
        """Rows queued or being written."""
        return self._added - self._done

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = self._next_batch()
            if not batch:
                return
            self._write_batch(batch)
            with self._cond:
                self._done += len(batch)
                self._cond.notify_all()

    def _next_batch(self) -> list[Row]:
        """Wait for rows, then up to ``delay`` for more (unless a reader or a stop is
        waiting); the batch to write, or [] when stopping with nothing left."""
        self._cond.wait_for(lambda: self._rows or self._stopping)
        deadline = time.monotonic() + self.delay
        while len(self._rows) < BATCH and not (self._urgent or self._stopping):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._cond.wait(left)
        batch = self._rows[:BATCH]
        del self._rows[:BATCH]
        return batch

    def _write_batch(self, batch: list[Row]) -> None:
        try:
            self._write(batch)
        except Exception as exc:  # the thread must outlive any failure of the database
            self._failing = True
            log.warning(
                "%d answers not recorded: database unavailable (%s)",
                len(batch),
                type(exc).__name__,
            )
            if self._on_lost is not None:
                self._on_lost(len(batch))


def stop_all(timeout: float = FLUSH_SECONDS) -> None:
    """Write every recorder's queued rows and end their threads (at exit)."""
    for recorder in list(_recorders):
        recorder.stop(timeout)


def _after_fork() -> None:
    """A forked worker starts with empty queues and no thread: its parent writes its own
    rows, and the copied lock may have been held by a thread the child does not have."""
    for recorder in list(_recorders):
        recorder._reset()


atexit.register(stop_all)
os.register_at_fork(after_in_child=_after_fork)
