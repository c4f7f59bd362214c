"""The Flask app factory. Views are thin: parse the request, call the domain, render."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from assistant.config import PROJECT_ROOT, Settings, load_settings
from assistant.lookup.highlight import segments
from assistant.origins import is_web_url
from assistant.search.engine import Engine, get_engine
from assistant.search.index import EvidenceIndex
from assistant.store.database import get_store, start_purging

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Main navigation: (endpoint, label); links to blueprints that are not registered are skipped.
NAV = (
    ("chat.index", "Ask"),
    ("journey.start", "Guided journey"),
    ("search.page", "Search evidence"),
    ("sources.index", "Sources"),
    ("pages.about", "About the evidence"),
)
# Footer links: the pages a buyer or an administrator looks for (endpoint, anchor, label).
FOOTER = (
    ("pages.about", "", "About the evidence"),
    ("pages.about", "about-this-assistant", "About this assistant"),
    ("pages.accessibility", "", "Accessibility statement"),
    ("pages.privacy", "", "Privacy notice"),
    ("widget.setup", "", "Embed on your intranet"),
)


def create_app(
    test_config: Mapping[str, Any] | None = None, settings: Settings | None = None
) -> Flask:
    """Build the app. Nothing heavy loads here; the engine loads on first use."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "assistant" / "static"),
    )
    # The NHS.UK frontend macros (nhsuk-frontend-jinja) read optional nested parameters,
    # which needs ChainableUndefined; our own templates come first.
    app.jinja_options = {**app.jinja_options, "undefined": ChainableUndefined}
    settings = settings or load_settings()
    _check_journey_on_build()
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["pair.settings"] = settings
    app.extensions["pair.engine"] = lambda: get_engine(settings)
    app.jinja_env.loader = ChoiceLoader(
        [app.create_global_jinja_loader(), PackageLoader("nhsuk_frontend_jinja")]
    )
    app.jinja_env.globals.update(
        segments=segments,
        nav_links=lambda: [(e, label) for e, label in NAV if e in app.view_functions],
        footer_links=lambda: _footer_links(app),
        feedback_url=lambda: settings.feedback_url,
        config_max_chars=lambda: settings.max_question_chars,
        citation_reference=lambda c: _citation_reference(c.id),
    )
    app.jinja_env.tests["web_url"] = is_web_url  # only http(s) addresses become links

    from assistant.web import (
        admin,
        answers,
        api,
        chat,
        errors,
        evidence,
        feedback,
        hosts,
        journey,
        logs,
        metrics,
        pages,
        search,
        security,
        sources,
        widget,
    )

    hosts.init_app(app, settings)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    security.init_app(app)
    errors.init_app(app)
    for module in (chat, api, answers, journey, search, evidence, sources, pages):
        app.register_blueprint(module.bp)
    widget.init_app(app, settings)
    feedback.init_app(app)
    admin.init_app(app)
    metrics.init_app(app, settings)
    logs.init_app(app)  # last: its hook runs first, so every request is timed and numbered
    return app


def _citation_reference(passage_id: str) -> str:
    from assistant.web.evidence import citation_reference

    return citation_reference(engine(), passage_id)


def _links(app: Flask, links: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """``{"href", "text"}`` for each link whose view is registered."""
    from flask import url_for

    return [{"href": url_for(e), "text": t} for e, t in links if e in app.view_functions]


def _footer_links(app: Flask) -> list[dict[str, str]]:
    """``{"href", "text"}`` for each footer link whose view is registered."""
    from flask import url_for

    return [
        {"href": url_for(e, _anchor=a or None), "text": t}
        for e, a, t in FOOTER
        if e in app.view_functions
    ]


def _check_journey_on_build() -> None:
    """A build the server rebuilds at start-up must also carry a loadable journey."""
    from assistant.journey.guide import check_content
    from assistant.search import engine as services

    def journey_check(config: Settings, index: EvidenceIndex) -> None:
        check_content(config.corpus_dir, index.passages)

    if not any(getattr(c, "__name__", "") == "journey_check" for c in services.build_checks):
        services.build_checks.append(journey_check)


def preload(app: Flask) -> None:
    """Load the index (rebuilding it if needed), the journey and the question encoder
    before the first request (and, with preforked workers, before they fork); bring the
    database schema up to date and start the daily retention purge."""
    from assistant.web.journey import guide

    with app.app_context():
        guide()
        engine().embedder.encode(["start"])  # loads the ONNX session (or NumPy weights)
    config = app.extensions["pair.settings"]
    store = get_store(config)
    try:
        store.upgrade()
    except SQLAlchemyError as exc:
        log.warning("database unavailable at start-up (%s); answers go on", type(exc).__name__)
    start_purging(store, config.retention_days)


def engine() -> Engine:
    """The loaded engine of the current app."""
    loader: Callable[[], Engine] = current_app.extensions["pair.engine"]
    return loader()


def settings() -> Settings:
    value: Settings = current_app.extensions["pair.settings"]
    return value
