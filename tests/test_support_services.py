"""Support activity rules: validation (clear per-field messages, nothing stored) and who may change what."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.errors import Forbidden, ValidationFailed
from csi_events.support.models import SupportActivity
from csi_events.support.services import (
    SupportInput,
    can_edit,
    create_activity,
    delete_activity,
    latest_allowed_date,
    local_today,
    minutes_from,
    update_activity,
)
from tests.factories import make_lea, make_person, make_school, make_user


def make_world():
    """Two LEAs with schools, two staff members, an admin, a facilitator and a contact."""
    alpha = make_lea(name="Alpha Unified", cd_code="1900001", subregion=4)
    beta = make_lea(name="Beta Unified", cd_code="1900002", subregion=2)
    return SimpleNamespace(
        alpha=alpha,
        beta=beta,
        a1=make_school(alpha, name="Alpha Elementary", cds_code="19000010000001"),
        a2=make_school(alpha, name="Alpha Middle", cds_code="19000010000002"),
        b1=make_school(beta, name="Beta High", cds_code="19000020000001"),
        coach=make_user("staff", email="coach@example.org", display_name="Casey Coach"),
        lead=make_user("staff", email="lead@example.org", display_name="Lee Lead"),
        admin=make_user("admin", email="admin@example.org"),
        facilitator=make_user("facilitator", email="fac@example.org"),
        contact=make_person(email="contact@example.org", lea=alpha),
    )


def good_input(w, **changes) -> SupportInput:
    data = SupportInput(
        occurred_on=date(2025, 9, 10),
        lea=w.alpha.id,
        kind="consultation_visit",
        modality="on_site",
        duration_minutes=90,
        schools=[w.a1.id],
        staff=[w.coach.id],
        contacts=[],
        topics=[],
        notes="",
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SupportActivity))


@pytest.fixture
def w(db):
    world = make_world()
    db.session.commit()
    return world


def refused(db, data, by) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        create_activity(data, by)
    db.session.rollback()
    assert stored(db) == 0
    return info.value.fields


def test_create_stores_every_field_with_codes_and_emails(db, w):
    data = good_input(
        w,
        lea="1900001",
        schools=["19000010000002", w.a1.id, "19000010000002"],
        staff=["Lead@Example.org ", w.coach.id],
        contacts=["contact@example.org"],
        topics=["Attendance", "extended_learning", "integrated_student_supports", "attendance"],
        notes="  Talked about MTSS.  ",
    )
    activity = create_activity(data, w.coach)
    db.session.commit()
    row = db.session.get(SupportActivity, activity.id)
    assert row.lea_id == w.alpha.id
    assert sorted(s.cds_code for s in row.schools) == ["19000010000001", "19000010000002"]
    assert sorted(u.email for u in row.staff) == ["coach@example.org", "lead@example.org"]
    assert [p.email for p in row.contacts] == ["contact@example.org"]
    # pillars first in their order, then free tags; no repeats
    assert row.topics == "integrated_student_supports extended_learning attendance"
    assert row.notes == "Talked about MTSS."
    assert row.created_by_id == w.coach.id and row.duration_minutes == 90


def test_lea_by_exact_name_case_insensitive(db, w):
    activity = create_activity(good_input(w, lea="alpha unified"), w.coach)
    assert activity.lea_id == w.alpha.id


@pytest.mark.parametrize("lea", [None, "", 999999, "9999999", "Gamma Unified"])
def test_unknown_or_missing_lea_is_refused(db, w, lea):
    fields = refused(db, good_input(w, lea=lea, schools=[]), w.coach)
    assert list(fields) == ["lea"]
    assert fields["lea"][0]


def test_school_of_another_lea_is_refused_with_its_name(db, w):
    fields = refused(db, good_input(w, schools=[w.a1.id, w.b1.id]), w.coach)
    assert fields == {"schools": ["Beta High (19000020000001) is not a school of Alpha Unified."]}


def test_unknown_school_code_is_refused(db, w):
    fields = refused(db, good_input(w, schools=["19999999999999"]), w.coach)
    assert "19999999999999" in fields["schools"][0]


@pytest.mark.parametrize("minutes", [0, -30, None, 24 * 60 + 1])
def test_duration_must_be_positive_and_at_most_a_day(db, w, minutes):
    fields = refused(db, good_input(w, duration_minutes=minutes), w.coach)
    assert list(fields) == ["duration"]


def test_date_beyond_today_plus_one_year_is_refused_clearly(db, w):
    too_far = latest_allowed_date() + timedelta(days=1)
    fields = refused(db, good_input(w, occurred_on=too_far), w.coach)
    assert fields == {
        "occurred_on": [f"The date {too_far.isoformat()} is more than a year from today: check the year."]
    }
    # the last allowed day itself is fine (planned visits may be logged ahead)
    create_activity(good_input(w, occurred_on=latest_allowed_date()), w.coach)
    assert stored(db) == 1


def test_latest_allowed_date_on_leap_day():
    assert latest_allowed_date(date(2028, 2, 29)) == date(2029, 2, 28)
    assert latest_allowed_date(date(2026, 3, 1)) == date(2027, 3, 1)


def test_every_problem_is_reported_at_once(db, w):
    data = good_input(
        w,
        occurred_on=None,
        kind="visit",
        modality="carrier pigeon",
        staff=["nobody@example.org"],
        contacts=["ghost@example.org", 987654],
        topics=["not a tag!"],
        notes="x" * 5001,
    )
    fields = refused(db, data, w.coach)
    assert set(fields) == {"occurred_on", "kind", "modality", "staff", "contacts", "topics", "notes"}
    assert "nobody@example.org" in fields["staff"][0]
    assert "ghost@example.org" in fields["contacts"][0] and "987654" in fields["contacts"][0]


def test_merged_contact_stands_for_the_surviving_person(db, w):
    survivor = make_person(email="keep@example.org", lea=w.alpha)
    dup = make_person(email="dup@example.org", lea=w.alpha)
    dup.merged_into_id = survivor.id
    db.session.flush()
    activity = create_activity(good_input(w, contacts=["dup@example.org", survivor.id]), w.coach)
    assert [p.id for p in activity.contacts] == [survivor.id]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [("60", "minutes", 60), ("1.5", "hours", 90), ("1,25", "hours", 75), ("0.01", "hours", 1), (2, "hours", 120)],
)
def test_minutes_from_minutes_or_decimal_hours(value, unit, expected, app):
    assert minutes_from(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit"), [("1.5", "minutes"), ("-1", "hours"), ("0", "minutes"), ("abc", "minutes"), ("", "hours")]
)
def test_minutes_from_refuses_bad_values(value, unit, app):
    with pytest.raises(ValueError):
        minutes_from(value, unit)


def test_staff_edit_their_own_and_those_they_are_listed_on(db, w):
    activity = create_activity(good_input(w, staff=[w.lead.id]), w.coach)
    db.session.commit()
    assert can_edit(w.coach, activity)  # created it
    assert can_edit(w.lead, activity)  # listed as staff
    assert can_edit(w.admin, activity)
    other = make_user("staff", email="other@example.org")
    assert not can_edit(other, activity)
    assert not can_edit(w.facilitator, activity)
    with pytest.raises(Forbidden):
        update_activity(activity, good_input(w, notes="changed"), other)
    with pytest.raises(Forbidden):
        delete_activity(activity, other)
    db.session.rollback()
    assert db.session.get(SupportActivity, activity.id).notes == ""


def test_facilitators_cannot_log_support(db, w):
    with pytest.raises(Forbidden):
        create_activity(good_input(w), w.facilitator)
    db.session.rollback()
    assert stored(db) == 0


def test_update_with_bad_input_changes_nothing(db, w):
    activity = create_activity(good_input(w), w.coach)
    db.session.commit()
    with pytest.raises(ValidationFailed) as info:
        update_activity(activity, good_input(w, schools=[w.b1.id], duration_minutes=45), w.coach)
    assert "schools" in info.value.fields
    db.session.rollback()
    row = db.session.get(SupportActivity, activity.id)
    assert row.duration_minutes == 90 and [s.id for s in row.schools] == [w.a1.id]


def test_admin_updates_and_deletes_any_activity_and_deletion_is_audited(db, w):
    activity = create_activity(good_input(w), w.coach)
    db.session.commit()
    update_activity(activity, good_input(w, duration_minutes=30, modality="phone"), w.admin)
    db.session.commit()
    assert db.session.get(SupportActivity, activity.id).duration_minutes == 30
    activity_id = activity.id
    delete_activity(activity, w.admin)
    db.session.commit()
    assert db.session.get(SupportActivity, activity_id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "support_activity_deleted"))
    assert event.actor_user_id == w.admin.id
    assert event.target_type == "support_activities" and event.target_id == str(activity_id)
    assert event.details["lea"] == "1900001" and event.details["duration_minutes"] == 30
    assert event.details["created_by"] == "coach@example.org"


def test_local_today_is_los_angeles_date(app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    assert local_today() == datetime.now(ZoneInfo("America/Los_Angeles")).date()
