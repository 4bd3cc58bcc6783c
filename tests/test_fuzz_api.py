"""schemathesis fuzzes every operation of /api/v1/openapi.json in-process (WSGI, no network): no input may
cause a 500, and every response must match the document (status, content type, body schema).

Bounded: a few derandomized examples per operation, so the run is quick and repeatable."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from csi_events.auth.models import TOKEN_SCOPES
from csi_events.auth.services import create_api_token
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user

pytestmark = pytest.mark.slow  # every operation fuzzed: over a minute

MAX_EXAMPLES = 10


@pytest.fixture
def api_schema(app, db):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def bearer(app, db):
    """A token with every scope, and some rows for ids to land on."""
    lea = make_lea(cd_code="1964733")
    school = make_school(lea)
    opp = make_opportunity()
    make_registration(opp, make_person(lea=lea, school=school))
    token = create_api_token(make_user("admin"), list(TOKEN_SCOPES))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def not_a_server_error(ctx, response, case):
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,  # nothing written to the work tree
    suppress_health_check=list(HealthCheck),
)
def test_api_survives_fuzzing_and_keeps_its_schema(case, bearer):
    case.call_and_validate(
        headers=bearer,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


def test_the_fuzzer_sees_the_operations(app, db):
    operations = list(schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).get_all_operations())
    assert len(operations) >= 5
