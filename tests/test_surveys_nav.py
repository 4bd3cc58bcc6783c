"""The staff navigation links to the surveys (/staff/surveys) for staff and admins, not for facilitators or
anonymous visitors (who could not open it)."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user

LINK = re.compile(r'<nav aria-label="Main".*?</nav>', re.S)


def _nav(client) -> str:
    response = client.get("/opportunities")
    assert response.status_code == 200
    found = LINK.search(response.get_data(as_text=True))
    assert found
    return found.group(0)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_see_the_surveys_link(client, db, login, role):
    login(make_user(role))
    assert '<a href="/staff/surveys">Surveys</a>' in _nav(client)
    assert client.get("/staff/surveys").status_code == 200


def test_facilitators_and_visitors_do_not(client, db, login):
    assert "/staff/surveys" not in _nav(client)
    login(make_user("facilitator"))
    nav = _nav(client)
    assert "/staff/surveys" not in nav and ">Today</a>" in nav  # signed in, without staff links
    assert client.get("/staff/surveys").status_code in (302, 403)
