"""What changes a figure, declared once; the database triggers that note every such change are generated from it.

Each change that can move a figure adds a row to report_dirty_people in the same statement, so the note commits or
rolls back with the change itself, whichever code path made it (ORM, Core, raw SQL, COPY). This one log keeps both
fresh: the school-year rollup recomputes the people noted (rollup.py), and the figures cache keys its entries by the
log (cache.py). A change that moves a figure without concerning a person's share (an opportunity or session added,
a place's code changed) is noted as NO_PERSON, so that cached figures are recomputed too.

A migration never imports this module: it writes out the DDL as of its day (tests/test_migrations.py checks that a
migrated database has the same triggers as one made from the models).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

NOTES = "report_dirty_people"
NO_PERSON = 0  # a note that moves the figures' version without a person to recompute (no person has id 0)


class Who(Enum):
    """The people a change concerns, read from the changed row (NEW or OLD)."""

    CHECKIN_PERSON = "checkin_person"  # checkins.person_id
    PERSON = "person"  # the person and their merge survivor
    OPPORTUNITY_PEOPLE = "opportunity_people"  # everyone checked in at a session of the row's opportunity
    SESSION_PEOPLE = "session_people"  # everyone checked in at the session
    SCHOOL_PEOPLE = "school_people"  # everyone of the school
    LEA_PEOPLE = "lea_people"  # everyone of the LEA, directly or through their school
    NOBODY = "nobody"  # only the version


@dataclass(frozen=True)
class Watch:
    table: str
    event: str  # INSERT, UPDATE or DELETE
    who: tuple[Who, ...]
    columns: tuple[str, ...] = ()  # UPDATE: only when one of these changes
    key: str = "id"  # the column `who` is read from (opportunity_topics: opportunity_id)

    @property
    def name(self) -> str:
        return f"report_note_{self.table}_{self.event.lower()}"


_PLACE_CHANGE = (Who.NOBODY,)
WATCHES: tuple[Watch, ...] = (
    Watch("checkins", "INSERT", (Who.CHECKIN_PERSON,), key="person_id"),
    Watch("checkins", "DELETE", (Who.CHECKIN_PERSON,), key="person_id"),
    Watch("checkins", "UPDATE", (Who.CHECKIN_PERSON,), ("person_id", "session_id", "undone_at"), key="person_id"),
    Watch("people", "UPDATE", (Who.PERSON,), ("lea_id", "school_id", "merged_into_id")),
    Watch("opportunities", "INSERT", _PLACE_CHANGE),
    Watch("opportunities", "DELETE", _PLACE_CHANGE),
    Watch("opportunities", "UPDATE", (Who.OPPORTUNITY_PEOPLE, Who.NOBODY), ("status", "subregion", "kind", "modality")),
    Watch("opportunity_topics", "INSERT", (Who.OPPORTUNITY_PEOPLE, Who.NOBODY), key="opportunity_id"),
    Watch("opportunity_topics", "DELETE", (Who.OPPORTUNITY_PEOPLE, Who.NOBODY), key="opportunity_id"),
    Watch(
        "opportunity_topics",
        "UPDATE",
        (Who.OPPORTUNITY_PEOPLE, Who.NOBODY),
        ("opportunity_id", "topic"),
        key="opportunity_id",
    ),
    Watch("sessions", "INSERT", _PLACE_CHANGE),
    Watch("sessions", "DELETE", _PLACE_CHANGE),
    Watch("sessions", "UPDATE", (Who.SESSION_PEOPLE, Who.NOBODY), ("starts_at", "opportunity_id")),
    Watch("schools", "UPDATE", (Who.SCHOOL_PEOPLE, Who.NOBODY), ("subregion", "lea_id", "cds_code")),
    Watch("leas", "UPDATE", (Who.LEA_PEOPLE, Who.NOBODY), ("subregion", "cd_code")),
)


def _people(who: Who, row: str, key: str) -> str:
    """The SELECT of the people `who` names in the row `row` (NEW or OLD); all but NOBODY end in a WHERE clause."""
    ref = f"{row}.{key}"
    return {
        Who.CHECKIN_PERSON: f"SELECT {ref} WHERE {ref} IS NOT NULL",
        Who.PERSON: f"SELECT {row}.id UNION SELECT {row}.merged_into_id WHERE {row}.merged_into_id IS NOT NULL",
        Who.OPPORTUNITY_PEOPLE: (
            f"SELECT DISTINCT c.person_id FROM checkins c JOIN sessions s ON s.id = c.session_id "
            f"WHERE s.opportunity_id = {ref}"
        ),
        Who.SESSION_PEOPLE: f"SELECT DISTINCT person_id FROM checkins WHERE session_id = {ref}",
        Who.SCHOOL_PEOPLE: f"SELECT id FROM people WHERE school_id = {ref}",
        Who.LEA_PEOPLE: (
            f"SELECT p.id FROM people p LEFT JOIN schools s ON s.id = p.school_id "
            f"WHERE (p.lea_id = {ref} OR s.lea_id = {ref})"
        ),
        Who.NOBODY: f"SELECT {NO_PERSON}",
    }[who]


def note_statements(w: Watch, distinct: str) -> list[str]:
    """The INSERTs of a trigger's body. An update notes the people of the new row, and those of the old row only
    where they may differ (the row moved to another person or opportunity; a merge survivor replaced)."""
    insert = f"INSERT INTO {NOTES} (person_id) "
    statements = []
    for who in w.who:
        if who is Who.NOBODY or w.event != "UPDATE":
            row = "OLD" if w.event == "DELETE" and who is not Who.NOBODY else "NEW"
            statements.append(insert + _people(who, row, w.key))
            continue
        statements.append(insert + _people(who, "NEW", w.key))
        if who is Who.PERSON:
            old, new = "OLD.merged_into_id", "NEW.merged_into_id"
            statements.append(insert + f"SELECT {old} WHERE {old} IS NOT NULL AND {old} {distinct} {new}")
        elif w.key != "id":  # an id never changes: the old row's people are the new row's
            statements.append(insert + _people(who, "OLD", w.key) + f" AND OLD.{w.key} {distinct} NEW.{w.key}")
    return statements


def _changed(w: Watch, distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in w.columns)


def _event(w: Watch) -> str:
    return f"UPDATE OF {', '.join(w.columns)}" if w.columns else w.event


# --- SQLite -----------------------------------------------------------------------------------------------------
def sqlite_ddl() -> list[str]:
    ddl = []
    for w in WATCHES:
        when = f" WHEN {_changed(w, 'IS NOT')}" if w.columns else ""
        body = "; ".join(note_statements(w, "IS NOT"))
        ddl.append(f"CREATE TRIGGER IF NOT EXISTS {w.name} AFTER {_event(w)} ON {w.table}{when} BEGIN {body}; END")
    return ddl


# --- PostgreSQL -------------------------------------------------------------------------------------------------
def _bulk(w: Watch) -> bool:
    """Check-ins inserted or deleted are noted once per statement, from its transition table (a bulk COPY stays
    fast); every other change per row."""
    return w.table == "checkins" and w.event in ("INSERT", "DELETE")


def postgresql_ddl() -> list[str]:
    ddl = []
    for w in WATCHES:
        if _bulk(w):
            body = f"INSERT INTO {NOTES} (person_id) SELECT DISTINCT person_id FROM changed_rows"
            level = f"REFERENCING {'NEW' if w.event == 'INSERT' else 'OLD'} TABLE AS changed_rows FOR EACH STATEMENT"
        else:
            body = "; ".join(note_statements(w, "IS DISTINCT FROM"))
            when = f" WHEN ({_changed(w, 'IS DISTINCT FROM')})" if w.columns else ""
            level = f"FOR EACH ROW{when}"
        ddl.append(
            f"CREATE OR REPLACE FUNCTION {w.name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$"
        )
        ddl.append(f"DROP TRIGGER IF EXISTS {w.name} ON {w.table}")
        ddl.append(f"CREATE TRIGGER {w.name} AFTER {_event(w)} ON {w.table} {level} EXECUTE FUNCTION {w.name}()")
    return ddl


def create_triggers(connection) -> None:
    """Make the triggers (again): idempotent on both databases."""
    for ddl in postgresql_ddl() if connection.dialect.name == "postgresql" else sqlite_ddl():
        connection.exec_driver_sql(ddl)
