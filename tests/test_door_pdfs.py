"""Sign-in sheets and name badges, read back: their text, their page count, and every QR code decoding to
its ticket's URL."""

from __future__ import annotations

from csi_events.door.badges import BadgeStyle, badges_pdf
from csi_events.door.sheets import sign_in_sheet_pdf
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user
from tests.pdf_reading import pdf_qr_codes, pdf_text


def _people(opp, count, lea, school):
    regs = []
    for n in range(count):
        person = make_person(first_name=f"Ana{n:02d}", last_name=f"Zeta{count - n:02d}", lea=lea, school=school)
        regs.append(make_registration(opp, person))
    return regs


def _world(count=3):
    lea = make_lea(name="Harbor Unified")
    school = make_school(lea, name="Bayview Elementary")
    facilitator = make_user("facilitator", display_name="Rosa Facilitator")
    opp = make_opportunity(title="Family Engagement Basics", facilitators=[facilitator])
    regs = _people(opp, count, lea, school)
    return opp, regs


def test_sign_in_sheet_lists_confirmed_people_by_last_name_with_their_qr(app, db):
    opp, regs = _world(3)
    waiting = make_registration(opp, make_person(first_name="Wait", last_name="Aaron"), status="waitlisted")
    pdf = sign_in_sheet_pdf(opp.sessions[0])
    pages = pdf_text(pdf)
    assert len(pages) == 1
    page = pages[0]
    assert "Family Engagement Basics" in page
    assert "Rosa Facilitator" in page
    assert "Room 101" in page
    assert "Page 1 of 1" in page
    # sorted by last name: Zeta01 (Ana02) before Zeta03 (Ana00)
    assert page.index("Zeta01, Ana02") < page.index("Zeta02, Ana01") < page.index("Zeta03, Ana00")
    assert "Bayview Elementary, Harbor Unified" in " ".join(page.split())
    assert waiting.person.last_name not in page
    assert "Walk-ins" in page and "E-mail" in page and "Signature" in page
    codes = pdf_qr_codes(pdf)[0]
    assert sorted(codes) == sorted(f"http://testserver/t/{r.ticket}" for r in regs)


def test_sign_in_sheet_runs_over_pages_numbered_x_of_y(app, db):
    opp, regs = _world(25)
    pdf = sign_in_sheet_pdf(opp.sessions[0])
    pages = pdf_text(pdf)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Family Engagement Basics" in page  # the header on every page
    codes = [code for page in pdf_qr_codes(pdf) for code in page]
    assert sorted(codes) == sorted(f"http://testserver/t/{r.ticket}" for r in regs)


def test_sign_in_sheet_in_spanish(app, db):
    opp, _regs = _world(1)
    with app.test_request_context("/?lang=es", headers={"Accept-Language": "es"}):
        from flask_babel import force_locale

        with force_locale("es"):
            page = pdf_text(sign_in_sheet_pdf(opp.sessions[0]))[0]
    assert "Hoja de registro de asistencia" in page
    assert "Página 1 de 1" in page
    assert "Firma" in page


def test_badges_six_to_a_page_each_with_its_ticket(app, db):
    opp, regs = _world(7)
    pdf = badges_pdf(opp.sessions[0], BadgeStyle.BADGES)
    pages = pdf_text(pdf)
    assert len(pages) == 2
    assert pages[0].count("Zeta") == 6 and pages[1].count("Zeta") == 1
    assert "Ana06" in pages[0] and "Bayview Elementary" in " ".join(pages[0].split())
    codes = pdf_qr_codes(pdf)
    assert [len(c) for c in codes] == [6, 1]
    assert sorted(c for page in codes for c in page) == sorted(f"http://testserver/t/{r.ticket}" for r in regs)


def test_badges_for_a_chosen_list_only(app, db):
    opp, regs = _world(4)
    other = make_registration(make_opportunity(), make_person(first_name="Other"))
    chosen = [regs[1].id, regs[3].id, other.id]
    pdf = badges_pdf(opp.sessions[0], BadgeStyle.BADGES, chosen)
    codes = pdf_qr_codes(pdf)[0]
    assert sorted(codes) == sorted(f"http://testserver/t/{r.ticket}" for r in (regs[1], regs[3]))
    assert "Other" not in pdf_text(pdf)[0]


def test_table_tents_show_the_name_on_both_sides(app, db):
    opp, regs = _world(2)
    pdf = badges_pdf(opp.sessions[0], BadgeStyle.TENTS)
    pages = pdf_text(pdf)
    assert len(pages) == 2
    for page in pages:
        assert page.count("Zeta") == 2  # both halves of the fold
    codes = pdf_qr_codes(pdf)
    assert sorted(c for page in codes for c in page) == sorted(f"http://testserver/t/{r.ticket}" for r in regs)
