"""Connecting, migrating and purging: one :class:`Store` per database URL and process.

The schema is versioned by the ``schema_version`` table: each step in :data:`MIGRATIONS`
runs once, in order, inside a transaction (``pair-assistant db upgrade``; the server runs
it at start-up too). A new schema change is a new numbered step, never an edit of an old
one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.store import schema

log = logging.getLogger(__name__)
SQLITE_FILE = "pair-assistant.sqlite3"
# a pooled server connection idle this long is pinged before it is used again
IDLE_PING_SECONDS = 10.0
_IDLE_SINCE = "pair_idle_since"


def utcnow() -> datetime:
    """Now, as the naive UTC the tables hold."""
    return datetime.now(UTC).replace(tzinfo=None)


def _version_1(conn: sa.Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.VERSION_1))


def _version_2(conn: sa.Connection) -> None:
    """``answers.ref`` and its unique index (a database created by this release's step 1
    has them already)."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns(schema.answers.name)}
    if "ref" not in columns:
        conn.execute(sa.text("ALTER TABLE answers ADD COLUMN ref VARCHAR(32)"))
    for index in schema.answers.indexes:
        if index.name == "ix_answers_ref":
            index.create(conn, checkfirst=True)


MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {1: _version_1, 2: _version_2}
LATEST = max(MIGRATIONS)


def database_url(settings: Settings) -> str:
    """The configured URL, or the SQLite file in the instance folder (created if needed)."""
    if settings.database_url.strip():
        return settings.database_url.strip()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(settings.instance_dir / SQLITE_FILE).resolve()}"


def _url_of(settings: Settings) -> str:
    """:func:`database_url`, worked out once per configuration: each answer asks for the
    store, and resolving the path (and making the folder) each time was most of it."""
    key = (settings.database_url, settings.instance_dir)
    found = _urls.get(key)
    if found is None:
        found = _urls[key] = database_url(settings)
    return found


def make_engine(url: str) -> sa.Engine:
    """An engine that fails fast when the server is down, so an answer never waits long."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(
            "PAIR_DATABASE_URL is not a database URL such as "
            "postgresql+psycopg://user:password@host/database"
        ) from None
    args: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        args["connect_timeout"] = 3
    elif backend == "sqlite":
        args["timeout"] = 10
    try:
        engine = sa.create_engine(url, connect_args=args)
    except (ImportError, SQLAlchemyError) as exc:
        raise ConfigError(f"cannot use the database in PAIR_DATABASE_URL: {exc}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:  # a SQLite file has no server to lose a connection to
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: sa.Engine) -> None:
    """Check a pooled connection before use only when it has lain idle for
    :data:`IDLE_PING_SECONDS`; a dead one is replaced before the caller sees it.

    A busy server uses its connections every few seconds, and a ping on every checkout
    (``pool_pre_ping``) was a round trip to the database before each answer was recorded.
    A connection left idle is the one a database restart, a failover or a firewall may
    have closed; one that dies while in use costs that one write (logged; the answer
    still goes out) and the pool then replaces every connection opened before it."""

    def checked_in(_dbapi: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_out(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as exc:
            # the pool discards the connection and checks out a fresh one
            raise sa.exc.DisconnectionError(str(exc)) from exc

    sa.event.listen(engine, "checkin", checked_in)
    sa.event.listen(engine, "checkout", checked_out)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    # Commits reach the write-ahead log without an fsync each; the log is synced at each
    # checkpoint. A process that crashes or is killed loses nothing; a power cut or an
    # operating-system crash can lose the last commits (rows are never corrupted). Each
    # answer is a commit, and its fsync was the largest wait in /api/ask.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    """A database: call :meth:`upgrade` once, then the functions of the store modules."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def version(self) -> int:
        """The schema version applied (0 for an empty database)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(schema.schema_version.name):
                return 0
            found = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version)))
            return int(found.scalar() or 0)

    def upgrade(self) -> list[int]:
        """Apply the migrations not yet applied; the versions applied now."""
        applied = []
        with self.engine.begin() as conn:
            schema.schema_version.create(conn, checkfirst=True)
            current = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version)))
            done = int(current.scalar() or 0)
            for version in sorted(v for v in MIGRATIONS if v > done):
                MIGRATIONS[version](conn)
                conn.execute(
                    schema.schema_version.insert().values(version=version, applied_at=utcnow())
                )
                applied.append(version)
        return applied

    def healthy(self) -> bool:
        """Whether the database answers now (for /healthz)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.select(1))
            return True
        except SQLAlchemyError:
            return False

    def purge(self, retention_days: int) -> dict[str, int]:
        """Delete what is older than the retention period, and expired sessions; counts."""
        cutoff = utcnow() - timedelta(days=retention_days)
        now = utcnow()
        steps = {
            "answers": schema.answers.delete().where(schema.answers.c.asked_at < cutoff),
            "search_misses": schema.search_misses.delete().where(
                schema.search_misses.c.searched_at < cutoff
            ),
            "login_attempts": schema.login_attempts.delete().where(
                schema.login_attempts.c.attempted_at < cutoff
            ),
            "audit": schema.audit.delete().where(schema.audit.c.at < cutoff),
            "sessions": schema.sessions.delete().where(schema.sessions.c.expires_at < now),
        }
        counts = {}
        with self.engine.begin() as conn:
            for name, statement in steps.items():
                counts[name] = conn.execute(statement).rowcount
        return counts


_stores: dict[str, Store] = {}
_urls: dict[tuple[str, Path], str] = {}
_lock = threading.Lock()


def get_store(settings: Settings) -> Store:
    """The process's store for the configured database (created on first use)."""
    url = _url_of(settings)
    found = _stores.get(url)
    if found is not None:
        return found
    with _lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]


def _after_fork() -> None:
    """A forked worker must not share its parent's connections (SQLAlchemy's advice)."""
    for store in _stores.values():
        store.engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork)


class Purging:
    """The purge thread. :meth:`stop` ends it and waits for a purge under way to finish,
    so no connection is still checked out when the caller disposes of the engine."""

    def __init__(self, store: Store, retention_days: int, every_seconds: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(store, retention_days, every_seconds), name="pair-purge"
        )
        self._thread.daemon = True
        self._thread.start()

    def _run(self, store: Store, retention_days: int, every_seconds: float) -> None:
        while not self._stop.is_set():
            try:
                counts = store.purge(retention_days)
                log.info("retention purge: %s", counts)
            except SQLAlchemyError as exc:
                log.warning("retention purge failed: database unavailable (%s)", type(exc).__name__)
            self._stop.wait(every_seconds)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


def start_purging(store: Store, retention_days: int, every_seconds: float = 86_400) -> Purging:
    """Purge now and then once a day, in a daemon thread; a failure is logged and retried."""
    return Purging(store, retention_days, every_seconds)


def secret_key(settings: Settings) -> str:
    """``PAIR_SECRET_KEY``, or a random key kept in the instance folder (shared by workers)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.instance_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(os.urandom(32).hex())
        try:
            os.link(draft, path)  # atomic: the first process to get here wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()
