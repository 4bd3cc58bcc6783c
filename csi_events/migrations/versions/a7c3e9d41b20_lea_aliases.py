"""leas: aliases (short names people type, such as LAUSD), editable by staff

Revision ID: a7c3e9d41b20
Revises: 8e2d4c6a1f30
Create Date: 2026-12-05 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9d41b20"
down_revision = "8e2d4c6a1f30"
branch_labels = None
depends_on = None

# The short names nearly everyone in Los Angeles County uses for its two largest districts (by CD code);
# staff add others on each LEA's edit page.
KNOWN = {"1964733": "LAUSD, LA Unified", "1964725": "LBUSD, Long Beach USD"}


def upgrade():
    with op.batch_alter_table("leas") as batch:
        batch.add_column(sa.Column("aliases", sa.String(length=500), nullable=True))
    leas = sa.table("leas", sa.column("cd_code", sa.String), sa.column("aliases", sa.String))
    for cd_code, aliases in KNOWN.items():
        op.execute(leas.update().where(leas.c.cd_code == cd_code).values(aliases=aliases))


def downgrade():
    with op.batch_alter_table("leas") as batch:
        batch.drop_column("aliases")
