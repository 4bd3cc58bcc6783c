"""E-mail addresses this application can deliver, and the one spelling it stores, looks up and mails.

Choice (docs/security.md, "Addresses"): an internationalized domain is delivered, written in its ASCII (IDNA)
form, which every SMTP server accepts; letters outside ASCII before the @ would need SMTPUTF8 from the
server, which the app cannot promise when it answers a form, so such an address is refused with a clear
message at the form and the API instead of being promised an e-mail that would never leave.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _


def ascii_domain(domain: str) -> str:
    """The domain's IDNA (xn--) form; unchanged when already ASCII or when it is no valid domain."""
    if domain.isascii():
        return domain
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).ascii_domain
    except EmailNotValidError:
        return domain


def undeliverable_reason(address: str) -> str | None:
    """Why an e-mail to `address` could never leave, for people; None when it can. (The forms and the API's
    schemas check the address's syntax; this is what they accept and the mail server would not.)"""
    local, at, domain = (address or "").strip().rpartition("@")
    if at and not local.isascii():
        return _(
            "We cannot send e-mail to an address with accents or non-Latin letters before the @. "
            "Please give another address."
        )
    if at and not ascii_domain(domain).isascii():
        return _("This is not a valid e-mail address.")
    return None
