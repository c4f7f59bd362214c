"""The tables. Times are naive UTC; ids of answers are never shown (answer ids are signed).

What is stored about an answer is its metadata (kind, confidence, journey step, cited
passages or card); its question text only after scrubbing and only when
``PAIR_STORE_QUESTIONS`` allows, and never for a signposted (parent or urgent) question.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # a random key made when the answer is given, before its row is written: its answer_id
    # names it (rows from before schema version 2 have none and are named by id)
    sa.Column("ref", sa.String(32), index=True, unique=True),
    sa.Column("asked_at", sa.DateTime, nullable=False, index=True),
    # card, extract, refused or signposted
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("node", sa.String(80)),
    sa.Column("card_id", sa.String(120)),
    # the cited passage ids, comma-separated, best first
    sa.Column("passage_ids", sa.String(400), nullable=False, default=""),
    # scrubbed question text, only when the storage setting allows it
    sa.Column("question", sa.Text),
    sa.Column("helpful", sa.Boolean),
    sa.Column("comment", sa.Text),
    sa.Column("feedback_at", sa.DateTime),
    # the curators' triage: new, covered, needs_evidence or out_of_scope
    sa.Column("status", sa.String(20), nullable=False, default="new"),
    sa.Column("covered_by", sa.String(120)),
    sa.Column("note", sa.Text),
    sa.Column("reviewed_by", sa.String(320)),
    sa.Column("reviewed_at", sa.DateTime),
)

search_misses = sa.Table(
    "search_misses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("searched_at", sa.DateTime, nullable=False, index=True),
    # scrubbed query text, only when the storage setting allows it
    sa.Column("query", sa.Text),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    # curator or admin
    sa.Column("role", sa.String(16), nullable=False),
    # argon2id; empty for accounts that only sign in with single sign-on
    sa.Column("password_hash", sa.String(200)),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime),
)

sessions = sa.Table(
    "sessions",
    metadata,
    # SHA-256 of the cookie's token: a copy of the table cannot sign anyone in
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("attempted_at", sa.DateTime, nullable=False, index=True),
    # SHA-256 of the client address: enough to throttle, not to identify
    sa.Column("address_hash", sa.String(64), nullable=False, index=True),
    sa.Column("ok", sa.Boolean, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(320), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)

# Version 1 of the schema: every table above (version 2 adds ``answers.ref``).
VERSION_1 = (
    answers,
    search_misses,
    users,
    sessions,
    login_attempts,
    audit,
)
