"""The triggers that note which people's figures may have changed (reports/rollup_models.py).

Each change that can move a dashboard figure adds the people concerned to report_dirty_people in the same
statement, so the note commits or rolls back with the change itself. What moves a figure, and who is noted:
- checkins: inserted, deleted, or person_id / session_id / undone_at updated: the person (old and new);
- people: lea_id, school_id or merged_into_id changed: the person and the merge survivor (old and new);
- opportunities: status, subregion, kind or modality changed: everyone checked in at one of its sessions;
- opportunity_topics: a topic added, removed or changed: everyone checked in at one of its sessions;
- sessions: starts_at or opportunity_id changed: everyone checked in at that session.
Sessions and opportunities with check-ins cannot be deleted (foreign keys), so deletions need no trigger but
the check-in one. PostgreSQL notes inserted and deleted check-ins once per statement from its transition
tables (a bulk COPY stays fast); updates are noted per row.
"""

from __future__ import annotations

_PEOPLE_OF_OPPORTUNITY = (
    "INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c "
    "JOIN sessions s ON s.id = c.session_id WHERE s.opportunity_id = {opp}"
)
_PEOPLE_OF_SESSION = (
    "INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins WHERE session_id = {sid}"
)

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS report_dirty_checkins_insert AFTER INSERT ON checkins
    BEGIN INSERT INTO report_dirty_people (person_id) VALUES (NEW.person_id); END""",
    """CREATE TRIGGER IF NOT EXISTS report_dirty_checkins_delete AFTER DELETE ON checkins
    BEGIN INSERT INTO report_dirty_people (person_id) VALUES (OLD.person_id); END""",
    """CREATE TRIGGER IF NOT EXISTS report_dirty_checkins_update AFTER UPDATE OF person_id, session_id, undone_at
    ON checkins
    BEGIN
      INSERT INTO report_dirty_people (person_id) VALUES (NEW.person_id);
      INSERT INTO report_dirty_people (person_id) SELECT OLD.person_id WHERE OLD.person_id IS NOT NEW.person_id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS report_dirty_people_update AFTER UPDATE OF lea_id, school_id, merged_into_id
    ON people
    WHEN OLD.lea_id IS NOT NEW.lea_id OR OLD.school_id IS NOT NEW.school_id
      OR OLD.merged_into_id IS NOT NEW.merged_into_id
    BEGIN
      INSERT INTO report_dirty_people (person_id) VALUES (NEW.id);
      INSERT INTO report_dirty_people (person_id) SELECT NEW.merged_into_id WHERE NEW.merged_into_id IS NOT NULL;
      INSERT INTO report_dirty_people (person_id) SELECT OLD.merged_into_id
        WHERE OLD.merged_into_id IS NOT NULL AND OLD.merged_into_id IS NOT NEW.merged_into_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_dirty_opportunities_update
    AFTER UPDATE OF status, subregion, kind, modality ON opportunities
    WHEN OLD.status IS NOT NEW.status OR OLD.subregion IS NOT NEW.subregion OR OLD.kind IS NOT NEW.kind
      OR OLD.modality IS NOT NEW.modality
    BEGIN {_PEOPLE_OF_OPPORTUNITY.format(opp="NEW.id")}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_dirty_topics_insert AFTER INSERT ON opportunity_topics
    BEGIN {_PEOPLE_OF_OPPORTUNITY.format(opp="NEW.opportunity_id")}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_dirty_topics_delete AFTER DELETE ON opportunity_topics
    BEGIN {_PEOPLE_OF_OPPORTUNITY.format(opp="OLD.opportunity_id")}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_dirty_topics_update AFTER UPDATE ON opportunity_topics
    BEGIN
      {_PEOPLE_OF_OPPORTUNITY.format(opp="OLD.opportunity_id")};
      {_PEOPLE_OF_OPPORTUNITY.format(opp="NEW.opportunity_id")};
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS report_dirty_sessions_update AFTER UPDATE OF starts_at, opportunity_id ON sessions
    WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.opportunity_id IS NOT NEW.opportunity_id
    BEGIN {_PEOPLE_OF_SESSION.format(sid="NEW.id")}; END""",
]
SQLITE_NAMES = [
    "report_dirty_checkins_insert",
    "report_dirty_checkins_delete",
    "report_dirty_checkins_update",
    "report_dirty_people_update",
    "report_dirty_opportunities_update",
    "report_dirty_topics_insert",
    "report_dirty_topics_delete",
    "report_dirty_topics_update",
    "report_dirty_sessions_update",
]

_PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION report_dirty_checkins_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM added_rows;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION report_dirty_checkins_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM removed_rows;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION report_dirty_checkins_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO report_dirty_people (person_id) VALUES (NEW.person_id);
      IF OLD.person_id <> NEW.person_id THEN
        INSERT INTO report_dirty_people (person_id) VALUES (OLD.person_id);
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION report_dirty_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO report_dirty_people (person_id) VALUES (NEW.id);
      IF NEW.merged_into_id IS NOT NULL THEN
        INSERT INTO report_dirty_people (person_id) VALUES (NEW.merged_into_id);
      END IF;
      IF OLD.merged_into_id IS NOT NULL AND OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id THEN
        INSERT INTO report_dirty_people (person_id) VALUES (OLD.merged_into_id);
      END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION report_dirty_opportunity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN {_PEOPLE_OF_OPPORTUNITY.format(opp="OLD.opportunity_id")}; END IF;
      IF TG_OP <> 'DELETE' THEN {_PEOPLE_OF_OPPORTUNITY.format(opp="NEW.opportunity_id")}; END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION report_dirty_opportunity_edited() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_PEOPLE_OF_OPPORTUNITY.format(opp="NEW.id")};
      RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION report_dirty_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_PEOPLE_OF_SESSION.format(sid="NEW.id")};
      RETURN NULL;
    END $$""",
]
# (trigger name, table, the rest of CREATE TRIGGER)
_PG_TRIGGERS = [
    (
        "report_dirty_checkins_insert",
        "checkins",
        "AFTER INSERT ON checkins REFERENCING NEW TABLE AS added_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_checkins_added()",
    ),
    (
        "report_dirty_checkins_delete",
        "checkins",
        "AFTER DELETE ON checkins REFERENCING OLD TABLE AS removed_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_checkins_removed()",
    ),
    (
        "report_dirty_checkins_update",
        "checkins",
        "AFTER UPDATE OF person_id, session_id, undone_at ON checkins "
        "FOR EACH ROW EXECUTE FUNCTION report_dirty_checkins_changed()",
    ),
    (
        "report_dirty_people_update",
        "people",
        "AFTER UPDATE OF lea_id, school_id, merged_into_id ON people FOR EACH ROW "
        "WHEN (OLD.lea_id IS DISTINCT FROM NEW.lea_id OR OLD.school_id IS DISTINCT FROM NEW.school_id "
        "OR OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id) "
        "EXECUTE FUNCTION report_dirty_people_changed()",
    ),
    (
        "report_dirty_opportunities_update",
        "opportunities",
        "AFTER UPDATE OF status, subregion, kind, modality ON opportunities FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.subregion IS DISTINCT FROM NEW.subregion "
        "OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.modality IS DISTINCT FROM NEW.modality) "
        "EXECUTE FUNCTION report_dirty_opportunity_edited()",
    ),
    (
        "report_dirty_topics_change",
        "opportunity_topics",
        "AFTER INSERT OR UPDATE OR DELETE ON opportunity_topics FOR EACH ROW "
        "EXECUTE FUNCTION report_dirty_opportunity_changed()",
    ),
    (
        "report_dirty_sessions_update",
        "sessions",
        "AFTER UPDATE OF starts_at, opportunity_id ON sessions FOR EACH ROW "
        "WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.opportunity_id IS DISTINCT FROM NEW.opportunity_id) "
        "EXECUTE FUNCTION report_dirty_session_changed()",
    ),
]
_PG_FUNCTION_NAMES = [
    "report_dirty_checkins_added",
    "report_dirty_checkins_removed",
    "report_dirty_checkins_changed",
    "report_dirty_people_changed",
    "report_dirty_opportunity_changed",
    "report_dirty_opportunity_edited",
    "report_dirty_session_changed",
]


def create_triggers(connection) -> None:
    """Make the triggers (again): idempotent on both databases."""
    if connection.dialect.name == "postgresql":
        for ddl in _PG_FUNCTIONS:
            connection.exec_driver_sql(ddl)
        for name, table, rest in _PG_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            connection.exec_driver_sql(f"CREATE TRIGGER {name} {rest}")
    else:
        for ddl in SQLITE:
            connection.exec_driver_sql(ddl)


def drop_triggers(connection) -> None:
    if connection.dialect.name == "postgresql":
        for name, table, _rest in _PG_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_FUNCTION_NAMES:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_NAMES:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
