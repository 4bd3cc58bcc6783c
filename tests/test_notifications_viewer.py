"""The staff's development mail viewer (/staff/mail): file backend only, staff only, no path tricks."""

from __future__ import annotations

import re

import pytest

from csi_events.db import commit
from csi_events.notifications.mailer import new_file_name
from csi_events.registrations.services import RegistrationInput, register
from tests.factories import make_opportunity, make_user


@pytest.fixture
def mail_folder(app, tmp_path):
    saved = app.config["MAIL_BACKEND"], app.config["MAIL_FILE_DIR"]
    folder = tmp_path / "mail"
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(folder))
    yield folder
    app.config["MAIL_BACKEND"], app.config["MAIL_FILE_DIR"] = saved


def sign_up(db, title: str, email: str, first: str = "Ana"):
    opp = make_opportunity(title=title, capacity=5)
    db.session.commit()
    outcome = register(opp, RegistrationInput(first_name=first, last_name="Reyes", email=email, role="teacher"))
    commit(db.session)
    return outcome.registration


def test_staff_list_and_read_messages(app, db, client, login, mail_folder):
    sign_up(db, "First <script>alert(1)</script>", "one@example.org", first="<img src=x onerror=alert(1)>")
    sign_up(db, "Second Opportunity", "two@example.org")
    login(make_user(role="staff"))

    page = client.get("/staff/mail")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "one@example.org" in body and "two@example.org" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert body.index("Second Opportunity") < body.index("First &lt;script&gt;")  # newest first
    names = re.findall(r'href="/staff/mail/([^"/]+)"', body)
    assert len(names) == 2 and names == sorted(names, reverse=True)

    first = sorted(mail_folder.glob("*.eml"))[0]
    shown = client.get(f"/staff/mail/{first.name}")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "one@example.org" in html
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # text part, escaped
    assert "ticket-qr.png" in html and "image/png" in html
    assert "text/calendar" in html and ".ics" in html
    assert f'<iframe sandbox="" src="/staff/mail/{first.name}/html"' in html

    frame = client.get(f"/staff/mail/{first.name}/html")
    assert frame.status_code == 200
    csp = frame.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert frame.headers["X-Content-Type-Options"] == "nosniff"
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    inner = frame.get_data(as_text=True)
    assert "data:image/png;base64," in inner and "cid:" not in inner
    assert "<img src=x onerror" not in inner


def test_path_tricks_and_unknown_files_are_404(app, db, client, login, mail_folder, tmp_path):
    sign_up(db, "Anything", "x@example.org")
    login(make_user(role="staff"))
    secret = tmp_path / "secret.eml"
    secret.write_text("To: a@b\nSubject: secret\n\nsecret")
    (mail_folder / "evil.eml").write_text("To: a@b\nSubject: evil\n\nevil")
    outside_link = mail_folder / new_file_name()
    outside_link.symlink_to(secret)

    for path in (
        "/staff/mail/..%2Fsecret.eml",
        "/staff/mail/%2E%2E%2Fsecret.eml",
        "/staff/mail/..",
        "/staff/mail/evil.eml",
        f"/staff/mail/{outside_link.name}",
        f"/staff/mail/{outside_link.name}/html",
        f"/staff/mail/{new_file_name()}",
        "/staff/mail/..%5Csecret.eml",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "secret" not in response.get_data(as_text=True).lower().replace("secret.eml", "")

    listing = client.get("/staff/mail").get_data(as_text=True)
    assert "evil" not in listing


def test_only_staff_and_only_with_the_file_backend(app, db, client, login, mail_folder):
    sign_up(db, "Guarded", "g@example.org")
    name = sorted(mail_folder.glob("*.eml"))[0].name

    anonymous = client.get("/staff/mail")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert client.get(f"/staff/mail/{name}").status_code == 302

    login(make_user(role="facilitator"))
    assert client.get("/staff/mail").status_code == 403
    assert client.get(f"/staff/mail/{name}/html").status_code == 403

    client.post("/auth/logout")
    login(make_user(role="admin"))
    assert client.get("/staff/mail").status_code == 200
    app.config["MAIL_BACKEND"] = "smtp"
    assert client.get("/staff/mail").status_code == 404
    assert client.get(f"/staff/mail/{name}").status_code == 404
