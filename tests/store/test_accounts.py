"""Accounts: argon2 hashes, lockout, throttling, sessions and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from assistant.errors import NotFound, ValidationError
from assistant.store import accounts, schema
from assistant.store.accounts import SignInRefused, authenticate
from assistant.store.database import Store, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture()
def curator(store: Store) -> accounts.User:
    return accounts.add_user(store, "Curator@Trust.nhs.uk", "curator", PASSWORD)


def test_passwords_are_stored_as_argon2id_hashes(store: Store, curator: accounts.User) -> None:
    with store.engine.connect() as conn:
        hashed = conn.execute(sa.select(schema.users.c.password_hash)).scalar_one()
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert curator.email == "curator@trust.nhs.uk"


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "curator", PASSWORD, "is not an email address"),
        ("a@b.nhs.uk", "owner", PASSWORD, "the role must be one of curator, admin"),
        ("a@b.nhs.uk", "admin", "short", "at least 12 characters"),
    ],
)
def test_bad_accounts_are_refused(
    store: Store, email: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        accounts.add_user(store, email, role, password)


def test_an_email_has_one_account(store: Store, curator: accounts.User) -> None:
    with pytest.raises(ValidationError, match="already an account"):
        accounts.add_user(store, "curator@trust.nhs.uk", "admin", PASSWORD)


def test_sign_in_with_the_right_password(store: Store, curator: accounts.User) -> None:
    user = authenticate(store, "curator@trust.nhs.uk", PASSWORD, "10.0.0.1")
    assert user.id == curator.id and user.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("curator@trust.nhs.uk", "wrong password!"), ("nobody@x.nhs.uk", PASSWORD)],
)
def test_wrong_password_and_unknown_account_look_the_same(
    store: Store, curator: accounts.User, email: str, password: str
) -> None:
    with pytest.raises(SignInRefused, match="The email address or password is wrong"):
        authenticate(store, email, password, "10.0.0.1")


def test_five_failures_lock_the_account_until_an_admin_resets_it(
    store: Store, curator: accounts.User
) -> None:
    for _ in range(accounts.LOCK_AFTER):
        with pytest.raises(SignInRefused, match="wrong"):
            authenticate(store, curator.email, "wrong password!", "10.0.0.2")
    with pytest.raises(SignInRefused, match="locked"):
        authenticate(store, curator.email, PASSWORD, "10.0.0.3")
    assert [e.action for e in accounts.audit_log(store)] == ["lockout"]
    accounts.reset_password(store, curator.email, "a brand new passphrase")
    assert authenticate(store, curator.email, "a brand new passphrase", "10.0.0.3").id == curator.id


def test_many_failures_from_one_address_are_throttled(store: Store, curator: accounts.User) -> None:
    for n in range(accounts.THROTTLE_FAILURES):
        with pytest.raises(SignInRefused):
            authenticate(store, f"user{n}@x.nhs.uk", "wrong password!", "10.0.0.9")
    with pytest.raises(SignInRefused, match="Too many failed sign-ins"):
        authenticate(store, curator.email, PASSWORD, "10.0.0.9")
    assert authenticate(store, curator.email, PASSWORD, "10.0.0.10").id == curator.id


def test_a_disabled_account_cannot_sign_in_and_loses_its_sessions(
    store: Store, curator: accounts.User
) -> None:
    token = accounts.start_session(store, curator, 30)
    assert accounts.find_session(store, token, 30) is not None
    accounts.set_disabled(store, curator.email, True)
    assert accounts.find_session(store, token, 30) is None
    with pytest.raises(SignInRefused, match="disabled"):
        authenticate(store, curator.email, PASSWORD, "10.0.0.1")


def test_sessions_expire_after_the_idle_time(store: Store, curator: accounts.User) -> None:
    token = accounts.start_session(store, curator, 30)
    session = accounts.find_session(store, token, 30)
    assert session is not None and session.user.email == curator.email and session.csrf
    with store.engine.begin() as conn:
        conn.execute(schema.sessions.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert accounts.find_session(store, token, 30) is None
    assert accounts.find_session(store, "forged", 30) is None


def test_tokens_are_stored_hashed(store: Store, curator: accounts.User) -> None:
    token = accounts.start_session(store, curator, 30)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.sessions.c.token_hash)).scalar_one()
    assert stored != token and len(stored) == 64


def test_unknown_accounts_are_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match=r"no account for x@y\.nhs\.uk"):
        accounts.set_disabled(store, "x@y.nhs.uk", True)
