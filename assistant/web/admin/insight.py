"""Insight: what is asked and how it goes, as totals over a date range (no one is tracked)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from flask import render_template, request

from assistant.errors import NotFound
from assistant.store.answers import inbox as stored
from assistant.store.database import utcnow
from assistant.store.insight import insight as totals
from assistant.web import engine
from assistant.web.admin import bp
from assistant.web.admin.inbox import grouped
from assistant.web.feedback import store

DEFAULT_DAYS = 30
TOP = 10
KIND_LABELS = {
    "card": "Summary (key-question card)",
    "extract": "Quoted extract",
    "refused": "No evidence found",
    "signposted": "Signposted (parent or urgent)",
}


def _day(value: str | None, fallback: date) -> tuple[date, bool]:
    """A date from the query string; (fallback, False) when it is not YYYY-MM-DD."""
    if not value:
        return fallback, True
    try:
        return date.fromisoformat(value), True
    except ValueError:
        return fallback, False


def date_range() -> tuple[date, date, str | None]:
    today = utcnow().date()
    first, ok_from = _day(request.args.get("from"), today - timedelta(days=DEFAULT_DAYS - 1))
    last, ok_to = _day(request.args.get("to"), today)
    if not (ok_from and ok_to):
        return today - timedelta(days=DEFAULT_DAYS - 1), today, "Enter dates as YYYY-MM-DD."
    if first > last:
        return last, first, "The start date was after the end date, so they were swapped."
    if (last - first).days > 366:
        return last - timedelta(days=366), last, "Insight covers at most a year at a time."
    return first, last, None


@bp.get("/insight")
def insight() -> tuple[str, int]:
    first, last, problem = date_range()
    since = datetime.combine(first, time.min)
    until = datetime.combine(last + timedelta(days=1), time.min)
    data = totals(store(), since, until)
    index = engine().index
    cited: list[tuple[str, str, int]] = []
    sources: Counter[str] = Counter()
    for pid, n in data.passages:
        p = engine().passage(pid)
        if p is not None:
            sources[p.source_id] += n
        if len(cited) < TOP:
            cited.append((pid, p.heading if p else "(no longer in the evidence)", n))
    by_source = [
        (index.sources[s].title if s in index.sources else s, n)
        for s, n in sources.most_common(TOP)
    ]
    steps = [(s, _step_title(s), n) for s, n in data.steps]
    themes = grouped(stored(store(), None, unanswered_only=False, since=since, until=until))[:10]
    return render_template(
        "admin/insight.html",
        first=first,
        last=last,
        problem=problem,
        data=data,
        kinds=[(KIND_LABELS[k], n) for k, n in data.kinds.items()],
        per_day=[(d.strftime("%a %-d %b"), n) for d, n in data.per_day],
        cited_rows=[(f"{title} ({pid})", n) for pid, title, n in cited],
        sources=by_source,
        steps_rows=[(title, n) for _, title, n in steps],
        themes_rows=[(t.title, len(t.items)) for t in themes],
    ), (422 if problem and "YYYY" in problem else 200)


def _step_title(step_id: str) -> str:
    from assistant.web.journey import guide

    try:
        return guide().journey.node(step_id).title
    except NotFound:  # a step removed from the journey since
        return step_id
