"""The signed link of one invitation (links.py purpose "survey"): it names the invitation, nothing else."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..links import LinkInvalid, make_token, read_token
from .models import SurveyInvitation


def invitation_token(invitation_id: int) -> str:
    return make_token("survey", {"i": invitation_id})


def survey_url(invitation_id: int, lang: str | None = None) -> str:
    """The link of an e-mail: opens the page in the recipient's language when it is not the default."""
    url = f"{current_app.config['BASE_URL']}/survey/{invitation_token(invitation_id)}"
    return f"{url}?lang={lang}" if lang and lang != current_app.config.get("BABEL_DEFAULT_LOCALE", "en") else url


def invitation_from_token(token: str) -> SurveyInvitation:
    """The invitation a link names; NotFound (404) for a forged, foreign-purpose or expired link."""
    try:
        data = read_token("survey", token)
    except LinkInvalid as err:
        raise NotFound(_("This survey link is not valid. Use the link from your most recent e-mail.")) from err
    invitation_id = data.get("i") if isinstance(data, dict) else None
    invitation = db.session.get(SurveyInvitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or invitation.person.erased_at is not None:  # an erased person's links open nothing
        raise NotFound(_("This survey link is not valid. Use the link from your most recent e-mail."))
    return invitation
