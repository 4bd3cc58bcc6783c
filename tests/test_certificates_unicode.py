"""Certificates and transcripts print any name DejaVu Sans can draw, exactly; a name in a script it cannot
draw (Chinese, Korean) still gives a PDF, with "?" where a character could not be printed."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from csi_events.links import make_token
from csi_events.models import CheckIn
from tests.factories import make_opportunity, make_person, make_registration, make_user
from tests.test_certificates import pdf_text, squash

NAMES = {
    "vietnamese": ("Nguyễn Thị", "Ánh"),
    "armenian": ("Անի", "Ոսկանյան"),
    "polish": ("Łukasz", "Żółć"),
    "cyrillic": ("Дмитрий", "Иванов"),
}
TITLE = "Gia đình và nhà trường — Семья и школа"


def _attended(db, first_name: str, last_name: str, title: str = "Family Night"):
    """A person who attended the one session (2024-09-10, school year 2024-25) of a 2-hour opportunity."""
    person = make_person(first_name=first_name, last_name=last_name)
    opp = make_opportunity(title=title, starts_at=datetime(2024, 9, 10, 16, 0, tzinfo=UTC))
    session = opp.sessions[0]
    registration = make_registration(opp, person)
    db.session.add(
        CheckIn(
            session_id=session.id,
            person_id=person.id,
            registration_id=registration.id,
            checked_in_at=session.starts_at - timedelta(minutes=5),
            method="qr",
        )
    )
    db.session.commit()
    return person, opp


@pytest.mark.parametrize("script", NAMES)
def test_certificate_and_transcript_print_the_exact_name(app, db, client, login, script):
    first, last = NAMES[script]
    person, opp = _attended(db, first, last, TITLE)
    login(make_user("staff"))

    certificate = squash(pdf_text(client.get(f"/staff/people/{person.id}/certificates/{opp.id}.pdf")))
    assert f"This certifies that {first} {last} attended {TITLE}" in certificate
    assert "Professional development hours earned: 2.00" in certificate

    transcript = squash(pdf_text(client.get(f"/staff/people/{person.id}/transcript/2024.pdf")))
    assert f"{first} {last}" in transcript
    assert "Total PD hours: 2.00" in transcript
    assert "?" not in certificate + transcript


def test_a_decomposed_name_prints_composed(app, db, client, login):
    """Names typed on some systems arrive as letters plus combining marks; the PDF has the usual letters."""
    person, opp = _attended(db, unicodedata.normalize("NFD", "Nguyễn Thị"), unicodedata.normalize("NFD", "Ánh"))
    login(make_user("staff"))
    text = squash(pdf_text(client.get(f"/staff/people/{person.id}/certificates/{opp.id}.pdf")))
    assert "This certifies that Nguyễn Thị Ánh attended" in text


@pytest.mark.parametrize(("first", "last"), [("小明", "Wang 王"), ("민준", "Kim")])
def test_a_name_in_a_script_without_glyphs_still_gives_a_pdf(app, db, client, login, first, last):
    person, opp = _attended(db, first, last)
    login(make_user("staff"))
    shown = "".join("?" if ord(ch) > 0x2FFF else ch for ch in f"{first} {last}")

    certificate = squash(pdf_text(client.get(f"/staff/people/{person.id}/certificates/{opp.id}.pdf")))
    assert f"This certifies that {shown} attended Family Night" in certificate

    transcript = squash(pdf_text(client.get(f"/staff/people/{person.id}/transcript/2024.pdf")))
    assert shown in transcript and "Total PD hours: 2.00" in transcript


def test_the_educator_link_prints_the_name_too(app, db, client):
    person, opp = _attended(db, "Łukasz", "Żółć")
    token = make_token("manage", {"p": person.id})
    text = squash(pdf_text(client.get(f"/me/{token}/certificates/{opp.id}.pdf")))
    assert "This certifies that Łukasz Żółć attended Family Night" in text


def test_a_missing_font_says_how_to_install_it(app, monkeypatch, tmp_path):
    from csi_events.attendance import transcripts

    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"DejaVuSans\.ttf not found .*make setup"):
        transcripts.transcript_pdf(make_person(), 2024)
