"""Certificates and transcripts: PD hours prorated by sessions attended; staff and the educator's own link."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from csi_events.links import make_token
from tests import report_fixture
from tests.factories import make_user


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_staff_certificate_prorates_pd_hours(app, client, login):
    world = report_fixture.build()
    login(make_user("staff"))
    p1, p3, o1 = world.people["p1"], world.people["p3"], world.opps["O1"]
    text = squash(pdf_text(client.get(f"/staff/people/{p1.id}/certificates/{o1.id}.pdf")))
    assert "Certificate of Attendance" in text
    assert "Ana Lopez" in text and "Family Engagement Workshop" in text
    assert "Sessions attended: 2 of 2" in text
    assert "Professional development hours earned: 4.00" in text
    text = squash(pdf_text(client.get(f"/staff/people/{p3.id}/certificates/{o1.id}.pdf")))
    assert "Cai Wong" in text and "Sessions attended: 1 of 2" in text and "hours earned: 2.00" in text
    # No attendance at that opportunity: no certificate.
    assert client.get(f"/staff/people/{p3.id}/certificates/{world.opps['O2'].id}.pdf").status_code == 404
    # A draft opportunity never counts.
    assert client.get(f"/staff/people/{p1.id}/certificates/{world.opps['O4'].id}.pdf").status_code == 404


def test_transcript_and_person_page(app, client, login):
    world = report_fixture.build()
    login(make_user("staff"))
    p4 = world.people["p4"]
    text = squash(pdf_text(client.get(f"/staff/people/{p4.id}/transcript/2024.pdf")))
    assert "Professional Development Transcript" in text and "2024-25" in text and "Dee Ruiz" in text
    assert "Integrated Supports Webinar" in text and "Extended Learning Series" in text
    assert "1.50" in text and "2.00" in text and "Total PD hours: 3.50" in text
    empty = squash(pdf_text(client.get(f"/staff/people/{p4.id}/transcript/2023.pdf")))
    assert "No attendance recorded" in empty

    p1 = world.people["p1"]
    html = client.get(f"/staff/people/{p1.id}").get_data(as_text=True)
    # p1 after the merge: O1 (both sessions, 4.00) + O2 (1.50); the draft O4 does not count.
    assert "2024-25" in html and "5.50" in html
    assert "ana.lopez+pd@example.org" in html  # the merged address is listed
    assert html.count("/certificates/") == 2
    assert "Draft Thing" in html  # its registration is listed, even though its attendance does not count


def test_educator_gets_own_pdfs_with_the_signed_link(app, client):
    world = report_fixture.build()
    p3, o3 = world.people["p3"], world.opps["O3"]
    token = make_token("manage", {"p": p3.id})
    text = squash(pdf_text(client.get(f"/me/{token}/certificates/{o3.id}.pdf")))
    assert "Cai Wong" in text and "Sessions attended: 3 of 3" in text and "hours earned: 6.00" in text
    text = squash(pdf_text(client.get(f"/me/{token}/transcript/2024.pdf")))
    assert "Total PD hours: 8.00" in text
    assert client.get(f"/me/{token}x/transcript/2024.pdf").status_code == 404
    assert client.get(f"/me/{token}/certificates/{world.opps['O2'].id}.pdf").status_code == 404
    # An old link of a merged person opens the survivor's certificates.
    old = make_token("manage", {"p": world.people["p6"].id})
    text = squash(pdf_text(client.get(f"/me/{old}/certificates/{world.opps['O2'].id}.pdf")))
    assert "Ana Lopez" in text


def test_api_person_attendance(app, client, login):
    world = report_fixture.build()
    login(make_user("staff"))
    body = client.get(f"/api/v1/people/{world.people['p3'].id}/attendance").get_json()
    assert body["totals"]["sessions"] == 4
    assert body["totals"]["pd_hours"] == 8.0
    assert [i["pd_hours"] for i in body["items"]] == [2.0, 2.0, 2.0, 2.0]
    assert client.get("/api/v1/people/999999/attendance").status_code == 404
