"""report data version

Revision ID: 1d0ddb6e06cc
Revises: f7f8780ebe05
Create Date: 2026-11-28 11:04:14.409802

"""
from alembic import op
import sqlalchemy as sa
import secrets


# revision identifiers, used by Alembic.
revision = '1d0ddb6e06cc'
down_revision = 'f7f8780ebe05'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "report_data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_data_version")),
    )
    # The counter rows the report cache reads (reports/cache.py SHARDS = 16); a new token per row.
    op.bulk_insert(table, [{"id": i, "token": secrets.token_hex(16), "version": 1} for i in range(16)])


def downgrade():
    op.drop_table("report_data_version")
