"""Issued certificates: the PDF read back (text, and the QR code decoded to the verification URL), the public
verification page, one number per person and opportunity (also under concurrent first downloads), revocation by
staff, the Spanish certificate, and the transcript's certificate numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from csi_events.attendance.models import Certificate
from csi_events.attendance.services import NUMBER_PATTERN, issue_certificate, new_number, normalize_number
from csi_events.audit.models import AuditEvent
from csi_events.extensions import db as _db
from csi_events.links import make_token
from csi_events.models import CheckIn
from csi_events.people.models import Person
from csi_events.registrations.models import Registration
from tests.concurrency import run_concurrently
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user
from tests.pdf_reading import pdf_qr_codes, pdf_text

START = datetime(2024, 9, 10, 16, 0, tzinfo=UTC)
TITLE = "Family Engagement Workshop"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _check_in(db, person, opp, index: int = 0) -> None:
    session = opp.sessions[index]
    registration = db.session.scalar(
        select(Registration).where(Registration.opportunity_id == opp.id, Registration.person_id == person.id)
    ) or make_registration(opp, person)
    db.session.add(
        CheckIn(
            session_id=session.id,
            person_id=person.id,
            registration_id=registration.id,
            checked_in_at=session.starts_at,
            method="qr",
        )
    )
    db.session.commit()


def _attended(db, sessions: int = 1, **person):
    school = make_school(make_lea(name="Sunny Unified"), name="Hillside Elementary")
    person = make_person(first_name="Ana", last_name="Lopez", email="ana.lopez@example.org", school=school, **person)
    opp = make_opportunity(title=TITLE, starts_at=START, sessions=sessions)
    _check_in(db, person, opp)
    return person, opp


def _own_pdf(client, person, opp, lang: str = "en"):
    token = make_token("manage", {"p": person.id})
    return client.get(f"/me/{token}/certificates/{opp.id}.pdf?lang={lang}")


def _certificates(db) -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def test_pdf_names_the_figures_and_its_qr_code_opens_the_verification_page(app, db, client):
    person, opp = _attended(db)
    response = _own_pdf(client, person, opp)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [certificate] = _certificates(db)
    assert NUMBER_PATTERN.match(certificate.number)
    assert response.headers["Content-Disposition"].endswith(f'filename="certificate-{certificate.number}.pdf"')
    text = squash(" ".join(pdf_text(response.data)))
    assert "Certificate of Attendance" in text and "Greater Los Angeles R-TAC" in text
    assert f"This certifies that Ana Lopez attended {TITLE}" in text
    assert "Professional development hours earned: 2.00" in text and "September 10, 2024" in text
    assert certificate.number in text

    [codes] = pdf_qr_codes(response.data)
    assert codes == [f"http://testserver/verify/{certificate.number}"]
    page = client.get(urlsplit(codes[0]).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in (certificate.number, "Ana Lopez", TITLE, "2.00", "Valid"):
        assert shown in html
    for hidden in ("ana.lopez@example.org", "Hillside Elementary", "Sunny Unified", "Revoked"):
        assert hidden not in html
    assert page.headers["Cache-Control"] == "no-store"


def test_the_same_number_on_every_download_and_figures_follow_the_attendance(app, db, client):
    person, opp = _attended(db, sessions=2)
    first = pdf_text(_own_pdf(client, person, opp).data)[0]
    second = pdf_text(_own_pdf(client, person, opp).data)[0]
    [certificate] = _certificates(db)
    assert certificate.number in first and certificate.number in second
    assert certificate.pd_hours == 2 and certificate.sessions_attended == 1 and certificate.reissued_at is None

    _check_in(db, person, opp, index=1)  # the second session attended after the first download
    text = squash(pdf_text(_own_pdf(client, person, opp).data)[0])
    [again] = _certificates(db)
    assert again.number == certificate.number and again.pd_hours == 4 and again.sessions_attended == 2
    assert again.reissued_at is not None
    assert "Professional development hours earned: 4.00" in text and "Sessions attended: 2 of 2" in text
    assert "4.00" in client.get(f"/verify/{again.number}").get_data(as_text=True)


def test_concurrent_first_downloads_issue_one_certificate(app, db):
    person, opp = _attended(db)
    person_id, opp_id = person.id, opp.id

    def download(_i):
        issued = issue_certificate(_db.session.get(Person, person_id), opp_id)
        _db.session.commit()
        return issued.number

    numbers, errors = run_concurrently(app, 6, download)
    assert errors == []
    assert len(set(numbers)) == 1
    assert [c.number for c in _certificates(db)] == [numbers[0]]


def test_numbers_are_random_and_read_forgivingly(app):
    numbers = {new_number() for _ in range(50)}
    assert len(numbers) == 50 and all(NUMBER_PATTERN.match(n) for n in numbers)
    year = datetime.now(UTC).year
    assert all(n.startswith(("CSI-", f"CSI-{year}-", f"CSI-{year - 1}-")) for n in numbers)
    assert normalize_number(" csi-2026-7k3f9q ") == "CSI-2026-7K3F9Q"
    assert normalize_number("CSI-2026-7K3F9O") is None  # no O in the alphabet
    assert normalize_number("1; drop table") is None


def test_unknown_number_is_a_clear_404(app, db, client):
    for path in ("/verify/CSI-2026-ZZZZZZ", "/verify/not-a-number", "/verify/" + "x" * 300):
        response = client.get(path)
        assert response.status_code == 404
        assert "No certificate has the number" in response.get_data(as_text=True)


def test_staff_revoke_with_a_reason_then_the_page_says_revoked(app, db, client, login):
    person, opp = _attended(db)
    _own_pdf(client, person, opp)
    [certificate] = _certificates(db)
    staff = login(make_user("staff"))
    url = f"/staff/certificates/{certificate.id}/revoke"

    missing = client.post(url, data={"reason": "  ", "back": "person"})
    assert missing.status_code == 422 and "Give the reason" in missing.get_data(as_text=True)
    assert _certificates(db)[0].revoked_at is None

    response = client.post(url, data={"reason": "Checked in by mistake", "back": "opportunity"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/opportunities/{opp.id}/certificates")
    [revoked] = _certificates(db)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == staff.id
    assert revoked.revoke_reason == "Checked in by mistake"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
    assert event.actor_user_id == staff.id and event.target_id == str(certificate.id)
    assert event.details["number"] == certificate.number

    again = client.post(url, data={"reason": "twice", "back": "person"})
    assert again.status_code == 409 and "revoked already" in again.get_data(as_text=True)

    page = client.get(f"/verify/{certificate.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "REVOKED" in html and "no longer valid" in html and "Valid:" not in html
    assert "Checked in by mistake" not in html  # the reason stays with staff

    # The educator's link refuses it; staff may still open it, marked REVOKED.
    refused = _own_pdf(client, person, opp)
    assert refused.status_code == 410 and certificate.number in refused.get_data(as_text=True)
    staff_copy = client.get(f"/staff/people/{person.id}/certificates/{opp.id}.pdf")
    assert staff_copy.status_code == 200 and "REVOKED" in " ".join(pdf_text(staff_copy.data))
    assert len(_certificates(db)) == 1


def test_staff_see_issued_certificates_and_only_staff_revoke(app, db, client, login):
    person, opp = _attended(db)
    _own_pdf(client, person, opp)
    [certificate] = _certificates(db)
    facilitator = make_user("facilitator")
    opp.facilitators.append(facilitator)
    db.session.commit()
    login(facilitator)
    assert client.get(f"/staff/opportunities/{opp.id}/certificates").status_code == 403
    assert client.post(f"/staff/certificates/{certificate.id}/revoke", data={"reason": "x"}).status_code == 403
    assert _certificates(db)[0].revoked_at is None

    login(make_user("staff"))
    for path in (f"/staff/opportunities/{opp.id}/certificates", f"/staff/people/{person.id}"):
        html = client.get(path).get_data(as_text=True)
        assert certificate.number in html and f'action="/staff/certificates/{certificate.id}/revoke"' in html
    assert client.get("/staff/opportunities/999999/certificates").status_code == 404
    assert client.post("/staff/certificates/999999/revoke", data={"reason": "x"}).status_code == 404


def test_spanish_certificate(app, db, client):
    person, opp = _attended(db)
    text = squash(pdf_text(_own_pdf(client, person, opp, lang="es").data)[0])
    assert "Certificado de Asistencia" in text and f"Se certifica que Ana Lopez asistió a {TITLE}" in text
    assert "Horas de desarrollo profesional obtenidas: 2,00" in text and "10 de septiembre de 2024" in text
    assert "Número de certificado" in text
    page = client.get(f"/verify/{_certificates(db)[0].number}?lang=es").get_data(as_text=True)
    assert "Verificación de certificado" in page and "Válido" in page


def test_signer_and_images_from_the_settings(app, db, client, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 60), (11, 79, 138)).save(logo)
    settings = {
        "CERTIFICATE_LOGO_PATH": str(logo),
        "CERTIFICATE_SIGNATURE_PATH": str(tmp_path / "missing.png"),  # left out, the PDF is still made
        "CERTIFICATE_SIGNER_NAME": "Dr. Jane Rivera",
        "CERTIFICATE_SIGNER_TITLE": "Director",
    }
    saved = {k: app.config.get(k) for k in settings}
    app.config.update(settings)
    try:
        person, opp = _attended(db)
        response = _own_pdf(client, person, opp)
    finally:
        app.config.update(saved)
    text = squash(pdf_text(response.data)[0])
    assert "Dr. Jane Rivera" in text and "Director" in text
    assert b"/Subtype /Image" in response.data


def test_transcript_lists_certificate_numbers_and_leaves_out_revoked_hours(app, db, client, login):
    person, opp = _attended(db)
    other = make_opportunity(title="Integrated Supports Webinar", starts_at=START + timedelta(days=3))
    _check_in(db, person, other)
    _own_pdf(client, person, opp)
    [certificate] = _certificates(db)
    login(make_user("staff"))
    text = squash(" ".join(pdf_text(client.get(f"/staff/people/{person.id}/transcript/2024.pdf").data)))
    assert certificate.number in text and "Total PD hours: 4.00" in text
    client.post(f"/staff/certificates/{certificate.id}/revoke", data={"reason": "wrong person", "back": "person"})
    text = squash(" ".join(pdf_text(client.get(f"/staff/people/{person.id}/transcript/2024.pdf").data)))
    assert f"{certificate.number} (revoked)" in text and "Total PD hours: 2.00" in text
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1  # a transcript issues none


def test_verification_is_rate_limited_like_other_public_lookups(app, db, database_url):
    import uuid

    from tests.test_security_web import _limited_app

    limited = _limited_app(database_url, "memory://", f"v-{uuid.uuid4().hex}")
    limited.config["ABUSE_RATE_LIMITS"] = {"attendance.verify_certificate": "2 per minute"}
    client = limited.test_client()
    assert [client.get(f"/verify/CSI-2026-ZZZZZ{c}").status_code for c in "234"] == [404, 404, 429]
