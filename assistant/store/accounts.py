"""Curator accounts: argon2id password hashes, lockout, throttling, sessions, audit log.

A session is a random token in a cookie; the table keeps only its SHA-256, with the
session's CSRF token and an expiry that moves on with each request (idle timeout).
Disabling an account ends its sessions. Everything is in the database, so any worker on
any host sees the same accounts, sessions and counters.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.errors import NotFound, ValidationError
from assistant.store import schema
from assistant.store.database import Store, utcnow

ROLES = ("curator", "admin")
MIN_PASSWORD = 12
LOCK_AFTER = 5  # failed sign-ins in a row lock an account ...
LOCK_MINUTES = 15  # ... for this long
THROTTLE_FAILURES = 20  # failed sign-ins from one address within THROTTLE_MINUTES
THROTTLE_MINUTES = 15
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    disabled: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    has_password: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires_at: datetime


def check_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise ValidationError(f"{email!r} is not an email address")
    return value


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def _user(row: sa.Row[tuple[object, ...]]) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        email=m["email"],
        role=m["role"],
        disabled=bool(m["disabled"]),
        locked_until=m["locked_until"],
        last_login_at=m["last_login_at"],
        has_password=bool(m["password_hash"]),
    )


def add_user(store: Store, email: str, role: str, password: str | None) -> User:
    """A new account; ``password`` None makes a single-sign-on-only account."""
    email, role = check_email(email), check_role(role)
    hashed = _hasher.hash(check_password(password)) if password is not None else None
    with store.engine.begin() as conn:
        if conn.execute(sa.select(schema.users.c.id).where(schema.users.c.email == email)).first():
            raise ValidationError(f"there is already an account for {email}")
        conn.execute(
            schema.users.insert().values(
                email=email,
                role=role,
                password_hash=hashed,
                disabled=False,
                failed_logins=0,
                created_at=utcnow(),
            )
        )
    return get_user(store, email)


def get_user(store: Store, email: str) -> User:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(schema.users).where(schema.users.c.email == email.strip().lower())
        ).first()
    if row is None:
        raise NotFound(f"there is no account for {email}")
    return _user(row)


def list_users(store: Store) -> list[User]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.users).order_by(schema.users.c.email))
        return [_user(r) for r in rows]


def set_disabled(store: Store, email: str, disabled: bool) -> User:
    """Disable (ending every session) or enable an account."""
    user = get_user(store, email)
    with store.engine.begin() as conn:
        conn.execute(
            schema.users.update().where(schema.users.c.id == user.id).values(disabled=disabled)
        )
        if disabled:
            conn.execute(schema.sessions.delete().where(schema.sessions.c.user_id == user.id))
    return get_user(store, email)


def reset_password(store: Store, email: str, password: str) -> User:
    """A new password; unlocks the account and ends its sessions."""
    user = get_user(store, email)
    hashed = _hasher.hash(check_password(password))
    with store.engine.begin() as conn:
        conn.execute(
            schema.users.update()
            .where(schema.users.c.id == user.id)
            .values(password_hash=hashed, failed_logins=0, locked_until=None)
        )
        conn.execute(schema.sessions.delete().where(schema.sessions.c.user_id == user.id))
    return get_user(store, email)


class SignInRefused(Exception):
    """Why a sign-in failed, in words fit to show (never whether the account exists);
    ``status`` is 429 when the address is throttled, else 401."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


WRONG = "The email address or password is wrong."


def authenticate(store: Store, email: str, password: str, address: str) -> User:
    """The account if the password is right; :class:`SignInRefused` otherwise.

    Too many failures from one address are refused before the password is looked at;
    LOCK_AFTER failures in a row lock the account for LOCK_MINUTES.
    """
    if throttled(store, address):
        raise SignInRefused(
            "Too many failed sign-ins from your network. Try again in 15 minutes.", 429
        )
    now = utcnow()
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(schema.users).where(schema.users.c.email == email.strip().lower())
        ).first()
    if row is None or row.password_hash is None:
        _hasher.hash(password or "-")  # the same work either way: timing tells nothing
        _attempt(store, address, ok=False)
        raise SignInRefused(WRONG)
    if row.locked_until is not None and row.locked_until > now:
        _attempt(store, address, ok=False)
        raise SignInRefused(
            "This account is locked after too many failed sign-ins. Try again later, or ask "
            "an administrator to reset the password."
        )
    if not _verify(row.password_hash, password):
        _failed(store, row.id, row.email, row.failed_logins + 1)
        _attempt(store, address, ok=False)
        raise SignInRefused(WRONG)
    if row.disabled:
        _attempt(store, address, ok=False)
        raise SignInRefused("This account is disabled. Ask an administrator.")
    _succeeded(store, row.id, row.password_hash, password)
    _attempt(store, address, ok=True)
    return get_user(store, row.email)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _failed(store: Store, user_id: int, email: str, count: int) -> None:
    values: dict[str, object] = {"failed_logins": count}
    if count >= LOCK_AFTER:
        values.update(failed_logins=0, locked_until=utcnow() + timedelta(minutes=LOCK_MINUTES))
    with store.engine.begin() as conn:
        conn.execute(schema.users.update().where(schema.users.c.id == user_id).values(**values))
    if count >= LOCK_AFTER:
        record(store, "system", "lockout", email, f"{count} failed sign-ins in a row")


def _succeeded(store: Store, user_id: int, hashed: str, password: str) -> None:
    values: dict[str, object] = {
        "failed_logins": 0,
        "locked_until": None,
        "last_login_at": utcnow(),
    }
    if _hasher.check_needs_rehash(hashed):
        values["password_hash"] = _hasher.hash(password)
    with store.engine.begin() as conn:
        conn.execute(schema.users.update().where(schema.users.c.id == user_id).values(**values))


def address_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _attempt(store: Store, address: str, ok: bool) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            schema.login_attempts.insert().values(
                attempted_at=utcnow(), address_hash=address_hash(address), ok=ok
            )
        )


def throttled(store: Store, address: str) -> bool:
    since = utcnow() - timedelta(minutes=THROTTLE_MINUTES)
    t = schema.login_attempts
    query = sa.select(sa.func.count()).where(
        t.c.address_hash == address_hash(address), t.c.attempted_at >= since, t.c.ok.is_(False)
    )
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0) >= THROTTLE_FAILURES


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user: User, minutes: int) -> str:
    """A new session for ``user``; the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(
            schema.sessions.insert().values(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
        )
    return token


def find_session(store: Store, token: str, minutes: int) -> Session | None:
    """The live session of ``token`` (its expiry moved on), or None if expired or unknown."""
    if not token:
        return None
    s, u = schema.sessions, schema.users
    key, now = _token_hash(token), utcnow()
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(s.c.csrf, s.c.expires_at, u)
            .join(u, u.c.id == s.c.user_id)
            .where(s.c.token_hash == key)
        ).first()
        if row is None:
            return None
        if row.expires_at <= now or row.disabled:
            conn.execute(s.delete().where(s.c.token_hash == key))
            return None
        expires = now + timedelta(minutes=minutes)
        conn.execute(s.update().where(s.c.token_hash == key).values(expires_at=expires))
    return Session(_user(row), row.csrf, expires)


def end_session(store: Store, token: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            schema.sessions.delete().where(schema.sessions.c.token_hash == _token_hash(token))
        )


def record(store: Store, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """One line of the audit log."""
    with store.engine.begin() as conn:
        conn.execute(
            schema.audit.insert().values(
                at=utcnow(), actor=actor, action=action, target=target, detail=detail[:2000]
            )
        )


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


def audit_log(store: Store, limit: int = 200) -> list[AuditEntry]:
    t = schema.audit
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(limit))
        return [AuditEntry(r.at, r.actor, r.action, r.target, r.detail) for r in rows]
