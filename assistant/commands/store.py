"""``pair-assistant db`` and ``pair-assistant users``: the database and curator accounts."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from assistant.config import Settings
from assistant.store import accounts
from assistant.store.database import LATEST, Store, get_store


def _store(ctx: click.Context) -> Store:
    settings: Settings = ctx.find_root().obj["settings"]
    return get_store(settings)


def _run(action: str, store: Store) -> None:
    """Turn a database failure into one clear line."""
    url = store.engine.url.render_as_string(hide_password=True)
    raise click.ClickException(f"cannot {action}: the database at {url} is unavailable")


@click.group()
def db() -> None:
    """The database of feedback, stored questions and curator accounts."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the tables to the latest schema (safe to run again)."""
    store = _store(ctx)
    try:
        applied = store.upgrade()
    except SQLAlchemyError:
        _run("upgrade", store)
    if applied:
        click.echo(f"Applied schema version(s) {', '.join(map(str, applied))} on {store.backend}.")
    else:
        click.echo(f"The {store.backend} database is at the latest schema version ({LATEST}).")


@db.command("purge")
@click.pass_context
def db_purge(ctx: click.Context) -> None:
    """Delete what is older than PAIR_RETENTION_DAYS now (the server does it daily)."""
    settings: Settings = ctx.find_root().obj["settings"]
    store = _store(ctx)
    try:
        counts = store.purge(settings.retention_days)
    except SQLAlchemyError:
        _run("purge", store)
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))


@click.group()
def users() -> None:
    """Curator and administrator accounts for /admin."""


def _password(prompt: str) -> str:
    """From the terminal (asked twice, hidden), or one line of standard input when piped."""
    if sys.stdin.isatty():
        value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\n")


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), default="curator", show_default=True)
@click.option("--sso-only", is_flag=True, help="No password: signs in only with single sign-on.")
@click.pass_context
def users_add(ctx: click.Context, email: str, role: str, sso_only: bool) -> None:
    """Add an account; the password is asked for (or read from standard input)."""
    store = _store(ctx)
    try:
        accounts.check_email(email)
        password = None if sso_only else accounts.check_password(_password("Password"))
        user = accounts.add_user(store, email, role, password)
        accounts.record(store, "cli", "add_user", user.email, f"role {role}")
    except SQLAlchemyError:
        _run("add the account", store)
    click.echo(f"Added {user.email} ({user.role}).")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Every account with its role and state."""
    store = _store(ctx)
    try:
        found = accounts.list_users(store)
    except SQLAlchemyError:
        _run("list the accounts", store)
    for u in found:
        state = "disabled" if u.disabled else "active"
        if u.locked_until is not None and not u.disabled:
            state += f", locked until {u.locked_until:%Y-%m-%d %H:%M} UTC"
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
        click.echo(f"{u.email}\t{u.role}\t{state}\tlast sign-in {last}")
    if not found:
        click.echo("No accounts yet: pair-assistant users add EMAIL --role admin")


@users.command("disable")
@click.argument("email")
@click.pass_context
def users_disable(ctx: click.Context, email: str) -> None:
    """Disable an account and end its sessions."""
    _set_disabled(ctx, email, True)


@users.command("enable")
@click.argument("email")
@click.pass_context
def users_enable(ctx: click.Context, email: str) -> None:
    """Enable a disabled account again."""
    _set_disabled(ctx, email, False)


def _set_disabled(ctx: click.Context, email: str, disabled: bool) -> None:
    store = _store(ctx)
    try:
        user = accounts.set_disabled(store, email, disabled)
        accounts.record(store, "cli", "disable_user" if disabled else "enable_user", user.email)
    except SQLAlchemyError:
        _run("change the account", store)
    click.echo(f"{'Disabled' if disabled else 'Enabled'} {user.email}.")


@users.command("reset")
@click.argument("email")
@click.pass_context
def users_reset(ctx: click.Context, email: str) -> None:
    """Set a new password: unlocks the account and ends its sessions."""
    store = _store(ctx)
    try:
        accounts.get_user(store, email)
        user = accounts.reset_password(store, email, _password("New password"))
        accounts.record(store, "cli", "reset_password", user.email)
    except SQLAlchemyError:
        _run("reset the password", store)
    click.echo(f"Set a new password for {user.email}; it is unlocked.")
