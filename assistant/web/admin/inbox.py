"""The inbox: stored questions grouped into themes; triage each; export as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from flask import Response, jsonify, redirect, render_template, request, url_for

from assistant.store import accounts
from assistant.store.answers import STATUSES, Item, triage
from assistant.store.answers import inbox as stored
from assistant.store.themes import Theme, themes
from assistant.web import engine
from assistant.web.admin import actor, bp
from assistant.web.feedback import store

SHOW = {"unanswered": "Unanswered or not helpful", "all": "Every stored question"}


def _filters() -> tuple[str | None, str]:
    status = request.args.get("status", "new")
    show = request.args.get("show", "unanswered")
    return (status if status in STATUSES else None), (show if show in SHOW else "unanswered")


def grouped(items: list[Item]) -> list[Theme[Item]]:
    """``items`` as themes, by the embeddings of their questions (one model call)."""
    if not items:
        return []
    texts = [i.question for i in items]
    vectors = np.asarray(engine().embedder.encode(texts), dtype=np.float32)
    return themes(items, texts, vectors)


def _current() -> list[Theme[Item]]:
    status, show = _filters()
    return grouped(stored(store(), status, unanswered_only=show == "unanswered"))


@bp.get("/inbox")
def inbox(errors: dict[int, str] | None = None, status_code: int = 200) -> tuple[str, int]:
    status, show = _filters()
    found = _current()
    return render_template(
        "admin/inbox.html",
        themes=found,
        count=sum(len(t.items) for t in found),
        statuses=STATUSES,
        status=status or "any",
        show=show,
        shows=SHOW,
        errors=errors or {},
        saved=request.args.get("saved", type=int),
    ), status_code


@bp.post("/inbox/<int:item_id>")
def act(item_id: int) -> Any:
    """Mark an item covered (by a passage or card id), needing evidence, or out of scope."""
    status = request.form.get("status", "")
    covered = request.form.get("covered_by", "").strip() or None
    note = " ".join(request.form.get("note", "").split())[:2000] or None
    problem = _check(status, covered)
    if problem:
        return inbox(errors={item_id: problem}, status_code=422)
    if not triage(store(), item_id, status, covered, note, actor()):
        return inbox(errors={item_id: "That question is no longer kept."}, status_code=404)
    accounts.record(store(), actor(), "triage", f"question {item_id}", f"{status} {covered or ''}")
    where = url_for("admin.inbox", saved=item_id, status=_arg("status"), show=_arg("show"))
    return redirect(f"{where}#item-{item_id}", code=303)


def _arg(name: str) -> str | None:
    return request.args.get(name) or None


def _check(status: str, covered: str | None) -> str | None:
    if status not in STATUSES:
        return "Choose what to do with this question."
    if status != "covered":
        return None
    if not covered:
        return "Give the passage or card id that covers this question."
    index = engine().index
    if covered not in index.by_id and covered.lower() not in index.card_by_id:
        return f"There is no passage or card with the id {covered}."
    return None


COLUMNS = (
    "theme", "id", "asked_at", "kind", "question", "confidence", "node", "card_id",
    "passage_ids", "helpful", "comment", "status", "covered_by", "note", "reviewed_by",
)  # fmt: skip


def _cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/inbox.csv")
def export() -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for theme in _current():
        for i in theme.items:
            row = (theme.title, i.id, i.asked_at.isoformat(timespec="seconds"), i.kind, i.question,
                   i.confidence, i.node, i.card_id, " ".join(i.passage_ids), i.helpful, i.comment,
                   i.status, i.covered_by, i.note, i.reviewed_by)  # fmt: skip
            writer.writerow([_cell(v) for v in row])
    accounts.record(store(), actor(), "export_csv", "inbox", request.query_string.decode()[:200])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="pair-inbox.csv"'
    return response


@bp.get("/api/inbox")
def api_inbox() -> Response:
    return jsonify(
        themes=[
            {
                "title": t.title,
                "items": [
                    {"id": i.id, "question": i.question, "kind": i.kind, "status": i.status,
                     "asked_at": i.asked_at.isoformat(timespec="seconds"), "helpful": i.helpful}
                    for i in t.items
                ],
            }
            for t in _current()
        ]
    )  # fmt: skip
