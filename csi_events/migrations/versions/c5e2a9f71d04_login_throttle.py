"""users: failed sign-ins counted per account, and the time until which sign-in is paused (growing delay)

Revision ID: c5e2a9f71d04
Revises: a4c1d7e9b2f3
Create Date: 2026-12-05 13:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e2a9f71d04"
down_revision = "a4c1d7e9b2f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("login_paused_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("login_paused_until")
        batch.drop_column("failed_logins")
