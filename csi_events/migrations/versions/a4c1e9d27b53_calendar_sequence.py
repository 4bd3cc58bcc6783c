"""calendar sequence: SEQUENCE and LAST-MODIFIED of the sessions' calendar events, kept in the data

Revision ID: a4c1e9d27b53
Revises: a7c3e9d41b20
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a4c1e9d27b53"
down_revision = "a7c3e9d41b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("calendar_sequence", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("calendar_changed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("calendar_sequence", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("calendar_sequence")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("calendar_changed_at")
        batch.drop_column("calendar_sequence")
