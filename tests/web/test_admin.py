"""The curator area: sign-in, CSRF, lockout, expiry, roles, the inbox, CSV and insight."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.store import accounts, schema
from assistant.store.answers import inbox
from assistant.store.database import Store, get_store, utcnow
from assistant.web import create_app

PASSWORD = "a long curator passphrase"
CAKE = "What is the best recipe for lemon drizzle cake?"
SPONGE = "How do I bake a Victoria sponge cake?"
ANSWERED = "How many specialised parent-infant teams are in England?"


@pytest.fixture()
def admin_app(settings: Settings, engine: Engine, tmp_path: Path) -> Flask:
    own = replace(settings, instance_dir=tmp_path)
    store = get_store(own)
    store.upgrade()
    accounts.add_user(store, "cur@trust.nhs.uk", "curator", PASSWORD)
    accounts.add_user(store, "boss@trust.nhs.uk", "admin", PASSWORD)
    return create_app({"TESTING": True}, settings=own)


def db(app: Flask) -> Store:
    return get_store(app.extensions["pair.settings"])


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: FlaskClient, email: str = "cur@trust.nhs.uk", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/admin/login").get_data(as_text=True)
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf": csrf_of(form)}
    )


def test_pages_redirect_to_sign_in_and_json_answers_401(admin_app: Flask) -> None:
    client = admin_app.test_client()
    for path in (
        "/admin/",
        "/admin/inbox",
        "/admin/insight",
        "/admin/cards",
        "/admin/users",
        "/admin/audit",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")
    for path in ("/admin/api/inbox", "/admin/api/cards", "/admin/inbox.csv"):
        response = client.get(path)
        assert response.status_code == 401
        if path.startswith("/admin/api/"):
            assert response.get_json()["error"]["code"] == "sign_in_required"
    assert client.post("/admin/inbox/1", data={"status": "covered"}).status_code == 302


def test_sign_in_sets_a_strict_session_cookie_on_admin_only(admin_app: Flask) -> None:
    client = admin_app.test_client()
    login = client.get("/admin/login")
    assert "Path=/admin" in login.headers["Set-Cookie"]
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/inbox"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("pair_admin="))
    assert "Path=/admin" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie and "Expires" not in cookie  # plain http; dies with the browser
    page = client.get("/admin/inbox")
    assert page.status_code == 200 and "cur@trust.nhs.uk (curator)" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_the_cookie_is_secure_behind_https(admin_app: Flask) -> None:
    client = admin_app.test_client()
    form = client.get("/admin/login", base_url="https://localhost").get_data(as_text=True)
    response = client.post(
        "/admin/login",
        base_url="https://localhost",
        data={"email": "cur@trust.nhs.uk", "password": PASSWORD, "csrf": csrf_of(form)},
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("pair_admin="))
    assert "Secure" in cookie


def test_wrong_password_is_refused_without_saying_which_part(admin_app: Flask) -> None:
    response = sign_in(admin_app.test_client(), password="not the password")
    assert response.status_code == 401
    assert "The email address or password is wrong." in response.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account(admin_app: Flask) -> None:
    client = admin_app.test_client()
    for _ in range(accounts.LOCK_AFTER):
        assert sign_in(client, password="not the password").status_code == 401
    locked = sign_in(client)
    assert locked.status_code == 401 and "locked" in locked.get_data(as_text=True)
    assert [e.action for e in accounts.audit_log(db(admin_app))] == ["lockout"]


def test_sign_in_without_the_form_token_is_refused(admin_app: Flask) -> None:
    client = admin_app.test_client()
    response = client.post("/admin/login", data={"email": "cur@trust.nhs.uk", "password": PASSWORD})
    assert response.status_code == 400
    assert not any(c.startswith("pair_admin=") for c in response.headers.getlist("Set-Cookie"))


def test_a_form_without_the_csrf_token_is_refused(admin_app: Flask) -> None:
    client = admin_app.test_client()
    client.post("/api/ask", json={"message": CAKE})
    sign_in(client)
    [item] = inbox(db(admin_app))
    for token in ({}, {"csrf": "forged"}):
        response = client.post(f"/admin/inbox/{item.id}", data={"status": "out_of_scope", **token})
        assert response.status_code == 400
        assert "This form has expired" in response.get_data(as_text=True)
    assert inbox(db(admin_app))[0].status == "new"


def test_a_session_expires_after_the_idle_time(admin_app: Flask) -> None:
    client = admin_app.test_client()
    sign_in(client)
    with db(admin_app).engine.begin() as conn:
        conn.execute(schema.sessions.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    response = client.get("/admin/inbox")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in page


def test_sign_out_ends_the_session(admin_app: Flask) -> None:
    client = admin_app.test_client()
    page = sign_in(client) and client.get("/admin/inbox").get_data(as_text=True)
    assert client.post("/admin/logout", data={"csrf": csrf_of(page)}).status_code == 303
    assert client.get("/admin/inbox").status_code == 302
    assert [e.action for e in accounts.audit_log(db(admin_app))][:2] == ["sign_out", "sign_in"]


def test_a_curator_cannot_manage_users(admin_app: Flask) -> None:
    client = admin_app.test_client()
    page = sign_in(client) and client.get("/admin/inbox").get_data(as_text=True)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    boss = accounts.get_user(db(admin_app), "boss@trust.nhs.uk")
    response = client.post(f"/admin/users/{boss.id}/disable", data={"csrf": csrf_of(page)})
    assert response.status_code == 403
    assert not accounts.get_user(db(admin_app), "boss@trust.nhs.uk").disabled


def test_an_admin_disables_a_curator_and_it_is_audited(admin_app: Flask) -> None:
    curator, boss = admin_app.test_client(), admin_app.test_client()
    sign_in(curator)
    sign_in(boss, "boss@trust.nhs.uk")
    page = boss.get("/admin/users").get_data(as_text=True)
    assert "cur@trust.nhs.uk" in page
    cur = accounts.get_user(db(admin_app), "cur@trust.nhs.uk")
    boss.post(f"/admin/users/{cur.id}/disable", data={"csrf": csrf_of(page)})
    assert curator.get("/admin/inbox").status_code == 302  # signed out at once
    audit = boss.get("/admin/audit").get_data(as_text=True)
    assert "disable_user" in audit and "cur@trust.nhs.uk" in audit


def test_the_inbox_groups_similar_questions_into_themes(admin_app: Flask) -> None:
    client = admin_app.test_client()
    for q in (CAKE, SPONGE, "Which football team won the FA cup in 1990?"):
        assert client.post("/api/ask", json={"message": q}).get_json()["abstained"]
    sign_in(client)
    data = client.get("/admin/api/inbox").get_json()
    sizes = sorted(len(t["items"]) for t in data["themes"])
    assert sizes == [1, 2], data
    page = client.get("/admin/inbox").get_data(as_text=True)
    assert "3 questions in 2 themes" in page and CAKE in page


def test_triage_marks_covered_by_a_real_passage_or_card(admin_app: Flask, engine: Engine) -> None:
    client = admin_app.test_client()
    client.post("/api/ask", json={"message": CAKE})
    sign_in(client)
    page = client.get("/admin/inbox").get_data(as_text=True)
    [item] = inbox(db(admin_app))
    form = {"csrf": csrf_of(page), "status": "covered", "covered_by": "nope", "note": "cakes"}
    bad = client.post(f"/admin/inbox/{item.id}", data=form)
    assert bad.status_code == 422 and "no passage or card with the id nope" in bad.get_data(
        as_text=True
    )
    passage = engine.index.passages[0].id
    good = client.post(f"/admin/inbox/{item.id}", data={**form, "covered_by": passage})
    assert good.status_code == 303
    [done] = inbox(db(admin_app), status="covered")
    assert (done.covered_by, done.note, done.reviewed_by) == (passage, "cakes", "cur@trust.nhs.uk")
    assert any(e.action == "triage" for e in accounts.audit_log(db(admin_app)))


def test_csv_export_has_every_column_and_defuses_formulas(admin_app: Flask) -> None:
    client = admin_app.test_client()
    client.post("/api/ask", json={"message": '=HYPERLINK("http://x") cake recipe?'})
    sign_in(client)
    response = client.get("/admin/inbox.csv?status=any")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["question"].startswith("'=HYPERLINK")
    assert rows[0]["kind"] == "refused" and rows[0]["status"] == "new"


def test_insight_shows_totals_as_charts_with_tables(admin_app: Flask) -> None:
    client = admin_app.test_client()
    ids = [
        client.post("/api/ask", json={"message": q}).get_json()["answer_id"]
        for q in (ANSWERED, CAKE)
    ]
    client.post("/api/feedback", json={"answer_id": ids[0], "helpful": True})
    assert client.get("/search?q=xyzzyplugh+07700+900123").status_code == 200
    sign_in(client)
    page = client.get("/admin/insight").get_data(as_text=True)
    assert page.count("<svg") >= 4 and page.count("<table") >= 8
    assert "Questions per day" in page and "Most-cited passages" in page
    assert re.search(r"<dt>Questions</dt><dd>2</dd>", page)
    assert re.search(r"<dt>Answered</dt><dd>50%</dd>", page)
    assert re.search(r"<dt>Searches with no result</dt><dd>1</dd>", page)
    assert "xyzzyplugh [phone number]" in page
    bad = client.get("/admin/insight?from=yesterday")
    assert bad.status_code == 422 and "Enter dates as YYYY-MM-DD." in bad.get_data(as_text=True)
    empty = client.get("/admin/insight?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    assert re.search(r"<dt>Questions</dt><dd>0</dd>", empty)


def test_next_never_leaves_the_admin_area(admin_app: Flask) -> None:
    client = admin_app.test_client()
    form = client.get("/admin/login?next=https://evil.example/").get_data(as_text=True)
    response = client.post(
        "/admin/login",
        data={"email": "cur@trust.nhs.uk", "password": PASSWORD, "csrf": csrf_of(form),
              "next": "https://evil.example/"},
    )  # fmt: skip
    assert response.headers["Location"] == "/admin/inbox"
