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


def test_a_journey_that_cannot_load_is_tried_once_and_kept_on_the_new_index(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context():
        before = journey_web.guide()
        fresh = swap_engine(engine)
        calls = []

        def broken(*_args: object) -> None:
            calls.append(1)
            raise CorpusError("journey.yaml:3: a step has no title")

        monkeypatch.setattr(journey_web, "load_guide", broken)
        try:
            with caplog.at_level(logging.ERROR):
                guides = [journey_web.guide() for _ in range(20)]
            assert len(calls) == 1  # once per change of index, not once per request
            assert caplog.text.count("keeping the journey of the previous index") == 1
            assert "journey.yaml:3: a step has no title" in caplog.text
            kept = guides[0]
            assert all(g is kept for g in guides)
            assert kept.journey is before.journey
            assert kept.evidence.engine is fresh  # the old engine is not held twice
        finally:
            restore(engine)


def test_a_journey_whose_rates_the_new_index_lacks_keeps_the_old_guide(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context():
        before = journey_web.guide()
        swap_engine(engine)

        def broken(*_args: object) -> None:
            raise CorpusError("estimator.yaml:36: passage 0c15cf8624fa is not in the index")

        def unbacked(*_args: object) -> None:
            raise CorpusError("estimator.yaml:36: passage 0c15cf8624fa is not in the index")

        monkeypatch.setattr(journey_web, "load_guide", broken)
        monkeypatch.setattr(journey_web, "rebind", unbacked)
        try:
            with caplog.at_level(logging.ERROR):
                assert journey_web.guide() is before
                assert journey_web.guide() is before
            assert caplog.text.count("keeping the journey and index of the previous build") == 1
        finally:
            restore(engine)
