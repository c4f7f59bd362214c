"""Migrations and retention, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import gc
import time
import warnings
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assistant.config import load_settings
from assistant.errors import ConfigError
from assistant.store import database, schema
from assistant.store.answers import Asked, record_answer
from assistant.store.database import (
    LATEST,
    Store,
    database_url,
    get_store,
    secret_key,
    start_purging,
    utcnow,
)


def test_upgrade_from_empty_creates_every_table_once(db_url: str) -> None:
    store = Store(db_url)
    assert store.version() == 0
    assert store.upgrade() == list(range(1, LATEST + 1))
    assert store.version() == LATEST
    assert store.upgrade() == []  # a second run changes nothing
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {t.name for t in schema.VERSION_1} | {"schema_version"} <= tables
    store.engine.dispose()


def test_purge_deletes_only_what_is_older_than_the_retention(store: Store) -> None:
    old, _ = (record_answer(store, Asked("refused", 0.1, question=q)) for q in ("old", "new"))
    with store.engine.begin() as conn:
        conn.execute(
            schema.answers.update()
            .where(schema.answers.c.id == old)
            .values(asked_at=utcnow() - timedelta(days=181))
        )
    counts = store.purge(retention_days=180)
    assert counts["answers"] == 1
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(schema.answers.c.question)).scalars().all()
    assert left == ["new"]


def test_the_server_purges_at_start_up_and_then_on_a_timer(store: Store) -> None:
    old = record_answer(store, Asked("refused", 0.1, question="old"))
    purging = start_purging(store, retention_days=1, every_seconds=0.05)
    try:
        assert _count(store) == 1  # nothing is old yet
        with store.engine.begin() as conn:
            conn.execute(
                schema.answers.update()
                .where(schema.answers.c.id == old)
                .values(asked_at=utcnow() - timedelta(days=2))
            )
        for _ in range(200):  # the next round, within seconds
            if _count(store) == 0:
                break
            time.sleep(0.05)
        assert _count(store) == 0
    finally:
        purging.stop()


def test_stopping_the_purge_waits_for_it_so_no_connection_is_left_open(store: Store) -> None:
    """A purge still running when the engine was disposed returned its connection to the
    discarded pool, where it stayed open until collected (psycopg's ResourceWarning)."""
    purging = start_purging(store, retention_days=1, every_seconds=0)  # back to back
    time.sleep(0.2)
    purging.stop()
    assert not purging.running
    assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store.engine.dispose()
        gc.collect()
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(schema.answers)).scalar_one()
        )


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(env={"PAIR_INSTANCE_DIR": str(tmp_path / "inst")})
    assert database_url(settings) == f"sqlite:///{tmp_path / 'inst' / 'pair-assistant.sqlite3'}"


def test_a_bad_database_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="PAIR_DATABASE_URL is not a database URL"):
        Store("not a url")


def test_secret_key_is_generated_once_and_kept_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(env={"PAIR_INSTANCE_DIR": str(tmp_path)})
    first = secret_key(settings)
    assert len(first) == 64 and secret_key(settings) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert secret_key(settings.replace(secret_key="configured")) == "configured"


def test_sqlite_logs_ahead_and_syncs_at_checkpoints_not_at_each_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'answers.sqlite3'}")
    store.upgrade()
    with store.engine.connect() as conn:
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (journal, synchronous) == ("wal", 1)  # 1: NORMAL, 2: FULL (an fsync per commit)
    assert not store.engine.pool._pre_ping  # type: ignore[attr-defined]
    store.engine.dispose()


def test_the_store_of_a_configuration_is_found_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(env={"PAIR_INSTANCE_DIR": str(tmp_path / "inst")})
    first = get_store(settings)
    assert get_store(settings.replace(top_k=9)) is first
    assert first.url == database_url(settings)
    other = get_store(settings.replace(instance_dir=tmp_path / "other"))
    assert other is not first and (tmp_path / "other").is_dir()
    for store in (first, other):
        store.engine.dispose()


def _close_server_side(url: str) -> None:
    """End every other session on the test database, as a restart or a firewall would."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()


@pytest.mark.postgres
def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(postgres_url)
    store.upgrade()
    record_answer(store, Asked("card", 0.9))
    _close_server_side(postgres_url)
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)  # every pooled connection is idle
    assert record_answer(store, Asked("card", 0.8)) > 0
    store.engine.dispose()


@pytest.mark.postgres
def test_a_connection_in_recent_use_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the ping (the connection was used moments ago) a connection the server has
    closed fails its one write, and the pool then replaces it."""
    store = Store(postgres_url)
    store.upgrade()
    record_answer(store, Asked("card", 0.9))
    _close_server_side(postgres_url)
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 3600.0)
    with pytest.raises(sa.exc.OperationalError):
        record_answer(store, Asked("card", 0.8))
    assert record_answer(store, Asked("card", 0.7)) > 0
    store.engine.dispose()
