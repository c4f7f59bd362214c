"""``pair-assistant db`` and ``pair-assistant users`` on a fresh instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main

PASSWORD = "a long enough passphrase"


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {"PAIR_INSTANCE_DIR": str(tmp_path)}


def run(runner: CliRunner, env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = runner.invoke(main, list(args), env=env, input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def fail(runner: CliRunner, env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = runner.invoke(main, list(args), env=env, input=stdin)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.output


def test_db_upgrade_then_users_lifecycle(runner: CliRunner, env: dict[str, str]) -> None:
    assert "Applied schema version(s) 1, 2 on sqlite" in run(runner, env, "db", "upgrade")
    assert "latest schema version" in run(runner, env, "db", "upgrade")
    assert "No accounts yet" in run(runner, env, "users", "list")
    out = run(runner, env, "users", "add", "Ann@Trust.nhs.uk", "--role", "admin", stdin=PASSWORD)
    assert "Added ann@trust.nhs.uk (admin)" in out
    assert "ann@trust.nhs.uk\tadmin\tactive\tlast sign-in never" in run(
        runner, env, "users", "list"
    )
    assert "Disabled ann@trust.nhs.uk" in run(runner, env, "users", "disable", "ann@trust.nhs.uk")
    assert "\tdisabled\t" in run(runner, env, "users", "list")
    assert "Enabled" in run(runner, env, "users", "enable", "ann@trust.nhs.uk")
    out = run(runner, env, "users", "reset", "ann@trust.nhs.uk", stdin="another long passphrase")
    assert "Set a new password for ann@trust.nhs.uk" in out
    assert "answers: 0" in run(runner, env, "db", "purge")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("users", "add", "nobody"), PASSWORD, "'nobody' is not an email address"),
        (("users", "add", "a@b.nhs.uk"), "short", "the password must have at least 12 characters"),
        (("users", "disable", "x@b.nhs.uk"), "", "there is no account for x@b.nhs.uk"),
        (("users", "reset", "x@b.nhs.uk"), PASSWORD, "there is no account for x@b.nhs.uk"),
    ],
)
def test_bad_user_commands_say_why_in_one_line(
    runner: CliRunner, env: dict[str, str], args: tuple[str, ...], stdin: str, message: str
) -> None:
    run(runner, env, "db", "upgrade")
    assert f"Error: {message}" in fail(runner, env, *args, stdin=stdin)


def test_an_unreachable_database_is_one_clear_line(runner: CliRunner) -> None:
    env = {"PAIR_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    out = fail(runner, env, "db", "upgrade")
    assert "cannot upgrade: the database at postgresql+psycopg://nobody@127.0.0.1:1/none" in out
