"""Rate-limit counters kept in the process (``PAIR_RATE_LIMIT_STORAGE=memory://``).

The limits library's own memory storage starts a timer thread to forget expired counters
whenever a counter is touched after the previous timer has finished: with questions
arriving more than 10 ms apart, one new thread per request. These counters are fixed
windows (the only strategy the app uses) that expire where they are read, and the
counters of clients that went quiet are swept inline, at most once every
:data:`SWEEP_SECONDS`, by whichever request comes next. Nothing runs in the background.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage

SCHEME = "pair+memory"
SWEEP_SECONDS = 10.0


class WindowCounts(Storage):
    """Fixed-window counters: key -> (count, expiry as a UNIX time)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the library registers classes by this list)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: object):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            self._sweep(now)
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + expiry
            count += amount
            self._counts[key] = (count, expires)
        return count

    def get(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > time.time() else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        _count, expires = self._counts.get(key, (0, 0.0))
        return expires if expires > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._counts)
            self._counts.clear()
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _sweep(self, now: float) -> None:
        """Forget expired counters (called with the lock held), now and then."""
        if time.monotonic() - self._swept < SWEEP_SECONDS:
            return
        self._swept = time.monotonic()
        for key in [k for k, (_count, expires) in self._counts.items() if expires <= now]:
            del self._counts[key]


def storage_uri(configured: str) -> str:
    """The rate limits' storage: these counters for ``memory://``, else as set."""
    return f"{SCHEME}://" if configured.strip().startswith("memory://") else configured
