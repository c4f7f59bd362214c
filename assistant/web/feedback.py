"""Answer ids and "Was this helpful?": record each answer, take feedback on it.

Every answer is recorded (kind, confidence, step, what it cited; the question only as
``PAIR_STORE_QUESTIONS`` allows, scrubbed) and gets an ``answer_id``: the row's random
``ref`` signed with the instance key and a timestamp, so any worker on any host can check
it and it expires after ``PAIR_FEEDBACK_HOURS``. Under ``unanswered`` the signed id also
carries the scrubbed question of an answered question, so that a "No" can bring it to the
inbox without it being stored before. A database that is down costs the feedback, never
the answer: the answer goes out without an ``answer_id``.

Rows are written by a background thread within ``PAIR_RECORD_DELAY_SECONDS``
(:mod:`assistant.store.recorder`). Feedback answered by the worker that gave the answer
writes that worker's queue first; feedback reaching another worker before the row is
written waits for it, for as long as that worker may hold it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    Signer,
    TimestampSigner,
    URLSafeTimedSerializer,
)
from sqlalchemy.exc import SQLAlchemyError

from assistant.answer.compose import Answer
from assistant.errors import NotFound, PairError, ValidationError
from assistant.store import answers as rows
from assistant.store.database import Store, get_store, secret_key
from assistant.store.recorder import Recorder
from assistant.store.scrub import scrub
from assistant.web import metrics, settings

log = logging.getLogger(__name__)
bp = Blueprint("feedback", __name__)
MAX_COMMENT = 500
MAX_ANSWER_ID = 4000
THANKS = "Thank you. Your feedback was recorded."
# feedback on a row not found yet waits this long beyond the delay for another worker's
# writer (a batch under way, a busy database), polling every POLL_SECONDS
WRITE_GRACE = 5.0
POLL_SECONDS = 0.1


class NotRecorded(PairError):
    code = "feedback_not_recorded"
    status = 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        question_notice=question_notice, max_comment=MAX_COMMENT, store_settings=settings
    )


def store() -> Store:
    return get_store(settings())


class _Signer(TimestampSigner):
    """Derives its signing key once, not for every answer."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        if secret_key is not None:
            return super().derive_key(secret_key)
        derived: bytes | None = self.__dict__.get("_derived")
        if derived is None:
            derived = self._derived = super().derive_key()
        return derived


class _AnswerIds(URLSafeTimedSerializer):
    """Signs and checks answer ids with one signer (itsdangerous makes one per call)."""

    default_signer = _Signer

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        if salt is not None:
            return super().make_signer(salt)
        signer: Signer | None = self.__dict__.get("_signer")
        if signer is None:
            signer = self._signer = super().make_signer()
        return signer


def _serializer() -> URLSafeTimedSerializer:
    found = current_app.extensions.get("pair.answer_ids")
    if found is None:
        found = _AnswerIds(secret_key(settings()), salt="pair-answer-id")
        current_app.extensions["pair.answer_ids"] = found
    return found


def record(reply: Answer, node: str | None) -> str | None:
    """Record ``reply``; its signed ``answer_id``, or None when the database is unavailable."""
    kind, policy = reply.kind, settings().store_questions
    metrics.count_answer(kind)
    text = scrub(reply.question) if kind != "signposted" else None
    asked = rows.Asked(
        kind=kind,
        confidence=reply.confidence,
        node=node,
        card_id=reply.extra.get("card_id"),
        passage_ids=[c.id for c in reply.citations],
        question=text if rows.kept_text(policy, kind) else None,
    )
    try:
        ref = rows.save_answer(store(), asked, _recorder())
    except SQLAlchemyError as exc:
        log.warning("answer not recorded: database unavailable (%s)", type(exc).__name__)
        metrics.count_unrecorded(1)
        return None
    pending = text if policy == "unanswered" and kind in ("card", "extract") else None
    return _serializer().dumps({"r": ref, "q": pending})


def _recorder() -> Recorder | None:
    """This process's writer of answer rows, or None when they are written in requests."""
    delay = settings().record_delay_seconds
    return rows.recording(store(), delay, metrics.count_unrecorded) if delay else None


def record_search_miss(query: str) -> None:
    """A search on the staff page that found nothing: counted; its text kept (scrubbed)
    only when ``PAIR_STORE_QUESTIONS`` is not ``none``. A failure is only logged."""
    text = scrub(query) if settings().store_questions != "none" else None
    try:
        rows.record_search_miss(store(), text)
    except SQLAlchemyError as exc:
        log.warning("search miss not recorded: database unavailable (%s)", type(exc).__name__)


def answer_payload(reply: Answer, node: str | None) -> dict[str, Any]:
    """The API's JSON for an answer, with its ``answer_id`` (null when not recorded)."""
    data = reply.to_dict()
    data["answer_id"] = record(reply, node)
    return data


def question_notice() -> str:
    """What happens to a question, in one sentence under each question box."""
    return {
        "none": "Questions are not stored.",
        "unanswered": "Questions the evidence cannot answer are kept, without personal "
        "details, so the evidence team can fill the gaps.",
        "all": "Questions are kept, without personal details, so the evidence team can "
        "improve the evidence.",
    }[settings().store_questions]


def check_feedback(body: Mapping[str, Any]) -> tuple[str, bool, str | None]:
    """(answer_id, helpful, comment) from a request; 422 for the wrong shapes."""
    answer_id, helpful, comment = body.get("answer_id"), body.get("helpful"), body.get("comment")
    if not isinstance(answer_id, str) or not 0 < len(answer_id) <= MAX_ANSWER_ID:
        raise ValidationError("'answer_id' must be the answer_id string the answer came with")
    if not isinstance(helpful, bool):
        raise ValidationError("'helpful' must be true or false")
    if comment is not None and not isinstance(comment, str):
        raise ValidationError("'comment' must be a string (or left out)")
    comment = " ".join((comment or "").split())
    if len(comment) > MAX_COMMENT:
        raise ValidationError(f"'comment' must be at most {MAX_COMMENT} characters")
    return answer_id, helpful, comment or None


def give_feedback(answer_id: str, helpful: bool, comment: str | None) -> None:
    """Store feedback: NotFound for an unknown or expired id, NotRecorded when the database
    is down."""
    hours = settings().feedback_hours
    try:
        data, signed = _serializer().loads(answer_id, max_age=hours * 3600, return_timestamp=True)
    except SignatureExpired:
        raise NotFound(f"that answer is older than {hours} hours and takes no feedback") from None
    except BadSignature:
        raise NotFound("there is no answer with that answer_id") from None
    answer = _answer_key(data)
    pending = data.get("q") if isinstance(data.get("q"), str) else None
    # the signature's time is in whole seconds: the answer came up to one second later
    written_by = signed.timestamp() + 1 + settings().record_delay_seconds + WRITE_GRACE
    note = scrub(comment) if comment else None
    try:
        while True:
            found = rows.record_feedback(store(), answer, helpful, note, pending)
            if found or not isinstance(answer, str) or time.time() >= written_by:
                break
            time.sleep(POLL_SECONDS)  # another worker may not have written the row yet
    except SQLAlchemyError as exc:
        log.warning("feedback not recorded: database unavailable (%s)", type(exc).__name__)
        raise NotRecorded(
            "Feedback could not be recorded just now. Please try again later."
        ) from None
    if not found:
        raise NotFound("that answer is no longer kept, so it takes no feedback")
    metrics.count_feedback(helpful)


def _answer_key(data: Any) -> int | str:
    """The ``ref`` a signed answer id names (or the row id in ids from before refs)."""
    if isinstance(data, dict):
        for name, kind in (("r", str), ("a", int)):
            if isinstance(data.get(name), kind) and not isinstance(data[name], bool):
                return data[name]  # type: ignore[no-any-return]
    raise NotFound("there is no answer with that answer_id")


@bp.post("/api/feedback")
def api_feedback() -> Response:
    """``{"answer_id", "helpful": bool, "comment"?}`` -> ``{"recorded": true}``."""
    from assistant.web.api import json_body

    answer_id, helpful, comment = check_feedback(json_body())
    give_feedback(answer_id, helpful, comment)
    return jsonify(recorded=True, helpful=helpful)


def form_feedback() -> tuple[bool, str, int]:
    """The no-JavaScript forms: (recorded, message to show, status)."""
    form = request.form
    body = {
        "answer_id": form.get("answer_id", ""),
        "helpful": {"yes": True, "no": False}.get(form.get("helpful", "")),
        "comment": form.get("comment", ""),
    }
    try:
        give_feedback(*check_feedback(body))
    except PairError as exc:
        return False, exc.message[:1].upper() + exc.message[1:] + ".", exc.status
    return True, THANKS, 200


@bp.post("/feedback")
def page_feedback() -> tuple[str, int]:
    recorded, message, status = form_feedback()
    return render_template("feedback/thanks.html", recorded=recorded, message=message), status
