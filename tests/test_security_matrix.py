"""Route x role matrix: every route has an explicit access rule, and every route is visited as seven kinds
of caller; the expected outcome is derived from the rule's kind, so routes added later are covered too.

Rule kinds (view.access_rule): "public", "ticket" (the ticket token is the capability), "signed-link"
(a signed, purpose-bound link), "roles:a,b" (csi_events.auth.access decorators), "api:<scope>" and
"api:public" (csi_events.api.spec.route), "loopback-or-token:<scope>" (/metrics). A route without one fails test_every_route_has_an_access_rule.

Callers: anonymous; an educator holding someone else's signed link; an API token lacking the needed scope;
a facilitator not assigned to the opportunity; the assigned facilitator; staff; admin.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import object_session

from csi_events import create_app
from csi_events.auth.models import TOKEN_SCOPES
from csi_events.auth.onetime import make_once_token
from csi_events.auth.services import create_api_token
from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.door.kiosk import open_kiosk
from csi_events.links import make_token
from csi_events.models import Person
from csi_events.support.models import SupportActivity
from csi_events.surveys.models import Survey, SurveyInvitation
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user

ROLES = (
    "anonymous",
    "educator_other_link",
    "token_missing_scope",
    "facilitator_other",
    "facilitator",
    "staff",
    "admin",
)
# Params that tie a route to one opportunity: a facilitator may use it only for an opportunity they facilitate.
OPPORTUNITY_SCOPED = {"opportunity_id", "session_id", "registration_id", "checkin_id"}
SKIP_METHODS = {"HEAD", "OPTIONS"}


def _collect_routes():
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False}
    )
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - SKIP_METHODS):
            routes.append((rule.rule, method, rule.endpoint))
    rules = {endpoint: getattr(app.view_functions[endpoint], "access_rule", None) for _r, _m, endpoint in routes}
    return sorted(routes), rules


ROUTES, RULES = _collect_routes()


def test_every_route_has_an_access_rule():
    missing = sorted({f"{rule} ({endpoint})" for rule, _m, endpoint in ROUTES if not RULES.get(endpoint)})
    assert missing == [], "routes without an access rule: " + ", ".join(missing)


def test_every_access_rule_is_a_known_kind():
    unknown = sorted({f"{endpoint}={r}" for endpoint, r in RULES.items() if r and _kind(r)[0] == "unknown"})
    assert unknown == []


def _kind(rule: str) -> tuple[str, set[str] | str | None]:
    if rule in ("public", "ticket", "signed-link"):
        return rule, None
    if rule.startswith("loopback-or-token:"):  # /metrics: the test client comes from 127.0.0.1, so it is let in
        return "loopback", rule.split(":", 1)[1]  # (tests/test_metrics.py covers another address)
    if rule.startswith("roles:"):
        return "roles", set(rule.split(":", 1)[1].split(","))
    if rule.startswith("api:"):
        scope = rule.split(":", 1)[1]
        return ("api_public", None) if scope == "public" else ("api", scope)
    return "unknown", None


# --- the world every route is visited in ----------------------------------------------------------------------


class World:
    """Real rows for every URL parameter: an opportunity (with a session) facilitated by `facilitator`, another
    opportunity facilitated by `facilitator_other`, a person P registered and checked in, another person Q."""

    def __init__(self, app, db):
        self.lea = make_lea()
        self.school = make_school(self.lea)
        self.users = {
            "facilitator": make_user("facilitator"),
            "facilitator_other": make_user("facilitator"),
            "staff": make_user("staff"),
            "admin": make_user("admin"),
        }
        self.spare_user = make_user("staff")
        self.opp = make_opportunity(
            facilitators=[self.users["facilitator"]], starts_at=utcnow() + dt.timedelta(minutes=30)
        )
        self.other_opp = make_opportunity(facilitators=[self.users["facilitator_other"]])
        self.session = self.opp.sessions[0]
        self.person = make_person(lea=self.lea, school=self.school)
        self.other_person = make_person()
        self.reg = make_registration(self.opp, self.person)
        self.other_reg = make_registration(self.opp, self.other_person)
        self.checkin = CheckIn(session=self.session, person=self.person, registration=self.reg, method="qr")
        db.session.add(self.checkin)
        self.activity = SupportActivity(
            occurred_on=dt.date.today(),
            lea=self.lea,
            kind="coaching",
            modality="virtual",
            duration_minutes=60,
            created_by=self.users["staff"],  # the staff member who logged it (others may not edit it)
            staff=[self.users["staff"]],
        )
        db.session.add(self.activity)
        db.session.flush()
        self.api_token_id = None
        # bearer tokens: each role's own scopes (as the browser session would have), and tokens lacking one scope
        self.tokens = {
            "facilitator": create_api_token(self.users["facilitator"], ["checkin"]),
            "facilitator_other": create_api_token(self.users["facilitator_other"], ["checkin"]),
            "staff": create_api_token(self.users["staff"], list(TOKEN_SCOPES)),
            "admin": create_api_token(self.users["admin"], list(TOKEN_SCOPES)),
        }
        self.missing = {
            s: create_api_token(self.users["admin"], [t for t in TOKEN_SCOPES if t != s]) for s in TOKEN_SCOPES
        }
        from csi_events.auth.models import ApiToken

        self.api_token_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))
        survey_invitations = _survey_invitations(self.opp, [self.person, self.other_person])
        # kiosk device links (door/kiosk.py): the secret in the URL is the capability, one per session
        _kiosk, self.kiosk_token = open_kiosk(self.session, self.users["staff"])
        _other_kiosk, self.other_kiosk_token = open_kiosk(self.other_opp.sessions[0], self.users["staff"])
        db.session.commit()
        with app.test_request_context():
            self.links = {
                "manage": make_token("manage", {"p": self.person.id}),
                "signin": make_once_token("signin", {"p": self.person.id}),
                "here": make_token("here", {"r": self.reg.id, "s": self.session.id}),
                "certificate": make_token("certificate", {"p": self.person.id}),
                "survey": make_token("survey", {"i": survey_invitations[0]}),
                "kiosk": self.kiosk_token,
            }
            self.other_links = {
                "manage": make_token("manage", {"p": self.other_person.id}),
                "signin": make_once_token("signin", {"p": self.other_person.id}),
                "here": make_token("here", {"r": self.other_reg.id, "s": self.session.id}),
                "certificate": make_token("certificate", {"p": self.other_person.id}),
                "survey": make_token("survey", {"i": survey_invitations[1]}),
                "kiosk": self.other_kiosk_token,
            }

    def value(self, name: str, rule: str, *, links: dict | None = None):
        links = links or self.links
        by_name = {
            "opportunity_id": self.opp.id,
            "session_id": self.session.id,
            "registration_id": self.reg.id,
            "person_id": self.person.id,
            "checkin_id": self.checkin.id,
            "lea_id": self.lea.id,
            "school_id": self.school.id,
            "cd_code": self.lea.cd_code,
            "cds_code": self.school.cds_code,
            "activity_id": self.activity.id,
            "user_id": self.spare_user.id,
            "token_id": self.api_token_id,
            "year": _school_year(),
            "fmt": "csv",
            "key": str(self.lea.subregion),
            "name": "none.eml",
        }
        if name in by_name:
            return by_name[name]
        if name == "token":
            purpose = link_purpose(rule)
            if purpose == "ticket":
                return self.reg.ticket
            return links[purpose]
        raise AssertionError(
            f"tests/test_security_matrix.py cannot fill <{name}> in {rule}: add it to World.value so the matrix "
            "can visit the route with real ids."
        )


def _survey_invitations(opportunity, people) -> list[int]:
    """Survey invitations of the opportunity's first session (the ids the signed survey links name)."""
    survey = Survey(opportunity_id=opportunity.id)
    db_session = object_session(opportunity)
    db_session.add(survey)
    db_session.flush()
    rows = [
        SurveyInvitation(
            survey_id=survey.id,
            round_key=opportunity.sessions[0].id,
            session_id=opportunity.sessions[0].id,
            person_id=p.id,
        )
        for p in people
    ]
    db_session.add_all(rows)
    db_session.flush()
    return [row.id for row in rows]


def _school_year() -> int:
    today = dt.date.today()
    return today.year if today.month >= 7 else today.year - 1


def link_purpose(rule: str) -> str:
    if rule.startswith("/t/"):
        return "ticket"
    if rule.startswith("/here/"):
        return "here"
    if rule.startswith("/me/signin/"):
        return "signin"
    if rule.startswith("/me/"):
        return "manage"
    if "certificate" in rule:
        return "certificate"
    if rule.startswith("/survey/"):
        return "survey"
    if rule.startswith("/kiosk/"):
        return "kiosk"
    raise AssertionError(f"which signed link opens {rule}? teach link_purpose in tests/test_security_matrix.py")


_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def build_url(world: World, rule: str, **overrides) -> str:
    def fill(match):
        name = match.group(1)
        return str(overrides[name] if name in overrides else world.value(name, rule, links=overrides.get("_links")))

    return _PARAM.sub(fill, rule)


def params_of(rule: str) -> set[str]:
    return set(_PARAM.findall(rule))


# --- visiting -------------------------------------------------------------------------------------------------


def visit(app, db, world: World, role: str, method: str, url: str, *, api: bool, scope: str | None = None):
    db.session.rollback()  # what a request left uncommitted is gone, as after a real request
    db.session.expire_all()
    client = app.test_client()
    headers = {}
    if role in world.users and not api:
        user = world.users[role]
        db.session.refresh(user)
        with client.session_transaction() as s:
            now = int(dt.datetime.now().timestamp())
            s["_user_id"] = user.get_id()
            s["_fresh"] = True
            s["auth_at"] = now
            s["seen_at"] = now
    elif role in world.tokens and api:
        headers["Authorization"] = f"Bearer {world.tokens[role]}"
    elif role == "token_missing_scope":
        # a valid token holding every scope but the one the route needs
        headers["Authorization"] = f"Bearer {world.missing[scope if scope in TOKEN_SCOPES else 'read']}"
    kwargs = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        if api:
            kwargs["json"] = {}
        else:
            kwargs["data"] = {}
    response = client.open(url, method=method, **kwargs)
    # Read a streamed body (exports) to its end here, in the request's context, rather than leave the generator to
    # be collected later in another test's context.
    response.get_data()
    response.close()
    return response


def to_login(response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code in (302, 303) and "/auth/login" in response.headers.get("Location", "")


def allowed(response) -> bool:
    return response.status_code < 500 and response.status_code not in (401, 403) and not to_login(response)


def refused(response) -> bool:
    return response.status_code in (403, 404) or to_login(response)


def refused_or_invalid(response) -> bool:
    """For an API write sent with an empty body: 422 means the call did nothing either (the body is checked
    first); test_unassigned_facilitator_walk_in_is_refused covers a valid body."""
    return refused(response) or response.status_code == 422


def public_ok(response) -> bool:
    """A public page may send anyone to the sign-in page (e.g. the second sign-in step without a first)."""
    return response.status_code < 500 and response.status_code not in (401, 403)


def expected(kind: str, arg, role: str, rule: str) -> str:
    """'allowed', 'login' (401 or redirect to sign-in), 'forbidden' (403) or 'refused' (403/404)."""
    scoped = bool(params_of(rule) & OPPORTUNITY_SCOPED)
    if kind == "public":
        return "public"
    if kind in ("ticket", "signed-link", "api_public", "loopback"):
        return "allowed"
    if kind == "roles":
        return _expected_of_page(arg, role, scoped)
    if kind == "api":
        return _expected_of_api(arg, role, scoped)
    raise AssertionError(kind)


def _expected_of_page(roles, role: str, scoped: bool) -> str:
    if role in ("anonymous", "educator_other_link", "token_missing_scope"):
        return "login"  # a bearer token never signs a browser page in
    base = "facilitator" if role.startswith("facilitator") else role
    if base not in roles:
        return "forbidden"
    if role == "facilitator_other" and scoped:
        return "refused"
    return "allowed"


def _expected_of_api(scope, role: str, scoped: bool) -> str:
    if role in ("anonymous", "educator_other_link"):
        return "login"
    if role == "token_missing_scope":
        return "forbidden"
    if role.startswith("facilitator"):
        if scope != "checkin":
            return "forbidden"
        if role == "facilitator_other" and scoped:
            return "refused_or_invalid"
    return "allowed"


CHECKS = {
    "allowed": allowed,
    "public": public_ok,
    "login": to_login,
    "forbidden": lambda r: r.status_code == 403,
    "refused": refused,
    "refused_or_invalid": refused_or_invalid,
}


@pytest.mark.parametrize(("rule", "method", "endpoint"), ROUTES, ids=[f"{m} {r}" for r, m, _e in ROUTES])
def test_route_by_role(app, db, rule, method, endpoint):
    access = RULES.get(endpoint)
    if not access:
        pytest.fail(f"{rule} has no access rule")
    kind, arg = _kind(access)
    world = World(app, db)
    api = rule.startswith("/api/")
    failures = []
    for role in ROLES:
        links = world.other_links if role == "educator_other_link" else None
        url = build_url(world, rule, _links=links)
        response = visit(app, db, world, role, method, url, api=api, scope=arg if kind == "api" else None)
        want = expected(kind, arg, role, rule)
        if not CHECKS[want](response):
            failures.append(
                f"{role}: expected {want}, got {response.status_code} {response.headers.get('Location', '')}"
            )
    assert failures == [], f"{method} {rule} [{access}]\n" + "\n".join(failures)


# --- swapped ids and links ------------------------------------------------------------------------------------

LINK_ROUTES = [(r, m, e) for r, m, e in ROUTES if RULES.get(e) in ("signed-link", "ticket")]


@pytest.mark.parametrize(("rule", "method", "endpoint"), LINK_ROUTES, ids=[f"{m} {r}" for r, m, _e in LINK_ROUTES])
def test_forged_or_foreign_links_are_refused(app, db, rule, method, endpoint):
    world = World(app, db)
    purpose = link_purpose(rule)
    good = build_url(world, rule)
    assert allowed(visit(app, db, world, "anonymous", method, good, api=False)), good
    bad_tokens = {"tampered": world.value("token", rule)[:-3] + "xyz", "random": "A" * 43}
    if purpose != "ticket":
        other_purpose = "certificate" if purpose != "certificate" else "manage"
        with app.test_request_context():
            bad_tokens["other purpose"] = make_token(
                other_purpose, {"p": world.person.id, "r": world.reg.id, "s": world.session.id}
            )
    for label, token in bad_tokens.items():
        response = visit(app, db, world, "anonymous", method, build_url(world, rule, token=token), api=False)
        assert response.status_code in (400, 403, 404, 410), f"{label} token on {rule}: {response.status_code}"
    # someone else's link with this person's ids (an opportunity Q never attended, etc.) is refused
    if "opportunity_id" in params_of(rule) and purpose == "manage":
        other_opp = world.other_opp.id
        url = build_url(world, rule, _links=world.other_links, opportunity_id=other_opp)
        assert refused(visit(app, db, world, "anonymous", method, url, api=False)), url


def test_here_link_of_one_session_does_not_open_another_opportunitys_session(app, db):
    if not any(r.startswith("/here/") for r, _m, _e in ROUTES):
        pytest.skip("no /here/<token> route")
    world = World(app, db)
    with app.test_request_context():
        swapped = make_token("here", {"r": world.reg.id, "s": world.other_opp.sessions[0].id})
    response = visit(app, db, world, "anonymous", "POST", f"/here/{swapped}", api=False)
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn).where(CheckIn.session_id == world.other_opp.sessions[0].id)) is None, (
        response.status_code
    )


def test_person_ids_in_staff_urls_do_not_leak_to_facilitators(app, db):
    world = World(app, db)
    for rule, method, endpoint in ROUTES:
        if method == "GET" and "person_id" in params_of(rule) and RULES[endpoint].startswith("roles:"):
            response = visit(app, db, world, "facilitator", method, build_url(world, rule), api=False)
            roles = _kind(RULES[endpoint])[1]
            if "facilitator" not in roles:
                assert response.status_code == 403, rule
    assert db.session.get(Person, world.person.id).email is not None


def test_unassigned_facilitator_walk_in_is_refused(app, db):
    if not any(r == "/api/v1/sessions/<int:session_id>/walk-ins" for r, _m, _e in ROUTES):
        pytest.skip("no walk-in route")
    world = World(app, db)
    body = {"first_name": "Walk", "last_name": "In", "email": "walkin@example.org", "role": "teacher"}
    client = app.test_client()
    url = f"/api/v1/sessions/{world.session.id}/walk-ins"
    response = client.post(url, json=body, headers={"Authorization": f"Bearer {world.tokens['facilitator_other']}"})
    assert response.status_code in (403, 404), response.get_data(as_text=True)
    assert db.session.scalar(select(Person).where(Person.email == "walkin@example.org")) is None
    response = client.post(url, json=body, headers={"Authorization": f"Bearer {world.tokens['facilitator']}"})
    assert response.status_code == 201, response.get_data(as_text=True)
