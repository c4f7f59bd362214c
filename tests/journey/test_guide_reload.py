"""After a server switches to a newer index, the journey follows it."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from assistant.errors import CorpusError
from assistant.search import engine as services
from assistant.search.engine import Engine
from assistant.web import journey as journey_web


def swap_engine(engine: Engine) -> Engine:
    """What a reload does: a new Engine object for the (here identical) index."""
    fresh = Engine(engine.settings, engine.embedder, engine.index)
    services._engines[services.engine_key(engine.settings)] = fresh
    return fresh


def restore(engine: Engine) -> None:
    services._engines[services.engine_key(engine.settings)] = engine


def test_guide_is_reloaded_for_a_new_engine(app: Flask, engine: Engine) -> None:
    with app.app_context():
        before = journey_web.guide()
        assert before.evidence.engine is engine
        fresh = swap_engine(engine)
        try:
            after = journey_web.guide()
            assert after is not before
            assert after.evidence.engine is fresh
            assert journey_web.guide() is after  # loaded once per engine
        finally:
            restore(engine)


def test_a_guide_that_cannot_load_keeps_the_previous_one(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context():
        before = journey_web.guide()
        swap_engine(engine)

        def broken(*_args: object) -> None:
            raise CorpusError("estimator.yaml:36: passage 0c15cf8624fa is not in the index")

        monkeypatch.setattr(journey_web, "load_guide", broken)
        try:
            with caplog.at_level(logging.ERROR):
                assert journey_web.guide() is before
            assert "keeping the journey of the previous index" in caplog.text
        finally:
            restore(engine)
