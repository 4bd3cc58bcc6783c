"""The e-mail of a group message to one person (outbox kind "group_message"), in the language recorded for them:
the translation given for it, with the e-mail's own words (greeting, footer) in that language too."""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from .. import outbox
from ..extensions import db
from ..notifications import mailer
from ..notifications.messages import base_url, manage_url
from ..people.models import Person
from .messages import Text
from .models import GroupMessage, GroupMessageRecipient

log = logging.getLogger(__name__)


def message_text(message: GroupMessage, language: str) -> Text:
    translated = (message.translations or {}).get(language)
    if translated:
        return Text(translated["subject"], translated["body"])
    return Text(message.subject, message.body)


def paragraphs(body: str) -> list[list[str]]:
    """The body as paragraphs (blank-line separated), each a list of its lines."""
    blocks = [block.strip() for block in body.replace("\r\n", "\n").split("\n\n")]
    return [block.splitlines() for block in blocks if block]


def build(message: GroupMessage, person: Person, language: str) -> EmailMessage:
    text = message_text(message, language)
    with force_locale(language):
        context = {
            "person": person,
            "subject": text.subject,
            "body": text.body,
            "paragraphs": paragraphs(text.body),
            "opportunity": message.opportunity,
            "sender": message.sender.label if message.sender else None,
            "manage_url": manage_url(person.id),
            "base_url": base_url(),
            "lang": language,
        }
        email = EmailMessage()
        email["Subject"] = " ".join(text.subject.split())
        email["To"] = person.email
        email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
        plain = render_template("door/email_message.txt", **context)
        email.set_content(re.sub(r"\n{3,}", "\n\n", plain.strip()) + "\n")
        email.add_alternative(render_template("door/email_message.html", **context), subtype="html")
        email["Content-Language"] = language
    return email


@outbox.handler("group_message")
def group_message(message_id: int, person_id: int) -> None:
    row = db.session.scalar(
        select(GroupMessageRecipient).where(
            GroupMessageRecipient.message_id == message_id, GroupMessageRecipient.person_id == person_id
        )
    )
    message = db.session.get(GroupMessage, message_id)
    person = db.session.get(Person, person_id)
    if row is None or message is None or person is None or not person.email:
        log.info("mail: group message %s to person %s has nobody to go to; nothing sent", message_id, person_id)
        return
    mailer.send(build(message, person, row.language))
