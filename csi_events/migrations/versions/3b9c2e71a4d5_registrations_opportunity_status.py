"""registrations: index on (opportunity_id, status)

Revision ID: 3b9c2e71a4d5
Revises: 1d0ddb6e06cc
Create Date: 2026-11-28 13:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "3b9c2e71a4d5"
down_revision = "1d0ddb6e06cc"
branch_labels = None
depends_on = None


def upgrade():
    # Counting an opportunity's confirmed registrations (seats taken at every sign-up; the confirmed count in
    # every check-in answer) reads the index alone instead of visiting each registration row.
    op.create_index("ix_registrations_opportunity_status", "registrations", ["opportunity_id", "status"])


def downgrade():
    op.drop_index("ix_registrations_opportunity_status", table_name="registrations")
