"""The check-in hot path's SQL, built once (Core, bind parameters) and run by scan.py on the ORM session's
connection, in the same transaction."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, bindparam, case, delete, func, select, text, update

from ..auth.models import User
from ..db import UTCDateTime
from ..directory.models import Lea, School
from ..opportunities.models import Session, opportunity_facilitators
from ..people.models import Person
from ..registrations.models import Registration
from ..reports.cache import bump_cte
from .models import CheckIn, ScanAnswer

reg, person, lea, school = (m.__table__ for m in (Registration, Person, Lea, School))
ci, answers, users = CheckIn.__table__, ScanAnswer.__table__, User.__table__
by = users.alias("by_user")
BY_LABEL = func.coalesce(func.nullif(by.c.display_name, ""), by.c.email)

FIND_ANSWER = select(answers.c.answer).where(answers.c.nonce == bindparam("nonce"))


# The session's check-ins in one pass (an aggregate: always exactly one row, so it anchors the read below).
SESSION_COUNTS = (
    select(
        func.count().label("checked_in"),
        func.coalesce(func.sum(case((ci.c.method == "walk_in", 1), else_=0)), 0).label("walk_ins"),
    )
    .where(ci.c.session_id == bindparam("session_id"), ci.c.undone_at.is_(None))
    .subquery("session_counts")
)
READ_TICKET = select(
    FIND_ANSWER.scalar_subquery().label("replay"),
    SESSION_COUNTS.c.checked_in,
    SESSION_COUNTS.c.walk_ins,
    select(func.count())
    .select_from(reg)
    .where(reg.c.opportunity_id == bindparam("opportunity_id"), reg.c.status == "confirmed")
    .scalar_subquery()
    .label("confirmed"),
    reg.c.id.label("registration_id"),
    reg.c.opportunity_id,
    reg.c.person_id,
    reg.c.status,
    reg.c.needs.label("registration_needs"),
    person.c.first_name,
    person.c.last_name,
    person.c.needs.label("person_needs"),
    lea.c.name.label("lea"),
    school.c.name.label("school"),
    ci.c.id.label("checkin_id"),
    ci.c.checked_in_at,
    ci.c.method,
    ci.c.override,
    ci.c.undone_at,
    BY_LABEL.label("by_label"),
).select_from(
    SESSION_COUNTS.outerjoin(
        reg.join(person, person.c.id == reg.c.person_id)
        .outerjoin(lea, lea.c.id == person.c.lea_id)
        .outerjoin(school, school.c.id == person.c.school_id)
        .outerjoin(ci, (ci.c.session_id == bindparam("session_id")) & (ci.c.person_id == reg.c.person_id))
        .outerjoin(by, by.c.id == ci.c.by_user_id),
        reg.c.ticket == bindparam("ticket"),
    )
)

READ_CHECKIN = (
    select(
        ci.c.id.label("checkin_id"),
        ci.c.checked_in_at,
        ci.c.method,
        ci.c.override,
        ci.c.undone_at,
        BY_LABEL.label("by_label"),
    )
    .select_from(ci)
    .outerjoin(by, by.c.id == ci.c.by_user_id)
    .where(ci.c.session_id == bindparam("session_id"), ci.c.person_id == bindparam("person_id"))
)

DELETE_CHECKIN = delete(ci).where(ci.c.id == bindparam("id"))
SET_ANSWER = update(answers).where(answers.c.nonce == bindparam("key")).values(answer=bindparam("answer"))

REVIVE = (
    update(ci)
    .where(ci.c.id == bindparam("key"), ci.c.undone_at.is_not(None))
    .values(
        registration_id=bindparam("registration_id"),
        checked_in_at=bindparam("checked_in_at"),
        scanned_at=bindparam("scanned_at"),
        by_user_id=bindparam("by_user_id"),
        method=bindparam("method"),
        override=bindparam("override"),
        undone_at=None,
        undone_by_id=None,
    )
)

# INSERT ... ON CONFLICT DO NOTHING RETURNING: the same text on PostgreSQL and SQLite (3.35+); written as
# text so that SQLAlchemy caches its compiled form (the dialect constructs carry no cache key).
CLAIM_NONCE = (
    text(
        "INSERT INTO scan_answers (nonce, session_id, answer, created_at) "
        "VALUES (:nonce, :session_id, :answer, :created_at) ON CONFLICT (nonce) DO NOTHING RETURNING id"
    )
    .bindparams(bindparam("answer", type_=answers.c.answer.type), bindparam("created_at", type_=UTCDateTime()))
    .columns(id=Integer)
)
ADD_CHECKIN = (
    text(
        "INSERT INTO checkins (session_id, person_id, registration_id, checked_in_at, scanned_at, by_user_id, "
        "method, override) VALUES (:session_id, :person_id, :registration_id, :checked_in_at, :scanned_at, "
        ":by_user_id, :method, :override) ON CONFLICT (session_id, person_id) DO NOTHING RETURNING id, checked_in_at"
    )
    .bindparams(
        bindparam("checked_in_at", type_=UTCDateTime()),
        bindparam("scanned_at", type_=UTCDateTime()),
        bindparam("override", type_=Boolean()),
    )
    .columns(id=Integer, checked_in_at=UTCDateTime())
)

# PostgreSQL: the check-in and the answer kept for its nonce in one statement (a data-modifying CTE, one round
# trip instead of two). The answer is stored with the new check-in's id set in it. No row: the check-in was not
# inserted (a concurrent scan of the same person came first; nothing was written). answer_id NULL: another request
# holds the nonce (the check-in was inserted and must be taken back).
_ADD_CHECKIN_AND_ANSWER = (
    "WITH added AS (INSERT INTO checkins (session_id, person_id, registration_id, checked_in_at, scanned_at, "
    "by_user_id, method, override) VALUES (:session_id, :person_id, :registration_id, :checked_in_at, "
    ":scanned_at, :by_user_id, :method, :override) ON CONFLICT (session_id, person_id) DO NOTHING "
    "RETURNING id), "
    "answered AS (INSERT INTO scan_answers (nonce, session_id, answer, created_at) "
    "SELECT :nonce, :session_id, CAST(jsonb_set(CAST(:answer AS jsonb), '{checkin,id}', to_jsonb(added.id)) "
    "AS json), :created_at FROM added ON CONFLICT (nonce) DO NOTHING RETURNING id)<bump> "
    "SELECT added.id, (SELECT answered.id FROM answered) AS answer_id<bumped> FROM added"
)
_ADD_BINDS = (
    bindparam("checked_in_at", type_=UTCDateTime()),
    bindparam("scanned_at", type_=UTCDateTime()),
    bindparam("override", type_=Boolean()),
    bindparam("answer", type_=answers.c.answer.type),
    bindparam("created_at", type_=UTCDateTime()),
)
ADD_CHECKIN_AND_ANSWER = (
    text(_ADD_CHECKIN_AND_ANSWER.replace("<bump>", "").replace("<bumped>", ""))
    .bindparams(*_ADD_BINDS)
    .columns(id=Integer, answer_id=Integer)
)
# The same, with the report data version's bump (reports/cache.py bump_cte, parameter :shard) made after both
# inserts, only when both were made: `bumped` NULL means not bumped (the commit then bumps as usual). For a scan
# whose transaction commits right after this statement (the API's scan).
ADD_CHECKIN_ANSWER_AND_BUMP = (
    text(
        _ADD_CHECKIN_AND_ANSWER.replace("<bump>", ", " + bump_cte("bumped", "answered")).replace(
            "<bumped>", ", (SELECT bumped.id FROM bumped) AS bumped"
        )
    )
    .bindparams(*_ADD_BINDS)
    .columns(id=Integer, answer_id=Integer, bumped=Integer)
)
# The same for a statement committed on its own (autocommit: the API's scan, checkin/scan.py scan()), which must
# therefore be all or nothing: when the check-in was inserted but its answer or the bump was not (another request
# holds the nonce; a wiped database lost the counter row), the division by zero fails the statement and PostgreSQL
# undoes every part of it (SQLSTATE 22012, WHOLE_OR_NOTHING). No row: nothing was inserted (a concurrent scan of
# the same person came first).
WHOLE_OR_NOTHING = "22012"
ADD_CHECKIN_ANSWER_AND_BUMP_WHOLE = (
    text(
        _ADD_CHECKIN_AND_ANSWER.split(" SELECT added.id,", 1)[0].replace(
            "<bump>", ", " + bump_cte("bumped", "answered")
        )
        + " SELECT added.id, answered.id AS answer_id, bumped.id AS bumped, "
        "1 / CAST(answered.id IS NOT NULL AND bumped.id IS NOT NULL AS integer) AS whole "
        "FROM added LEFT JOIN answered ON true LEFT JOIN bumped ON true"
    )
    .bindparams(*_ADD_BINDS)
    .columns(id=Integer, answer_id=Integer, bumped=Integer, whole=Integer)
)


IS_FACILITATOR = select(opportunity_facilitators.c.user_id).where(
    opportunity_facilitators.c.opportunity_id == bindparam("opportunity_id"),
    opportunity_facilitators.c.user_id == bindparam("user_id"),
)


sessions = Session.__table__
SESSION_FOR_SCAN = select(
    sessions.c.id,
    sessions.c.opportunity_id,
    sessions.c.starts_at,
    sessions.c.ends_at,
    sessions.c.checkin_opens_at,
    sessions.c.checkin_closes_at,
    select(opportunity_facilitators.c.user_id)
    .where(
        opportunity_facilitators.c.opportunity_id == sessions.c.opportunity_id,
        opportunity_facilitators.c.user_id == bindparam("user_id"),
    )
    .exists()
    .label("facilitates"),
).where(sessions.c.id == bindparam("session_id"))


# The API's scan: the session, the caller's right to check in and the ticket read (READ_TICKET's columns) in one
# statement, anchored on the session's row (no row: no such session). The confirmed count follows the session's
# opportunity through its own alias of registrations.
confirmed_reg = reg.alias("confirmed_reg")
SCAN_READ = select(
    sessions.c.id.label("s_id"),
    sessions.c.opportunity_id.label("s_opportunity_id"),
    sessions.c.starts_at.label("s_starts_at"),
    sessions.c.ends_at.label("s_ends_at"),
    sessions.c.checkin_opens_at.label("s_checkin_opens_at"),
    sessions.c.checkin_closes_at.label("s_checkin_closes_at"),
    SESSION_FOR_SCAN.selected_columns.facilitates,
    *(
        select(func.count())
        .select_from(confirmed_reg)
        .where(confirmed_reg.c.opportunity_id == sessions.c.opportunity_id, confirmed_reg.c.status == "confirmed")
        .correlate(sessions)
        .scalar_subquery()
        .label("confirmed")
        if column.name == "confirmed"
        else column
        for column in READ_TICKET.selected_columns
    ),
).select_from(READ_TICKET.get_final_froms()[0].join(sessions, sessions.c.id == bindparam("session_id")))
