"""One reading of ?page= for every paginated page: 1..MAX_PAGE, anything else 1, never a 500."""

import pytest

from csi_events.paging import MAX_PAGE, page_number
from tests.factories import make_user


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-4", 1), ("x", 1), ("1e3", 1), ("99999999999999999999", MAX_PAGE)],
)
def test_page_number(app, raw, expected):
    query = {} if raw is None else {"page": raw}
    with app.test_request_context("/", query_string=query):
        assert page_number() == expected


@pytest.mark.parametrize(
    "path", ["/staff/people", "/staff/reports/rows", "/staff/audit", "/staff/support", "/staff/directory/leas"]
)
def test_huge_page_numbers_are_an_empty_page_not_an_error(client, db, login, path):
    login(make_user("staff"))
    db.session.commit()
    response = client.get(path, query_string={"page": "99999999999999999999"})
    assert response.status_code == 200
