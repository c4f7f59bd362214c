"""Static-ish pages: "About the evidence" (what the corpus is, how answers are made, its
sources), the accessibility statement and the privacy notice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, render_template
from flask.blueprints import BlueprintSetupState

from assistant.evidence.corpus import EVIDENCE_GRADES
from assistant.lookup.context import passage_counts, sources_by_title
from assistant.web import engine, settings, statements

bp = Blueprint("pages", __name__)
ABOUT_FILE = "about.yaml"
# What each evidence grade means, in the words shown to commissioners.
GRADE_HELP = {
    "systematic review": "A review that gathers and appraises all studies on a question.",
    "trial": "A controlled trial: families are allocated to a service or a comparison.",
    "cohort or survey": "Data from many people or services: counts, surveys, follow-up studies.",
    "qualitative": "Interviews or focus groups about experiences and views.",
    "official statistics": "Figures published by a statistics or government body.",
    "guidance or policy": "Statutory guidance, national policy or a NICE recommendation.",
    "expert opinion": "The considered view of an expert body, charity or author.",
    "local example": "What one area did: useful as an example, not proof it works elsewhere.",
}


@bp.record_once
def _read_about(state: BlueprintSetupState) -> None:
    """Read the review date once, when the app starts."""
    corpus_dir: Path = state.app.extensions["pair.settings"].corpus_dir
    state.app.extensions["pair.about"] = read_about(corpus_dir / ABOUT_FILE)


def read_about(path: Path) -> dict[str, Any]:
    """``reviewed`` (a date or None) and ``reviewed_by`` from ``corpus/about.yaml``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    reviewed = data.get("reviewed") if isinstance(data, dict) else None
    by = data.get("reviewed_by") if isinstance(data, dict) else None
    return {"reviewed": reviewed if isinstance(reviewed, dt.date) else None, "reviewed_by": by}


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every first visit; a 404 would be a console error each time."""
    response = Response(_favicon(Path(current_app.static_folder or "")), mimetype="image/x-icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@cache
def _favicon(static: Path) -> bytes:
    return (static / "nhsuk" / "images" / "favicon.ico").read_bytes()


@bp.get("/about")
def about() -> str:
    index = engine().index
    graded = Counter(p.evidence for p in index.passages)
    return render_template(
        "pages/about.html",
        about=current_app.extensions["pair.about"],
        sources=sources_by_title(index),
        counts=passage_counts(index),
        passage_count=len(index.passages),
        card_count=len(index.cards),
        reviewed_count=sum(1 for p in index.passages if p.reviewed),
        latest_review=max((p.reviewed for p in index.passages if p.reviewed), default=None),
        grades=[(g, GRADE_HELP[g], graded.get(g, 0)) for g in EVIDENCE_GRADES],
    )


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template(
        "pages/accessibility.html",
        owner=settings().service_owner,
        contact=settings().contact_email,
        checks=statements.CHECKS,
        known_issues=statements.KNOWN_ISSUES,
        tested_on=statements.TESTED_ON,
        prepared=statements.STATEMENT_PREPARED,
    )


@bp.get("/privacy")
def privacy() -> str:
    return render_template(
        "pages/privacy.html",
        owner=settings().service_owner,
        contact=settings().contact_email,
        stored=statements.STORED,
        not_stored=statements.NOT_STORED,
        logging_notice=statements.question_logging(settings()),
    )
