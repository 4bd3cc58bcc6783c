"""door: kiosk links, group messages and their recipients

Revision ID: a4c1d7e9b2f3
Revises: 3c7a81a55f7c
Create Date: 2026-12-05 09:00:00

The check-in methods "paper" and "kiosk" need no change: checkins.method is a plain string column.
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c1d7e9b2f3"
down_revision = "3c7a81a55f7c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kiosk_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_kiosk_links_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_kiosk_links_created_by_id_users")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_kiosk_links_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosk_links_token_hash")),
    )
    op.create_index(op.f("ix_kiosk_links_session_id"), "kiosk_links", ["session_id"], unique=False)
    op.create_table(
        "group_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_group_messages_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_group_messages_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], name=op.f("fk_group_messages_sender_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_group_messages_idempotency_key")),
    )
    op.create_index(op.f("ix_group_messages_opportunity_id"), "group_messages", ["opportunity_id"], unique=False)
    op.create_table(
        "group_message_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["group_messages.id"],
            name=op.f("fk_group_message_recipients_message_id_group_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_group_message_recipients_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_message_recipients")),
        sa.UniqueConstraint(
            "message_id", "person_id", name=op.f("uq_group_message_recipients_message_id_person_id")
        ),
    )
    op.create_index(
        op.f("ix_group_message_recipients_message_id"), "group_message_recipients", ["message_id"], unique=False
    )
    op.create_index(
        op.f("ix_group_message_recipients_person_id"), "group_message_recipients", ["person_id"], unique=False
    )


def downgrade():
    op.drop_table("group_message_recipients")
    op.drop_table("group_messages")
    op.drop_table("kiosk_links")
