"""The educator's and facilitator's pages (issue 14), as HTML: catalog cards and filters, times without seconds,
the opportunity page, the waitlist form, the answer after a sign-up, the ticket, "my registrations", the
facilitator's Today page, and LEA aliases ("LAUSD")."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.directory.models import Lea
from csi_events.directory.services import clean_aliases, update_lea
from csi_events.links import make_token
from csi_events.people.models import Person
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_user

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- catalog ---------------------------------------------------------------------------------------


def test_catalog_card_has_time_range_place_seats_and_pillar(client, db):
    make_opportunity(title="Data walk", capacity=10, topics=("collaborative_leadership", "mtss"))
    make_opportunity(title="Online hour", modality="virtual", capacity=None)
    full = make_opportunity(title="Packed", capacity=1)
    make_registration(full)
    db.session.commit()
    page = _text(client.get("/opportunities"))
    card = page[page.index("Data walk") - 300 : page.index("Data walk") + 900]
    assert "Collaborative leadership and practices" in card  # the pillar
    assert re.search(r"\d{1,2}:\d{2}\s?[AP]M", card) and "–" in card  # a time range
    assert "Room 101" in card and "10 seats left" in card
    online = page[page.index("Online hour") :][:900]
    assert "Online" in online and "Open to all" in online
    assert "Waitlist open" in page[page.index("Packed") :][:900]
    assert not SECONDS.search(page)


def test_catalog_search_first_and_other_filters_behind_filters(client, db):
    make_opportunity(title="Anything")
    db.session.commit()
    page = _text(client.get("/opportunities"))
    assert page.index('id="q"') < page.index("<details") < page.index('id="topic"')
    assert re.search(r'<details class="filters-more" id="filters-more">', page)  # closed: no filter set
    filtered = _text(client.get("/opportunities?modality=virtual"))
    assert re.search(r'<details class="filters-more" id="filters-more" open>', filtered)


def test_topic_filter_lists_pillars_by_name_then_tags_readably(client, db):
    make_opportunity(topics=("extended_learning", "ccspp", "restorative-practices", "two-generation"))
    db.session.commit()
    page = _text(client.get("/opportunities"))
    select_html = page[page.index('id="topic"') : page.index("</select>", page.index('id="topic"'))]
    labels = re.findall(r"<option[^>]*>([^<]*)</option>", select_html)
    assert labels[1:5] == [
        "Integrated student supports",
        "Family and community engagement",
        "Collaborative leadership and practices",
        "Extended learning time and opportunities",
    ]
    assert labels[5:] == ["CCSPP", "Restorative practices", "Two generation"]
    assert "ccspp<" not in select_html and "restorative-practices<" not in select_html


def test_catalog_options_are_in_spanish(client, db):
    make_opportunity()
    db.session.commit()
    page = _text(client.get("/opportunities?lang=es"))
    modality = page[page.index('id="modality"') : page.index("</select>", page.index('id="modality"'))]
    kind = page[page.index('id="kind"') : page.index("</select>", page.index('id="kind"'))]
    assert "En persona" in modality and "In person" not in modality
    assert "Taller" in kind and "Workshop" not in kind
    assert "Filtros" in page and "Buscar" in page


# --- times -----------------------------------------------------------------------------------------


def test_no_seconds_in_dates_and_times(client, db, app):
    opp = make_opportunity(registration_closes_at=utcnow() + timedelta(days=3, seconds=17))
    db.session.commit()
    for lang in ("en", "es"):
        page = _text(client.get(f"/opportunities/{opp.id}?lang={lang}"))
        assert not SECONDS.search(page), SECONDS.search(page).group(0)
    from flask_babel import refresh

    from csi_events.templating import format_span, format_when

    with app.test_request_context("/?lang=es"):
        refresh()
        start = opp.sessions[0].starts_at
        assert re.fullmatch(r".+, \d{1,2}:\d{2}", format_when(start))  # Spanish: 24-hour, no seconds
        assert re.search(r"\d{1,2}:\d{2}–\d{1,2}:\d{2}$", format_span(start, start + timedelta(hours=2)))
    with app.test_request_context("/"):
        refresh()
        assert re.fullmatch(r".+, \d{1,2}:\d{2}\s[AP]M", format_when(start))


# --- opportunity page ------------------------------------------------------------------------------


def test_opportunity_page_facts(client, db, app):
    app.config["CENTER_CONTACT_EMAIL"] = "help@center.example.org"
    opp = make_opportunity(title="Family night", subregion=None)
    opp.description = opp.summary
    opp.sessions[0].venue = "LACOE, 12830 Columbia Way, Downey"
    db.session.commit()
    page = _text(client.get(f"/opportunities/{opp.id}"))
    assert page.count("A learning opportunity for tests.") == 1  # summary once, not again as "About"
    assert "not set" not in page and "Countywide" not in page
    maps = re.search(r'href="(https://www\.google\.com/maps/search/[^"]+)"', page).group(1)
    assert parse_qs(urlsplit(maps.replace("&amp;", "&")).query)["query"] == ["LACOE, 12830 Columbia Way, Downey"]
    assert "mailto:help@center.example.org" in page
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page).group(1).replace("&amp;", "&")
    start = opp.sessions[0].starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert parse_qs(urlsplit(google).query)["dates"][0].startswith(start + "/")
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(outlook).query)["subject"] == ["Family night"]
    assert f"/opportunities/{opp.id}.ics" in page


def test_subregion_shown_only_when_set(client, db):
    opp = make_opportunity(subregion=6)
    db.session.commit()
    assert "6 · " in _text(client.get(f"/opportunities/{opp.id}"))


def test_required_fields_marked_before_any_error(client, db):
    opp = make_opportunity()
    db.session.commit()
    page = _text(client.get(f"/opportunities/{opp.id}/register"))
    for field in ("first_name", "last_name", "email", "role"):
        label = page[page.index(f'for="{field}"') : page.index(f'for="{field}"') + 200]
        assert "(required)" in label, field
    legend = page[page.index("<legend>") : page.index("</legend>")]
    assert "(required)" in legend  # the district or "not listed"


# --- LEA aliases -----------------------------------------------------------------------------------


def test_aliases_are_cleaned_and_saved_by_staff(client, db, login):
    assert clean_aliases(" LAUSD ,la unified\nLAUSD,, ") == "LAUSD, la unified"
    assert clean_aliases("  ") is None
    lea = make_lea(name="Los Angeles Unified", cd_code="1964733")
    staff = make_user("staff")
    db.session.commit()
    login(staff)
    response = client.post(
        f"/staff/directory/leas/{lea.id}/edit",
        data={"kind": "district", "subregion": "4", "ccspp_status": "none", "aliases": "LAUSD, LA Unified"},
    )
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Lea, lea.id).aliases == "LAUSD, LA Unified"
    assert 'value="LAUSD, LA Unified"' in _text(client.get(f"/staff/directory/leas/{lea.id}/edit"))


def test_too_long_alias_list_is_refused(client, db, login):
    lea = make_lea()
    staff = make_user("staff")
    db.session.commit()
    login(staff)
    response = client.post(
        f"/staff/directory/leas/{lea.id}/edit",
        data={"kind": "district", "subregion": "4", "ccspp_status": "none", "aliases": "x" * 501},
    )
    assert response.status_code == 422 or "At most 500 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lea, lea.id).aliases is None


def test_type_ahead_and_sign_up_find_an_lea_by_its_short_name(client, db):
    lea = make_lea(name="Los Angeles Unified", cd_code="1964733")
    make_lea(name="Lausanne Academy", cd_code="1900001")
    update_lea(lea, kind="district", subregion=4, ccspp_status="none", ccspp_cohort=None, aliases="LAUSD")
    opp = make_opportunity()
    db.session.commit()
    found = client.get("/api/v1/leas?q=LAUSD").get_json()["items"]
    assert [item["cd_code"] for item in found] == ["1964733"]
    response = client.post(
        f"/opportunities/{opp.id}/register",
        data={
            "first_name": "Ana",
            "last_name": "Ruiz",
            "email": "ana.ruiz@example.org",
            "role": "teacher",
            "lea": "lausd",
        },
    )
    assert response.status_code == 200
    person = db.session.scalar(select(Person).where(Person.email == "ana.ruiz@example.org"))
    assert person.lea_id == lea.id


# --- waitlist and the answer after signing up -------------------------------------------------------


def test_full_opportunity_form_is_titled_join_the_waitlist(client, db):
    opp = make_opportunity(capacity=1)
    make_registration(opp)
    roomy = make_opportunity(capacity=5)
    db.session.commit()
    page = _text(client.get(f"/opportunities/{opp.id}/register"))
    assert "<h1>Join the waitlist</h1>" in page and 'id="waitlist-note"' in page
    assert "<h1>Register</h1>" in _text(client.get(f"/opportunities/{roomy.id}/register"))
    assert "Join the waitlist" in _text(client.get(f"/opportunities/{opp.id}"))


def test_answer_after_sign_up_says_what_happens_next_the_same_for_any_address(client, db):
    opp = make_opportunity(capacity=1)
    make_registration(opp, make_person(email="known@example.org"))
    db.session.commit()

    def answer(email: str) -> str:
        data = {"first_name": "Kim", "last_name": "Lee", "email": email, "role": "teacher", "not_listed": "y"}
        data["organization"] = "Friends of the Library"
        return _text(client.post(f"/opportunities/{opp.id}/register", data=data)).replace(email, "ADDRESS")

    known, new = answer("known@example.org"), answer("new.person@example.org")
    assert known == new
    assert "What happens next" in new and "place on the waitlist" in new and "spam" in new


# --- ticket and my registrations --------------------------------------------------------------------


def test_ticket_shows_next_session_and_a_quiet_cancel_link(client, db):
    opp = make_opportunity(title="Four mornings", sessions=4, starts_at=utcnow() - timedelta(days=3))
    reg = make_registration(opp, make_person(first_name="Rosa", last_name="Diaz"))
    db.session.commit()
    page = _text(client.get(f"/t/{reg.ticket}"))
    assert "Rosa Diaz" in page and "session 2 of 4" in page
    main = page[page.index("<main") :]
    assert main.index("Rosa Diaz") < main.index("Four mornings") < main.index("<svg") < main.index("All sessions")
    cancel = re.search(r'<p class="quiet"><a href="(/t/[^"]+/cancel)" id="cancel-link">', page)
    assert cancel and "button danger" not in page
    assert "Yes, cancel my registration" in _text(client.get(cancel.group(1)))  # asks before cancelling


def test_my_registrations_past_shows_attendance_hours_certificate_and_transcript(client, db, app):
    person = make_person(first_name="Lin", last_name="Ho")
    past = make_opportunity(title="Spring institute", sessions=2, hours=3, starts_at=utcnow() - timedelta(days=30))
    reg = make_registration(past, person)
    db.session.add(CheckIn(session=past.sessions[0], person=person, registration=reg, method="qr"))
    coming = make_opportunity(title="Fall kickoff")
    make_registration(coming, person)
    db.session.commit()
    with app.test_request_context():
        token = make_token("manage", {"p": person.id})
    page = _text(client.get(f"/me/{token}"))
    assert page.index("Fall kickoff") < page.index("Spring institute")  # upcoming first, then past
    assert "Sessions attended: 1 of 2" in page and "PD hours: 3" in page
    certificate = re.search(r'href="(/me/[^"]+/certificates/\d+\.pdf)"', page).group(1)
    transcript = re.search(r'href="(/me/[^"]+/transcript/\d+\.pdf)"', page).group(1)
    for link in (certificate, transcript):
        response = client.get(link)
        assert response.status_code == 200 and response.data.startswith(b"%PDF")


# --- the facilitator's Today page -------------------------------------------------------------------


def test_today_lists_todays_sessions_then_next(client, db, login):
    facilitator = make_user("facilitator")
    soon = make_opportunity(
        title="This afternoon", starts_at=utcnow() + timedelta(minutes=20), facilitators=[facilitator]
    )
    make_opportunity(title="Next week", starts_at=utcnow() + timedelta(days=8), facilitators=[facilitator])
    make_opportunity(title="Not mine", starts_at=utcnow() + timedelta(minutes=30))
    db.session.commit()
    login(facilitator)
    page = _text(client.get("/staff/checkin"))
    today = page[page.index('id="today-sessions"') : page.index('id="later-sessions"')]
    assert "This afternoon" in today and "Next week" not in today
    assert "Next week" in page[page.index('id="later-sessions"') :]
    assert "Not mine" not in page
    assert f'href="/staff/checkin/sessions/{soon.sessions[0].id}"' in today


def test_login_landing_by_role(client, db):
    from tests.factories import DEFAULT_PASSWORD

    for role, landing in (("facilitator", "/staff/checkin"), ("staff", "/staff/opportunities")):
        user = make_user(role)
        db.session.commit()
        response = client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert urlsplit(response.headers["Location"]).path == landing
        client.post("/auth/logout")
