"""report rollup: per-person school-year figures, their sums, and the triggers that note changed people

Revision ID: 6f64973673ee
Revises: 3b9c2e71a4d5
Create Date: 2026-11-28 13:50:23.646044

"""
from alembic import op
import sqlalchemy as sa

# The triggers that note changed people, as of this revision (written out: a migration never imports app code).
OLD_SQLITE = ['CREATE TRIGGER IF NOT EXISTS report_dirty_checkins_insert AFTER INSERT ON checkins\n'
 '    BEGIN INSERT INTO report_dirty_people (person_id) VALUES (NEW.person_id); END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_checkins_delete AFTER DELETE ON checkins\n'
 '    BEGIN INSERT INTO report_dirty_people (person_id) VALUES (OLD.person_id); END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_checkins_update AFTER UPDATE OF person_id, session_id, '
 'undone_at\n'
 '    ON checkins\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) VALUES (NEW.person_id);\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT OLD.person_id WHERE OLD.person_id IS NOT '
 'NEW.person_id;\n'
 '    END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_people_update AFTER UPDATE OF lea_id, school_id, merged_into_id\n'
 '    ON people\n'
 '    WHEN OLD.lea_id IS NOT NEW.lea_id OR OLD.school_id IS NOT NEW.school_id\n'
 '      OR OLD.merged_into_id IS NOT NEW.merged_into_id\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) VALUES (NEW.id);\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT NEW.merged_into_id WHERE NEW.merged_into_id IS '
 'NOT NULL;\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT OLD.merged_into_id\n'
 '        WHERE OLD.merged_into_id IS NOT NULL AND OLD.merged_into_id IS NOT NEW.merged_into_id;\n'
 '    END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_opportunities_update\n'
 '    AFTER UPDATE OF status, subregion, kind, modality ON opportunities\n'
 '    WHEN OLD.status IS NOT NEW.status OR OLD.subregion IS NOT NEW.subregion OR OLD.kind IS NOT NEW.kind\n'
 '      OR OLD.modality IS NOT NEW.modality\n'
 '    BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.id; END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_topics_insert AFTER INSERT ON opportunity_topics\n'
 '    BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id; END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_topics_delete AFTER DELETE ON opportunity_topics\n'
 '    BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = OLD.opportunity_id; END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_topics_update AFTER UPDATE ON opportunity_topics\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = OLD.opportunity_id;\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id;\n'
 '    END',
 'CREATE TRIGGER IF NOT EXISTS report_dirty_sessions_update AFTER UPDATE OF starts_at, opportunity_id ON '
 'sessions\n'
 '    WHEN OLD.starts_at IS NOT NEW.starts_at OR OLD.opportunity_id IS NOT NEW.opportunity_id\n'
 '    BEGIN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins WHERE '
 'session_id = NEW.id; END']
OLD_SQLITE_NAMES = ['report_dirty_checkins_insert',
 'report_dirty_checkins_delete',
 'report_dirty_checkins_update',
 'report_dirty_people_update',
 'report_dirty_opportunities_update',
 'report_dirty_topics_insert',
 'report_dirty_topics_delete',
 'report_dirty_topics_update',
 'report_dirty_sessions_update']
OLD_PG_FUNCTIONS = ['CREATE OR REPLACE FUNCTION report_dirty_checkins_added() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM added_rows;\n'
 '      RETURN NULL;\n'
 '    END $$',
 'CREATE OR REPLACE FUNCTION report_dirty_checkins_removed() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM removed_rows;\n'
 '      RETURN NULL;\n'
 '    END $$',
 'CREATE OR REPLACE FUNCTION report_dirty_checkins_changed() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) VALUES (NEW.person_id);\n'
 '      IF OLD.person_id <> NEW.person_id THEN\n'
 '        INSERT INTO report_dirty_people (person_id) VALUES (OLD.person_id);\n'
 '      END IF;\n'
 '      RETURN NULL;\n'
 '    END $$',
 'CREATE OR REPLACE FUNCTION report_dirty_people_changed() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) VALUES (NEW.id);\n'
 '      IF NEW.merged_into_id IS NOT NULL THEN\n'
 '        INSERT INTO report_dirty_people (person_id) VALUES (NEW.merged_into_id);\n'
 '      END IF;\n'
 '      IF OLD.merged_into_id IS NOT NULL AND OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id THEN\n'
 '        INSERT INTO report_dirty_people (person_id) VALUES (OLD.merged_into_id);\n'
 '      END IF;\n'
 '      RETURN NULL;\n'
 '    END $$',
 'CREATE OR REPLACE FUNCTION report_dirty_opportunity_changed() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 "      IF TG_OP <> 'INSERT' THEN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id "
 'FROM checkins c JOIN sessions s ON s.id = c.session_id WHERE s.opportunity_id = OLD.opportunity_id; END '
 'IF;\n'
 "      IF TG_OP <> 'DELETE' THEN INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id "
 'FROM checkins c JOIN sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.opportunity_id; END '
 'IF;\n'
 '      RETURN NULL;\n'
 '    END $$',
 'CREATE OR REPLACE FUNCTION report_dirty_opportunity_edited() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT c.person_id FROM checkins c JOIN '
 'sessions s ON s.id = c.session_id WHERE s.opportunity_id = NEW.id;\n'
 '      RETURN NULL;\n'
 '    END $$',
 'CREATE OR REPLACE FUNCTION report_dirty_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 '    BEGIN\n'
 '      INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins WHERE session_id '
 '= NEW.id;\n'
 '      RETURN NULL;\n'
 '    END $$']
OLD_PG_TRIGGERS = [('report_dirty_checkins_insert',
  'checkins',
  'AFTER INSERT ON checkins REFERENCING NEW TABLE AS added_rows FOR EACH STATEMENT EXECUTE FUNCTION '
  'report_dirty_checkins_added()'),
 ('report_dirty_checkins_delete',
  'checkins',
  'AFTER DELETE ON checkins REFERENCING OLD TABLE AS removed_rows FOR EACH STATEMENT EXECUTE FUNCTION '
  'report_dirty_checkins_removed()'),
 ('report_dirty_checkins_update',
  'checkins',
  'AFTER UPDATE OF person_id, session_id, undone_at ON checkins FOR EACH ROW EXECUTE FUNCTION '
  'report_dirty_checkins_changed()'),
 ('report_dirty_people_update',
  'people',
  'AFTER UPDATE OF lea_id, school_id, merged_into_id ON people FOR EACH ROW WHEN (OLD.lea_id IS DISTINCT '
  'FROM NEW.lea_id OR OLD.school_id IS DISTINCT FROM NEW.school_id OR OLD.merged_into_id IS DISTINCT FROM '
  'NEW.merged_into_id) EXECUTE FUNCTION report_dirty_people_changed()'),
 ('report_dirty_opportunities_update',
  'opportunities',
  'AFTER UPDATE OF status, subregion, kind, modality ON opportunities FOR EACH ROW WHEN (OLD.status IS '
  'DISTINCT FROM NEW.status OR OLD.subregion IS DISTINCT FROM NEW.subregion OR OLD.kind IS DISTINCT FROM '
  'NEW.kind OR OLD.modality IS DISTINCT FROM NEW.modality) EXECUTE FUNCTION '
  'report_dirty_opportunity_edited()'),
 ('report_dirty_topics_change',
  'opportunity_topics',
  'AFTER INSERT OR UPDATE OR DELETE ON opportunity_topics FOR EACH ROW EXECUTE FUNCTION '
  'report_dirty_opportunity_changed()'),
 ('report_dirty_sessions_update',
  'sessions',
  'AFTER UPDATE OF starts_at, opportunity_id ON sessions FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM '
  'NEW.starts_at OR OLD.opportunity_id IS DISTINCT FROM NEW.opportunity_id) EXECUTE FUNCTION '
  'report_dirty_session_changed()')]
OLD_PG_FUNCTION_NAMES = ['report_dirty_checkins_added',
 'report_dirty_checkins_removed',
 'report_dirty_checkins_changed',
 'report_dirty_people_changed',
 'report_dirty_opportunity_changed',
 'report_dirty_opportunity_edited',
 'report_dirty_session_changed']


def create_triggers(connection):
    if connection.dialect.name == "postgresql":
        for ddl in OLD_PG_FUNCTIONS:
            connection.exec_driver_sql(ddl)
        for name, table, rest in OLD_PG_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            connection.exec_driver_sql(f"CREATE TRIGGER {name} {rest}")
    else:
        for ddl in OLD_SQLITE:
            connection.exec_driver_sql(ddl)


def drop_triggers(connection):
    if connection.dialect.name == "postgresql":
        for name, table, _rest in OLD_PG_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in OLD_PG_FUNCTION_NAMES:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in OLD_SQLITE_NAMES:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


# revision identifiers, used by Alembic.
revision = '6f64973673ee'
down_revision = '3b9c2e71a4d5'
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('report_dirty_people',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_dirty_people'))
    )
    op.create_table('report_person_rollup',
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('school_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'school_year', name=op.f('pk_report_person_rollup'))
    )
    op.create_table('report_rollup_figures',
    sa.Column('school_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('split', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('attendances', sa.Integer(), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('individuals', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('school_year', 'split', 'key', name=op.f('pk_report_rollup_figures'))
    )
    # ### end Alembic commands ###
    # The triggers that note changed people (the same DDL the models' create_all uses), then everyone with a
    # check-in is noted, so the first view (or `flask reports rollup`) builds the rollup from the data already here.
    connection = op.get_bind()
    create_triggers(connection)
    connection.exec_driver_sql(
        "INSERT INTO report_dirty_people (person_id) SELECT DISTINCT person_id FROM checkins"
    )


def downgrade():
    drop_triggers(op.get_bind())
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table('report_rollup_figures')
    op.drop_table('report_person_rollup')
    op.drop_table('report_dirty_people')
    # ### end Alembic commands ###
