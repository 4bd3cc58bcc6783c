"""Running a series on the staff form: the repeat rule fills the session rows (with and without JavaScript),
and "Publish" sits beside "Save draft" at the top and the bottom of the form."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from csi_events.localtime import to_local
from csi_events.opportunities.models import LearningOpportunity, Session
from tests.factories import make_opportunity, make_user
from tests.test_opportunity_pages import FUTURE_YEAR, form_data


def _first_monday_two_weeks_before_fall_back() -> date:
    nov1 = date(FUTURE_YEAR, 11, 1)
    fall_back = nov1 + timedelta(days=(6 - nov1.weekday()) % 7)  # first Sunday of November
    return fall_back - timedelta(days=13)


def _series_form(**overrides) -> dict:
    data = form_data(
        **{
            "sessions-0-day": _first_monday_two_weeks_before_fall_back().isoformat(),
            "sessions-0-start_time": "09:00",
            "sessions-0-end_time": "11:00",
            "repeat_frequency": "weekly",
            "repeat_count": "4",
            "repeat_until": "",
        }
    )
    data.update(overrides)
    return data


def _rows(page: str) -> list[tuple[str, str]]:
    """(day, venue) of every session row with a date, in page order."""
    days = dict(re.findall(r'name="sessions-(\d+)-day"[^>]*value="([^"]*)"', page))
    venues = dict(re.findall(r'name="sessions-(\d+)-venue"[^>]*value="([^"]*)"', page))
    return [(days[i], venues.get(i, "")) for i in sorted(days, key=int) if days[i]]


def _posted_rows(page: str) -> dict:
    """Every input of the page's session rows as the browser would post them."""
    data = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="(sessions-\d+-[a-z_]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and not name.group(1).endswith("-remove"):
            data[name.group(1)] = value.group(1) if value else ""
    return data


def _staff(db, login):
    user = make_user("staff")
    db.session.commit()
    login(user)
    return user


def test_fill_sessions_without_javascript_then_save_keeps_nine_am_across_the_clock_change(client, db, login):
    _staff(db, login)
    response = client.post("/staff/opportunities/new", data={**_series_form(), "fill_sessions": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    first = _first_monday_two_weeks_before_fall_back()
    expected = [(first + timedelta(days=7 * i)).isoformat() for i in range(4)]
    assert _rows(page) == [(d, "Compton Center, Room 4") for d in expected]
    assert "4 sessions are filled in" in page
    assert db.session.scalar(select(func.count(LearningOpportunity.id))) == 0  # filling saves nothing

    save = {**_series_form(), **_posted_rows(page)}
    response = client.post("/staff/opportunities/new", data=save)
    assert response.status_code == 302, response.get_data(as_text=True)
    opp = db.session.scalar(select(LearningOpportunity))
    starts = [s.starts_at for s in opp.sessions]
    assert [s.date().isoformat() for s in starts] == expected
    assert [s.hour for s in starts] == [16, 16, 17, 17]  # 9:00 PDT, then 9:00 PST after the clocks go back
    assert all(
        s.venue == "Compton Center, Room 4" and s.ends_at - s.starts_at == timedelta(hours=2) for s in opp.sessions
    )


def test_filled_rows_keep_their_own_venue_and_are_not_doubled(client, db, login):
    _staff(db, login)
    first = date(FUTURE_YEAR, 2, 2)
    data = _series_form(
        **{
            "sessions-0-day": first.isoformat(),
            "sessions-1-day": (first + timedelta(days=14)).isoformat(),
            "sessions-1-start_time": "13:00",
            "sessions-1-end_time": "14:00",
            "sessions-1-venue": "Library, Room 2",
            "repeat_frequency": "biweekly",
            "repeat_count": "",
            "repeat_until": (first + timedelta(days=42)).isoformat(),
            "fill_sessions": "1",
        }
    )
    page = client.post("/staff/opportunities/new", data=data).get_data(as_text=True)
    rows = _rows(page)
    assert [d for d, _v in rows] == [(first + timedelta(days=14 * i)).isoformat() for i in range(4)]
    assert rows[1][1] == "Library, Room 2" and {v for _d, v in rows[2:]} == {"Compton Center, Room 4"}


def test_monthly_on_a_fifth_weekday_skips_months_without_one(client, db, login):
    _staff(db, login)
    response = client.post(
        "/staff/opportunities/fill-sessions",
        data=_series_form(**{"sessions-0-day": "2026-09-29", "repeat_frequency": "monthly", "repeat_count": "3"}),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [d for d, _v in _rows(body["html"])] == ["2026-09-29", "2026-12-29", "2027-03-30"]
    assert body["message"].startswith("3 sessions are filled in")


def test_bad_rules_get_a_message_and_a_422(client, db, login):
    _staff(db, login)
    first = _first_monday_two_weeks_before_fall_back()
    cases = [
        ({"repeat_count": "0"}, "repeat_count", "at least 1"),
        ({"repeat_count": "53"}, "repeat_count", "at most 52 sessions"),
        ({"repeat_count": "four"}, "repeat_count", "whole number"),
        (
            {"repeat_count": "", "repeat_until": (first - timedelta(days=1)).isoformat()},
            "repeat_until",
            "before the first",
        ),
        ({"repeat_count": ""}, "repeat_count", "number of sessions or the date"),
        ({"repeat_until": (first + timedelta(days=30)).isoformat()}, "repeat_count", "not both"),
        ({"repeat_frequency": ""}, "repeat_frequency", "how often"),
        ({"sessions-0-day": ""}, "sessions", "first session"),
    ]
    for overrides, field, words in cases:
        response = client.post("/staff/opportunities/fill-sessions", data=_series_form(**overrides))
        assert response.status_code == 422, overrides
        errors = response.get_json()["errors"]
        assert words in " ".join(errors[field]), (overrides, errors)
        page = client.post("/staff/opportunities/new", data={**_series_form(**overrides), "fill_sessions": "1"})
        assert page.status_code == 422 and words in page.get_data(as_text=True), overrides
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_fill_request_needs_staff(client, db, login):
    assert client.post("/staff/opportunities/fill-sessions", data=_series_form()).status_code == 302
    login(make_user("facilitator"))
    db.session.commit()
    assert client.post("/staff/opportunities/fill-sessions", data=_series_form()).status_code == 403


def test_publish_sits_beside_save_draft_at_the_top_and_the_bottom(client, db, login):
    _staff(db, login)
    page = client.get("/staff/opportunities/new").get_data(as_text=True)
    sessions_at = page.index('id="sessions"')
    publish = [m.start() for m in re.finditer(r'<button type="submit" class="button" name="publish"', page)]
    save = [m.start() for m in re.finditer(r'name="save"[^>]*>\s*Save draft', page)]
    assert len(publish) == 2 and len(save) == 2
    assert publish[0] < sessions_at < publish[1] and save[0] < publish[0] and save[1] < publish[1]

    response = client.post("/staff/opportunities/new", data=form_data(publish="top"))
    assert response.status_code == 302
    opp = db.session.scalar(select(LearningOpportunity))
    assert opp.status == "published" and opp.title == "Data Dive for Coordinators"


def test_publish_from_the_edit_form_saves_the_changes_too(client, db, login):
    _staff(db, login)
    opp = make_opportunity(status="draft", title="Draft title")
    db.session.commit()
    edit = client.get(f"/staff/opportunities/{opp.id}/edit").get_data(as_text=True)
    assert edit.count('name="publish"') == 2
    data = {
        **_posted_rows(edit),
        **{k: v for k, v in form_data(title="Final title").items() if not k.startswith("sessions-")},
    }
    response = client.post(f"/staff/opportunities/{opp.id}/edit", data={**data, "publish": "bottom"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    opp = db.session.get(LearningOpportunity, opp.id)
    assert (opp.status, opp.title, len(opp.sessions)) == ("published", "Final title", 1)
    page = client.get(f"/staff/opportunities/{opp.id}/edit").get_data(as_text=True)
    assert 'name="publish"' not in page and "Save changes" in page  # published: only saving is offered


def test_publish_that_fails_validation_saves_nothing(client, db, login):
    _staff(db, login)
    response = client.post("/staff/opportunities/new", data=form_data(title="", publish="top"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(LearningOpportunity.id))) == 0
    assert "Give the learning opportunity a title." in response.get_data(as_text=True)


def test_filling_an_existing_opportunity_keeps_its_session_and_adds_the_others(client, db, login):
    _staff(db, login)
    opp = make_opportunity(status="draft", title="Circle")
    db.session.commit()
    session_id = opp.sessions[0].id
    edit = client.get(f"/staff/opportunities/{opp.id}/edit").get_data(as_text=True)
    top = {k: v for k, v in form_data(title="Circle").items() if not k.startswith("sessions-")}
    rule = {"repeat_frequency": "weekly", "repeat_count": "3", "repeat_until": ""}
    filled = client.post(
        f"/staff/opportunities/{opp.id}/edit", data={**top, **_posted_rows(edit), **rule, "fill_sessions": "1"}
    )
    assert filled.status_code == 200
    rows = _posted_rows(filled.get_data(as_text=True))
    assert rows["sessions-0-id"] == str(session_id) and rows["sessions-1-id"] == "" and rows["sessions-2-day"]
    response = client.post(f"/staff/opportunities/{opp.id}/edit", data={**top, **rows})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    sessions = db.session.get(LearningOpportunity, opp.id).sessions
    assert len(sessions) == 3 and sessions[0].id == session_id
    days = [to_local(s.starts_at).date() for s in sessions]
    assert [(d - days[0]).days for d in days] == [0, 7, 14]
