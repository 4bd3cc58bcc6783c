"""A small world whose report figures were counted by hand (school year 2024-25).

LEAs A (subregion 4), B (2), C (8); schools A1 (4), A2 (A, none of its own: counts under A's 4), B1 (2), C1 (C,
but subregion 7 of its own).
People: p1 A/A1, p2 A/A2, p3 B/B1, p4 C/C1, p5 "not listed" (organization only), p6 A/A1 = p1 under a
second address (merged into p1 when merge=True), p7 B/B1 a walk-in, p8 C (only an undone check-in).

Opportunities (times 16:00 UTC = 9:00 in Los Angeles):
- O1 workshop, in person, subregion 4, family engagement, 2 sessions (2024-09-10, 2024-09-17), 4 PD hours
  S1: p1, p2, p3, p6   S2: p1, p2
- O2 webinar, virtual, countywide, two topics, 1 session (2024-10-15), 1.5 PD hours:  p4, p5, p6
- O3 training series, hybrid, subregion 2, extended learning, 3 sessions (2025-01-14, 02-11, 03-11), 6 PD hours
  S1: p3, p7 (walk-in), p8 (undone)   S2: p3   S3: p3, p4
- O4 draft (never counted), 2024-11-05: p1
- O5 published, 2024-06-11 (previous school year): p2
- O6 published, 2025-04-15, nobody came (counts as an opportunity and a session)

After the merge p6's O1/S1 check-in collides with p1's and is combined; p6's O2 check-in moves to p1.
By the participants' subregion: 4 (p1, p2), 2 (p3, p7), 7 (p4), neither (p5): three subregions reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from csi_events.extensions import db
from csi_events.models import CheckIn, OpportunityTopic, Session
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school

EXPECTED_AFTER_MERGE = {
    "opportunities": 4,
    "opportunities_with_attendance": 3,  # O6: nobody came
    "sessions": 7,
    "attendances": 13,
    "attendees": 9,
    "unique_individuals": 6,
    "leas": 3,
    "schools": 4,
    "subregions": 3,  # 4, 2, 7
}
EXPECTED_BEFORE_MERGE = {
    "opportunities": 4,
    "opportunities_with_attendance": 3,
    "sessions": 7,
    "attendances": 14,
    "attendees": 10,
    "unique_individuals": 7,
    "leas": 3,
    "schools": 4,
    "subregions": 3,
}
# LEA A after the merge: p1 (O1 S1, O1 S2, O2) and p2 (O1 S1, O1 S2).
EXPECTED_LEA_A = {
    "opportunities": 2,
    "opportunities_with_attendance": 2,
    "sessions": 3,
    "attendances": 5,
    "attendees": 3,
    "unique_individuals": 2,
    "leas": 1,
    "schools": 2,
    "subregions": 1,
}
EXPECTED_BY_MONTH = {"2024-09": 5, "2024-10": 3, "2025-01": 2, "2025-02": 1, "2025-03": 2}
EXPECTED_BY_SUBREGION = {4: (5, 3), None: (3, 3), 2: (5, 3)}  # subregion -> (attendances, unique individuals)
# The participants' subregion (school's, else its LEA's) -> (attendances, attendees, unique individuals); None: p5,
# who has neither.
EXPECTED_BY_PEOPLE_SUBREGION = {4: (5, 3, 2), 2: (5, 3, 2), 7: (2, 2, 1), None: (1, 1, 1)}


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 16, 0, tzinfo=UTC)


@dataclass
class World:
    leas: dict
    schools: dict
    people: dict
    opps: dict
    sessions: dict


def _series(opp, dates: list[datetime]) -> None:
    """Give `opp` exactly these session start times (2 hours each)."""
    opp.sessions.clear()
    db.session.flush()
    for start in dates:
        opp.sessions.append(Session(starts_at=start, ends_at=start + timedelta(hours=2)))
    db.session.flush()


def build(merge: bool = True, actor=None) -> World:
    lea_a = make_lea("Alpha Unified", cd_code="1900001", subregion=4)
    lea_b = make_lea("Beta Elementary", cd_code="1900002", subregion=2)
    lea_c = make_lea("Gamma Union High", cd_code="1900003", subregion=8)
    a1 = make_school(lea_a, "Alpha High", cds_code="19000010000011")
    a2 = make_school(lea_a, "Alpha Middle", cds_code="19000010000012", subregion=None)
    b1 = make_school(lea_b, "Beta Primary", cds_code="19000020000021")
    c1 = make_school(lea_c, "Gamma High", cds_code="19000030000031", subregion=7)
    people = {
        "p1": make_person("ana.lopez@example.org", lea_a, a1, first_name="Ana", last_name="Lopez", role="teacher"),
        "p2": make_person("ben@example.org", lea_a, a2, first_name="Ben", last_name="Okafor"),
        "p3": make_person("cai@example.org", lea_b, b1, first_name="Cai", last_name="Wong"),
        "p4": make_person("dee@example.org", lea_c, c1, first_name="Dee", last_name="Ruiz"),
        "p5": make_person(
            "eve@example.net", None, None, first_name="Eve", last_name="Stone", organization="Helping Hands"
        ),
        "p6": make_person("ana.lopez+pd@example.org", lea_a, a1, first_name="Ana", last_name="Lopez"),
        "p7": make_person("fay@example.org", lea_b, b1, first_name="Fay", last_name="Nakamura"),
        "p8": make_person("gus@example.org", lea_c, None, first_name="Gus", last_name="Hill"),
    }
    o1 = make_opportunity(title="Family Engagement Workshop", kind="workshop", modality="in_person", subregion=4)
    _series(o1, [at(2024, 9, 10), at(2024, 9, 17)])
    o1.pd_hours = Decimal("4")
    o2 = make_opportunity(
        title="Integrated Supports Webinar",
        kind="webinar",
        modality="virtual",
        subregion=None,
        topics=("integrated_student_supports", "collaborative_leadership"),
    )
    _series(o2, [at(2024, 10, 15)])
    o2.pd_hours = Decimal("1.5")
    o3 = make_opportunity(
        title="Extended Learning Series",
        kind="training_series",
        modality="hybrid",
        subregion=2,
        topics=("extended_learning",),
    )
    _series(o3, [at(2025, 1, 14), at(2025, 2, 11), at(2025, 3, 11)])
    o3.pd_hours = Decimal("6")
    o4 = make_opportunity(title="Draft Thing", status="draft")
    _series(o4, [at(2024, 11, 5)])
    o5 = make_opportunity(title="Last June Convening", kind="convening")
    _series(o5, [at(2024, 6, 11)])
    o6 = make_opportunity(title="Empty Office Hours", kind="office_hours", modality="virtual", subregion=8)
    _series(o6, [at(2025, 4, 15)])
    assert isinstance(o1.topic_rows[0], OpportunityTopic)

    opps = {"O1": o1, "O2": o2, "O3": o3, "O4": o4, "O5": o5, "O6": o6}
    regs = {}

    def reg(opp_key, person_key, **kw):
        key = (opp_key, person_key)
        if key not in regs:
            regs[key] = make_registration(opps[opp_key], people[person_key], **kw)
        return regs[key]

    def check(opp_key, index, person_key, minutes=None, undone=False, method="qr"):
        session = opps[opp_key].sessions[index]
        r = reg(opp_key, person_key, source="walk_in" if method == "walk_in" else "online")
        ci = CheckIn(
            session_id=session.id,
            person_id=people[person_key].id,
            registration_id=r.id,
            checked_in_at=session.starts_at - timedelta(minutes=10),
            method=method,
            minutes_present=minutes,
        )
        if undone:
            ci.undone_at = session.starts_at
        db.session.add(ci)
        return ci

    for p in ("p1", "p2", "p3", "p6"):
        check("O1", 0, p)
    for p in ("p1", "p2"):
        check("O1", 1, p)
    for p in ("p4", "p5", "p6"):
        check("O2", 0, p, minutes=55)
    check("O3", 0, "p3")
    check("O3", 0, "p7", method="walk_in")
    check("O3", 0, "p8", undone=True)
    check("O3", 1, "p3")
    check("O3", 2, "p3")
    check("O3", 2, "p4")
    check("O4", 0, "p1")
    check("O5", 0, "p2")
    db.session.flush()
    # p6's O1 check-in was the earlier one: a merge keeps the earliest.
    first = db.session.query(CheckIn).filter_by(person_id=people["p6"].id, session_id=o1.sessions[0].id).one()
    first.checked_in_at -= timedelta(minutes=5)
    db.session.flush()

    if merge:
        from csi_events.people.services import merge_people

        merge_people(people["p1"].id, people["p6"].id, actor=actor)
    db.session.commit()
    sessions = {f"{k}S{i + 1}": s for k, o in opps.items() for i, s in enumerate(o.sessions)}
    return World(
        leas={"A": lea_a, "B": lea_b, "C": lea_c},
        schools={"A1": a1, "A2": a2, "B1": b1, "C1": c1},
        people=people,
        opps=opps,
        sessions=sessions,
    )
