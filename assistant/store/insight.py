"""Aggregates for the insight page: counts only, never a person or a session.

Every function takes a date range [since, until) of naive UTC times.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from assistant.store import schema
from assistant.store.answers import settle
from assistant.store.database import Store


@dataclass(frozen=True)
class Insight:
    per_day: list[tuple[date, int]]
    kinds: dict[str, int]
    helpful: dict[str, int]
    passages: list[tuple[str, int]]
    steps: list[tuple[str, int]]
    search_misses: int
    missed_queries: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def insight(store: Store, since: datetime, until: datetime, top: int = 10) -> Insight:
    settle(store)
    a = schema.answers
    in_range = (a.c.asked_at >= since, a.c.asked_at < until)
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(a.c.asked_at, a.c.kind, a.c.helpful, a.c.passage_ids, a.c.node).where(
                *in_range
            )
        ).all()
        m = schema.search_misses
        misses = conn.execute(
            sa.select(m.c.query).where(m.c.searched_at >= since, m.c.searched_at < until)
        ).all()
    days = Counter(r.asked_at.date() for r in rows)
    first, last = since.date(), (until - timedelta(microseconds=1)).date()
    per_day = [
        (first + timedelta(n), days[first + timedelta(n)]) for n in range((last - first).days + 1)
    ]
    kinds = Counter(r.kind for r in rows)
    cited = Counter(
        p
        for r in rows
        if r.kind in ("card", "extract")
        for p in (r.passage_ids or "").split(",")
        if p
    )
    return Insight(
        per_day=per_day,
        kinds={k: kinds.get(k, 0) for k in ("card", "extract", "refused", "signposted")},
        helpful={
            "yes": sum(1 for r in rows if r.helpful is True),
            "no": sum(1 for r in rows if r.helpful is False),
        },
        passages=cited.most_common(),
        steps=Counter(r.node for r in rows if r.node).most_common(top),
        search_misses=len(misses),
        missed_queries=Counter(q.query for q in misses if q.query).most_common(top),
    )
