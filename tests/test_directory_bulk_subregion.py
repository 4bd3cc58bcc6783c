"""The directory lists' "set subregion": tick rows, choose a subregion, one button (no JavaScript needed)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.directory.models import Lea, School
from tests.factories import make_lea, make_school, make_user


@pytest.fixture
def staff(db, login):
    user = make_user("staff")
    db.session.commit()
    return login(user)


def test_lea_list_has_labelled_checkboxes_and_sets_the_ticked_ones(client, db, staff):
    a = make_lea(name="Alpha Unified", subregion=None)
    b = make_lea(name="Beta Unified", subregion=1)
    c = make_lea(name="Gamma Unified", subregion=None)
    db.session.commit()
    html = client.get("/staff/directory/leas?q=unified").get_data(as_text=True)
    form = html[html.index('<form method="post"') :]
    assert 'action="/staff/directory/leas/subregion?q=unified"' in form
    for lea in (a, b, c):
        assert f'<input type="checkbox" name="ids" value="{lea.id}" id="pick-{lea.id}">' in form
        assert re.search(rf'<label for="pick-{lea.id}" class="sr-only">Select {lea.name}</label>', form)
    assert '<label for="bulk-subregion">' in form and 'name="bulk-subregion"' in form
    assert '<button type="submit" class="button">Set subregion</button>' in form

    response = client.post(
        "/staff/directory/leas/subregion?q=unified", data={"ids": [a.id, b.id], "bulk-subregion": "6"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/directory/leas?q=unified")
    db.session.expire_all()
    assert [db.session.get(Lea, x.id).subregion for x in (a, b, c)] == [6, 6, None]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lea_updated")).all()
    assert sorted(e.target_id for e in events) == sorted([str(a.id), str(b.id)])
    assert "2 changed, 0 unchanged" in client.get(response.headers["Location"]).get_data(as_text=True)

    # None clears them; nothing ticked or a subregion out of range is refused with the list shown again.
    client.post("/staff/directory/leas/subregion", data={"ids": [a.id], "bulk-subregion": ""})
    db.session.expire_all()
    assert db.session.get(Lea, a.id).subregion is None
    refused = client.post("/staff/directory/leas/subregion", data={"bulk-subregion": "3"})
    assert refused.status_code == 422 and "Tick at least one row." in refused.get_data(as_text=True)
    refused = client.post("/staff/directory/leas/subregion", data={"ids": [b.id], "bulk-subregion": "9"})
    assert refused.status_code == 422 and "1 to 8" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lea, b.id).subregion == 6


def test_school_list_sets_the_ticked_schools(client, db, staff):
    lea = make_lea(subregion=2)
    schools = [make_school(lea, name=f"School {n}", subregion=None) for n in range(4)]
    db.session.commit()
    html = client.get(f"/staff/directory/schools?lea={lea.cd_code}").get_data(as_text=True)
    assert html.count('name="ids"') == 4
    ticked = [s.id for s in schools[:3]]
    response = client.post(
        f"/staff/directory/schools/subregion?lea={lea.cd_code}", data={"ids": ticked, "bulk-subregion": "7"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/directory/schools?lea={lea.cd_code}")
    db.session.expire_all()
    assert [db.session.get(School, s.id).subregion for s in schools] == [7, 7, 7, None]
    count = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "school_updated")
    assert db.session.scalar(count) == 3
    gone = client.post("/staff/directory/schools/subregion", data={"ids": [999999], "bulk-subregion": "1"})
    assert gone.status_code == 404


def test_set_subregion_needs_staff(client, db, login):
    lea = make_lea(subregion=None)
    login(make_user("facilitator"))
    assert (
        client.post("/staff/directory/leas/subregion", data={"ids": [lea.id], "bulk-subregion": "1"}).status_code == 403
    )
    db.session.expire_all()
    assert db.session.get(Lea, lea.id).subregion is None
