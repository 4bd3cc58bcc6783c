"""The staff roster of an opportunity: who may see it, add, cancel, confirm from the waitlist, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import event, func, select

from csi_events.db import utcnow
from csi_events.models import AuditEvent, Person, Registration
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_user
from tests.test_registration_helpers import record_outbox


def _roster(opp) -> str:
    return f"/staff/opportunities/{opp.id}/roster"


def _full_opportunity(db, facilitators=()):
    opp = make_opportunity(capacity=2, facilitators=list(facilitators))
    conf = [make_registration(opp, make_person(first_name=f"Conf{i}", last_name="X")) for i in range(2)]
    wait = [
        make_registration(
            opp, make_person(first_name=f"Wait{i}", last_name="Y"), status="waitlisted", waitlist_position=i
        )
        for i in (1, 2, 3)
    ]
    gone = make_registration(opp, make_person(first_name="Gone", last_name="Z"), status="cancelled")
    db.session.commit()
    return opp, conf, wait, gone


def test_who_may_open_the_roster(client, db, login):
    mine = make_user("facilitator")
    other = make_user("facilitator")
    opp, *_ = _full_opportunity(db, facilitators=[mine])
    make_opportunity(facilitators=[other])
    db.session.commit()

    assert client.get(_roster(opp)).status_code == 302  # to sign in
    login(other)
    assert client.get(_roster(opp)).status_code == 403
    assert client.get(_roster(opp) + ".csv").status_code == 403
    client.post("/auth/logout")
    login(mine)
    assert client.get(_roster(opp)).status_code == 200
    assert client.get("/staff/opportunities/999999/roster").status_code == 404


def test_roster_lists_confirmed_waitlist_in_order_and_cancelled_with_counts(client, db, login):
    opp, conf, wait, gone = _full_opportunity(db)
    login(make_user("staff"))
    html = client.get(_roster(opp)).get_data(as_text=True)
    confirmed_part, rest = html.split('id="waitlist"', 1)
    waitlist_part, cancelled_part = rest.split('id="cancelled"', 1)
    assert "Conf0 X" in confirmed_part and "Conf1 X" in confirmed_part
    assert waitlist_part.index("Wait1 Y") < waitlist_part.index("Wait2 Y") < waitlist_part.index("Wait3 Y")
    assert "Gone Z" in cancelled_part.split('id="add"', 1)[0]
    assert "<strong>2</strong> confirmed" in html
    assert "<strong>3</strong> on the waitlist" in html
    assert "<strong>1</strong> cancelled" in html
    assert "<strong>0</strong> seats left" in html


def test_staff_add_a_person_even_after_registration_closed(client, db, login, monkeypatch):
    lea = make_lea(cd_code="1964212")
    opp = make_opportunity(capacity=1, registration_closes_at=utcnow() - timedelta(days=1))
    db.session.commit()
    staff = login(make_user("staff"))
    sent = record_outbox(monkeypatch)
    data = {
        "add-first_name": "Walk",
        "add-last_name": "In",
        "add-email": "walkin@example.org",
        "add-role": "teacher",
        "add-lea": "1964212",
    }
    response = client.post(f"{_roster(opp)}/add", data=data)
    assert response.status_code == 303
    reg = db.session.scalar(select(Registration))
    assert (reg.status, reg.source, reg.person.lea_id) == ("confirmed", "staff", lea.id)
    assert sent.items == [("registration_confirmed", {"registration_id": reg.id})]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration_added_by_staff"))
    assert audit.actor_user_id == staff.id and audit.target_id == str(reg.id)

    second = client.post(f"{_roster(opp)}/add", data={**data, "add-email": "two@example.org"})
    assert second.status_code == 303
    assert "is on the waitlist at position 1" in client.get(_roster(opp)).get_data(as_text=True)

    bad = client.post(f"{_roster(opp)}/add", data={**data, "add-email": "bad", "add-lea": "0000000"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Person)) == 2


def test_cancel_from_the_roster_promotes_the_next_person(client, db, login, monkeypatch):
    opp, conf, wait, gone = _full_opportunity(db)
    staff = login(make_user("staff"))
    sent = record_outbox(monkeypatch)
    response = client.post(f"/staff/registrations/{conf[0].id}/cancel")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, conf[0].id).status == "cancelled"
    assert db.session.get(Registration, wait[0].id).status == "confirmed"
    assert [db.session.get(Registration, r.id).waitlist_position for r in wait[1:]] == [1, 2]
    assert sent.kinds() == ["registration_cancelled", "registration_promoted"]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration_cancelled_by_staff"))
    assert audit.actor_user_id == staff.id and audit.details["promoted"] == [wait[0].id]


def test_confirm_from_the_waitlist_may_exceed_capacity_and_is_audited(client, db, login, monkeypatch):
    opp, conf, wait, gone = _full_opportunity(db)
    staff = login(make_user("staff"))
    sent = record_outbox(monkeypatch)
    response = client.post(f"/staff/registrations/{wait[1].id}/confirm")  # the second in line, on purpose
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, wait[1].id).status == "confirmed"
    assert db.session.get(Registration, wait[0].id).waitlist_position == 1
    assert db.session.get(Registration, wait[2].id).waitlist_position == 2
    confirmed = db.session.scalar(
        select(func.count()).where(Registration.opportunity_id == opp.id, Registration.status == "confirmed")
    )
    assert confirmed == 3  # capacity 2: a staff override
    assert sent.items == [("registration_promoted", {"registration_id": wait[1].id})]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration_confirmed_from_waitlist"))
    assert audit.actor_user_id == staff.id
    assert audit.details["over_capacity"] is True and audit.details["waitlist_position"] == 2

    # Confirming someone who is not waitlisted changes nothing.
    sent.items.clear()
    client.post(f"/staff/registrations/{conf[0].id}/confirm")
    assert "Only a waitlisted registration" in client.get(_roster(opp)).get_data(as_text=True)
    assert sent.items == []


def test_a_facilitator_of_another_opportunity_cannot_change_the_roster(client, db, login):
    opp, conf, wait, gone = _full_opportunity(db)
    login(make_user("facilitator"))
    assert client.post(f"/staff/registrations/{conf[0].id}/cancel").status_code == 403
    assert client.post(f"/staff/registrations/{wait[0].id}/confirm").status_code == 403
    assert client.post(f"{_roster(opp)}/add", data={"add-first_name": "X"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Registration, conf[0].id).status == "confirmed"
    assert db.session.get(Registration, wait[0].id).status == "waitlisted"


def test_csv_export_is_safe_and_audited(client, db, login):
    lea = make_lea(name="Bassett Unified", cd_code="1964303")
    opp = make_opportunity()
    make_registration(opp, make_person(first_name="=HYPERLINK(1)", last_name="Evil", lea=lea), needs="Ramp")
    make_registration(opp, status="waitlisted", waitlist_position=1)
    db.session.commit()
    login(make_user("staff"))
    response = client.get(_roster(opp) + ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Registration", "Status", "Waitlist position"]
    assert len(rows) == 3
    first = rows[1]
    assert first[1] == "Confirmed" and first[3] == "'=HYPERLINK(1)" and first[4] == "Evil"
    assert first[7] == "Bassett Unified" and first[8] == "1964303" and first[12] == "Ramp"
    assert rows[2][1] == "Waitlisted" and rows[2][2] == "1"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster_exported")).details["rows"] == 2


def test_roster_loads_in_a_fixed_number_of_queries(client, db, login):
    login(make_user("staff"))

    def queries_for(count: int) -> int:
        opp = make_opportunity(capacity=count // 2)
        for i in range(count):
            lea = make_lea()
            status = "confirmed" if i % 3 == 0 else ("waitlisted" if i % 3 == 1 else "cancelled")
            make_registration(opp, make_person(lea=lea), status=status, waitlist_position=i if i % 3 == 1 else None)
        db.session.commit()
        statements = []

        def count_statement(*args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            assert client.get(_roster(opp)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count_statement)
        return len(statements)

    assert queries_for(3) == queries_for(12)
