"""report notes: one set of triggers for the rollup and the figures cache, declared in reports/watch.py

Every change that moves a figure is noted (a change that concerns no person as person 0), including places'
subregions and codes, opportunities and sessions added or removed; the rollup's shares get named fields and a
person-side subregion split, so they are rebuilt: everyone with a check-in is noted again.

Revision ID: 8e2d4c6a1f30
Revises: 6f64973673ee
Create Date: 2026-12-05 09:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "8e2d4c6a1f30"
down_revision = "6f64973673ee"
branch_labels = None
depends_on = None

# The DDL of reports/watch.py as of this revision (written out: a migration never imports app code).
SQLITE = ['CREATE TRIGGER IF NOT EXISTS report_note_checkins_insert AFTER INSERT ON checkins BEGIN INSERT INTO '
 'report_dirty_people (person_id) SELECT NEW.person_id WHERE NEW.person_id IS NOT NULL; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_checkins_delete AFTER DELETE ON checkins BEGIN INSERT INTO '
 'report_dirty_people (person_id) SELECT OLD.person_id WHERE OLD.person_id IS NOT NULL; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_checkins_update AFTER UPDATE OF person_id, session_id, undone_at '
 'ON checkins WHEN OLD.person_id IS NOT NEW.person_id OR OLD.session_id IS NOT NEW.session_id OR '
 'OLD.undone_at IS NOT NEW.undone_at BEGIN INSERT INTO report_dirty_people (person_id) SELECT NEW.person_id '
 'WHERE NEW.person_id IS NOT NULL; INSERT INTO report_dirty_people (person_id) SELECT OLD.person_id WHERE '
 'OLD.person_id IS NOT NULL AND OLD.person_id IS NOT NEW.person_id; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_people_update AFTER UPDATE OF lea_id, school_id, merged_into_id '
 'ON people WHEN OLD.lea_id IS NOT NEW.lea_id OR OLD.school_id IS NOT NEW.school_id OR OLD.merged_into_id IS '
 'NOT NEW.merged_into_id BEGIN INSERT INTO report_dirty_people (person_id) SELECT NEW.id UNION SELECT '
 'NEW.merged_into_id WHERE NEW.merged_into_id IS NOT NULL; INSERT INTO report_dirty_people (person_id) '
 'SELECT OLD.merged_into_id WHERE OLD.merged_into_id IS NOT NULL AND OLD.merged_into_id IS NOT '
 'NEW.merged_into_id; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_opportunities_insert AFTER INSERT ON opportunities BEGIN INSERT '
 'INTO report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_opportunities_delete AFTER DELETE ON opportunities BEGIN INSERT '
 'INTO report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_opportunities_update AFTER UPDATE OF status, subregion, kind, '
 'modality ON opportunities WHEN OLD.status IS NOT NEW.status OR OLD.subregion IS NOT NEW.subregion OR '
 'OLD.kind IS NOT NEW.kind OR OLD.modality IS NOT NEW.modality BEGIN INSERT INTO report_dirty_people '
 '(person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN sessions s ON s.id = c.session_id WHERE '
 's.opportunity_id = NEW.id; INSERT INTO report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_opportunity_topics_insert AFTER INSERT ON opportunity_topics '
 'BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id; INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_opportunity_topics_delete AFTER DELETE ON opportunity_topics '
 'BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = OLD.opportunity_id; INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_opportunity_topics_update AFTER UPDATE OF opportunity_id, topic '
 'ON opportunity_topics WHEN OLD.opportunity_id IS NOT NEW.opportunity_id OR OLD.topic IS NOT NEW.topic '
 'BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id; INSERT INTO '
 'report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN sessions s ON s.id = '
 'c.session_id WHERE s.opportunity_id = OLD.opportunity_id AND OLD.opportunity_id IS NOT NEW.opportunity_id; '
 'INSERT INTO report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_sessions_insert AFTER INSERT ON sessions BEGIN INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_sessions_delete AFTER DELETE ON sessions BEGIN INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_sessions_update AFTER UPDATE OF starts_at, opportunity_id ON '
 'sessions WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.opportunity_id IS NOT NEW.opportunity_id BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins WHERE session_id = '
 'NEW.id; INSERT INTO report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_schools_update AFTER UPDATE OF subregion, lea_id, cds_code ON '
 'schools WHEN OLD.subregion IS NOT NEW.subregion OR OLD.lea_id IS NOT NEW.lea_id OR OLD.cds_code IS NOT '
 'NEW.cds_code BEGIN INSERT INTO report_dirty_people (person_id) SELECT id FROM people WHERE school_id = '
 'NEW.id; INSERT INTO report_dirty_people (person_id) SELECT 0; END',
 'CREATE TRIGGER IF NOT EXISTS report_note_leas_update AFTER UPDATE OF subregion, cd_code ON leas WHEN '
 'OLD.subregion IS NOT NEW.subregion OR OLD.cd_code IS NOT NEW.cd_code BEGIN INSERT INTO report_dirty_people '
 '(person_id) SELECT p.id FROM people p LEFT JOIN schools s ON s.id = p.school_id WHERE (p.lea_id = NEW.id '
 'OR s.lea_id = NEW.id); INSERT INTO report_dirty_people (person_id) SELECT 0; END']
POSTGRESQL = ['CREATE OR REPLACE FUNCTION report_note_checkins_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM changed_rows; RETURN NULL; END '
 '$$',
 'DROP TRIGGER IF EXISTS report_note_checkins_insert ON checkins',
 'CREATE TRIGGER report_note_checkins_insert AFTER INSERT ON checkins REFERENCING NEW TABLE AS changed_rows '
 'FOR EACH STATEMENT EXECUTE FUNCTION report_note_checkins_insert()',
 'CREATE OR REPLACE FUNCTION report_note_checkins_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM changed_rows; RETURN NULL; END '
 '$$',
 'DROP TRIGGER IF EXISTS report_note_checkins_delete ON checkins',
 'CREATE TRIGGER report_note_checkins_delete AFTER DELETE ON checkins REFERENCING OLD TABLE AS changed_rows '
 'FOR EACH STATEMENT EXECUTE FUNCTION report_note_checkins_delete()',
 'CREATE OR REPLACE FUNCTION report_note_checkins_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT NEW.person_id WHERE NEW.person_id IS NOT NULL; INSERT '
 'INTO report_dirty_people (person_id) SELECT OLD.person_id WHERE OLD.person_id IS NOT NULL AND '
 'OLD.person_id IS DISTINCT FROM NEW.person_id; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_checkins_update ON checkins',
 'CREATE TRIGGER report_note_checkins_update AFTER UPDATE OF person_id, session_id, undone_at ON checkins '
 'FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.session_id IS DISTINCT FROM '
 'NEW.session_id OR OLD.undone_at IS DISTINCT FROM NEW.undone_at) EXECUTE FUNCTION '
 'report_note_checkins_update()',
 'CREATE OR REPLACE FUNCTION report_note_people_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT '
 'INTO report_dirty_people (person_id) SELECT NEW.id UNION SELECT NEW.merged_into_id WHERE '
 'NEW.merged_into_id IS NOT NULL; INSERT INTO report_dirty_people (person_id) SELECT OLD.merged_into_id '
 'WHERE OLD.merged_into_id IS NOT NULL AND OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id; RETURN '
 'NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_people_update ON people',
 'CREATE TRIGGER report_note_people_update AFTER UPDATE OF lea_id, school_id, merged_into_id ON people FOR '
 'EACH ROW WHEN (OLD.lea_id IS DISTINCT FROM NEW.lea_id OR OLD.school_id IS DISTINCT FROM NEW.school_id OR '
 'OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id) EXECUTE FUNCTION report_note_people_update()',
 'CREATE OR REPLACE FUNCTION report_note_opportunities_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_opportunities_insert ON opportunities',
 'CREATE TRIGGER report_note_opportunities_insert AFTER INSERT ON opportunities FOR EACH ROW EXECUTE '
 'FUNCTION report_note_opportunities_insert()',
 'CREATE OR REPLACE FUNCTION report_note_opportunities_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_opportunities_delete ON opportunities',
 'CREATE TRIGGER report_note_opportunities_delete AFTER DELETE ON opportunities FOR EACH ROW EXECUTE '
 'FUNCTION report_note_opportunities_delete()',
 'CREATE OR REPLACE FUNCTION report_note_opportunities_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN sessions s ON '
 's.id = c.session_id WHERE s.opportunity_id = NEW.id; INSERT INTO report_dirty_people (person_id) SELECT 0; '
 'RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_opportunities_update ON opportunities',
 'CREATE TRIGGER report_note_opportunities_update AFTER UPDATE OF status, subregion, kind, modality ON '
 'opportunities FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.subregion IS DISTINCT FROM '
 'NEW.subregion OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.modality IS DISTINCT FROM NEW.modality) EXECUTE '
 'FUNCTION report_note_opportunities_update()',
 'CREATE OR REPLACE FUNCTION report_note_opportunity_topics_insert() RETURNS trigger LANGUAGE plpgsql AS $$ '
 'BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id; INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_opportunity_topics_insert ON opportunity_topics',
 'CREATE TRIGGER report_note_opportunity_topics_insert AFTER INSERT ON opportunity_topics FOR EACH ROW '
 'EXECUTE FUNCTION report_note_opportunity_topics_insert()',
 'CREATE OR REPLACE FUNCTION report_note_opportunity_topics_delete() RETURNS trigger LANGUAGE plpgsql AS $$ '
 'BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = OLD.opportunity_id; INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_opportunity_topics_delete ON opportunity_topics',
 'CREATE TRIGGER report_note_opportunity_topics_delete AFTER DELETE ON opportunity_topics FOR EACH ROW '
 'EXECUTE FUNCTION report_note_opportunity_topics_delete()',
 'CREATE OR REPLACE FUNCTION report_note_opportunity_topics_update() RETURNS trigger LANGUAGE plpgsql AS $$ '
 'BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id; INSERT INTO '
 'report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN sessions s ON s.id = '
 'c.session_id WHERE s.opportunity_id = OLD.opportunity_id AND OLD.opportunity_id IS DISTINCT FROM '
 'NEW.opportunity_id; INSERT INTO report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_opportunity_topics_update ON opportunity_topics',
 'CREATE TRIGGER report_note_opportunity_topics_update AFTER UPDATE OF opportunity_id, topic ON '
 'opportunity_topics FOR EACH ROW WHEN (OLD.opportunity_id IS DISTINCT FROM NEW.opportunity_id OR OLD.topic '
 'IS DISTINCT FROM NEW.topic) EXECUTE FUNCTION report_note_opportunity_topics_update()',
 'CREATE OR REPLACE FUNCTION report_note_sessions_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_sessions_insert ON sessions',
 'CREATE TRIGGER report_note_sessions_insert AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION '
 'report_note_sessions_insert()',
 'CREATE OR REPLACE FUNCTION report_note_sessions_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_sessions_delete ON sessions',
 'CREATE TRIGGER report_note_sessions_delete AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION '
 'report_note_sessions_delete()',
 'CREATE OR REPLACE FUNCTION report_note_sessions_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins WHERE session_id = '
 'NEW.id; INSERT INTO report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_sessions_update ON sessions',
 'CREATE TRIGGER report_note_sessions_update AFTER UPDATE OF starts_at, opportunity_id ON sessions FOR EACH '
 'ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.opportunity_id IS DISTINCT FROM '
 'NEW.opportunity_id) EXECUTE FUNCTION report_note_sessions_update()',
 'CREATE OR REPLACE FUNCTION report_note_schools_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
 'INSERT INTO report_dirty_people (person_id) SELECT id FROM people WHERE school_id = NEW.id; INSERT INTO '
 'report_dirty_people (person_id) SELECT 0; RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_schools_update ON schools',
 'CREATE TRIGGER report_note_schools_update AFTER UPDATE OF subregion, lea_id, cds_code ON schools FOR EACH '
 'ROW WHEN (OLD.subregion IS DISTINCT FROM NEW.subregion OR OLD.lea_id IS DISTINCT FROM NEW.lea_id OR '
 'OLD.cds_code IS DISTINCT FROM NEW.cds_code) EXECUTE FUNCTION report_note_schools_update()',
 'CREATE OR REPLACE FUNCTION report_note_leas_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT '
 'INTO report_dirty_people (person_id) SELECT p.id FROM people p LEFT JOIN schools s ON s.id = p.school_id '
 'WHERE (p.lea_id = NEW.id OR s.lea_id = NEW.id); INSERT INTO report_dirty_people (person_id) SELECT 0; '
 'RETURN NULL; END $$',
 'DROP TRIGGER IF EXISTS report_note_leas_update ON leas',
 'CREATE TRIGGER report_note_leas_update AFTER UPDATE OF subregion, cd_code ON leas FOR EACH ROW WHEN '
 '(OLD.subregion IS DISTINCT FROM NEW.subregion OR OLD.cd_code IS DISTINCT FROM NEW.cd_code) EXECUTE '
 'FUNCTION report_note_leas_update()']
NAMES = [('report_note_checkins_insert', 'checkins'),
 ('report_note_checkins_delete', 'checkins'),
 ('report_note_checkins_update', 'checkins'),
 ('report_note_people_update', 'people'),
 ('report_note_opportunities_insert', 'opportunities'),
 ('report_note_opportunities_delete', 'opportunities'),
 ('report_note_opportunities_update', 'opportunities'),
 ('report_note_opportunity_topics_insert', 'opportunity_topics'),
 ('report_note_opportunity_topics_delete', 'opportunity_topics'),
 ('report_note_opportunity_topics_update', 'opportunity_topics'),
 ('report_note_sessions_insert', 'sessions'),
 ('report_note_sessions_delete', 'sessions'),
 ('report_note_sessions_update', 'sessions'),
 ('report_note_schools_update', 'schools'),
 ('report_note_leas_update', 'leas')]


def _previous():
    """The migration before this one, whose triggers a downgrade makes again."""
    return op.get_context().script.get_revision(down_revision).module


def _rebuild_rollup(connection):
    connection.exec_driver_sql("DELETE FROM report_person_rollup")
    connection.exec_driver_sql("DELETE FROM report_rollup_figures")
    connection.exec_driver_sql("INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins")


def upgrade():
    connection = op.get_bind()
    _previous()._drop_triggers(connection)
    for ddl in POSTGRESQL if connection.dialect.name == "postgresql" else SQLITE:
        connection.exec_driver_sql(ddl)
    _rebuild_rollup(connection)


def downgrade():
    connection = op.get_bind()
    for name, table in NAMES:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    _previous()._create_triggers(connection)
    _rebuild_rollup(connection)
