"""The group messages a person received, for their privacy export (people/privacy.py): each in the words they were
sent in (the translation of their language, when the message had one)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import GroupMessage, GroupMessageRecipient


def received_messages(person_ids: Sequence[int]) -> list[dict]:
    stmt = (
        select(GroupMessageRecipient, GroupMessage)
        .join(GroupMessage, GroupMessage.id == GroupMessageRecipient.message_id)
        .where(GroupMessageRecipient.person_id.in_(person_ids))
        .options(joinedload(GroupMessage.opportunity))
        .order_by(GroupMessage.created_at, GroupMessage.id)
    )
    found = []
    for recipient, message in db.session.execute(stmt).unique():
        sent = (message.translations or {}).get(recipient.language) or {}
        found.append(
            {
                "sent_at": message.created_at.isoformat(),
                "opportunity": {"id": message.opportunity_id, "title": message.opportunity.title},
                "session_id": message.session_id,
                "language": recipient.language,
                "subject": sent.get("subject") or message.subject,
                "body": sent.get("body") or message.body,
            }
        )
    return found
