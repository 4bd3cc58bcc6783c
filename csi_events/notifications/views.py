"""Pages for notifications: the staff's development mail viewer (file backend only).

Importing this module (create_app does, for the blueprint) also registers the outbox e-mail handlers.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import gettext as _

from ..auth.access import staff_required
from ..errors import NotFound
from . import handlers  # noqa: F401  (registers the @outbox.handler functions at app start)
from .mailer import EML_NAME, mail_dir

bp = Blueprint("notifications", __name__)

LIST_LIMIT = 200
# The HTML of a message runs in a sandboxed frame: no script, no network, images only from data: URIs.
HTML_PART_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox"
)


@dataclass
class MailSummary:
    name: str
    to: str
    subject: str
    date: str


@dataclass
class PartInfo:
    content_type: str
    filename: str | None
    disposition: str | None
    content_id: str | None
    size: int


def _require_file_backend() -> Path:
    if current_app.config.get("MAIL_BACKEND", "file") != "file":
        raise NotFound(_("The mail viewer only exists when mail is written to files."))
    return mail_dir()


def _message_path(name: str) -> Path:
    """The file of one message; anything but a name the file backend makes is refused (no path tricks)."""
    folder = _require_file_backend()
    if not EML_NAME.fullmatch(name):
        raise NotFound(_("No such message."))
    path = folder / name
    if path.resolve().parent != folder.resolve() or not path.is_file():
        raise NotFound(_("No such message."))
    return path


def _read(name: str) -> EmailMessage:
    with _message_path(name).open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


@bp.route("/staff/mail")
@staff_required
def mail_list():
    folder = _require_file_backend()
    names = sorted((p.name for p in folder.glob("*.eml") if EML_NAME.fullmatch(p.name)), reverse=True)
    parser = BytesHeaderParser(policy=policy.default)
    rows = []
    for name in names[:LIST_LIMIT]:
        try:
            with (folder / name).open("rb") as handle:
                headers = parser.parse(handle)
        except OSError:
            continue  # removed meanwhile
        rows.append(
            MailSummary(name, str(headers["To"] or ""), str(headers["Subject"] or ""), str(headers["Date"] or ""))
        )
    return render_template("notifications/mail_list.html", rows=rows, total=len(names), limit=LIST_LIMIT)


@bp.route("/staff/mail/<name>")
@staff_required
def mail_show(name: str):
    message = _read(name)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    bodies = {id(p) for p in (text_part, html_part) if p is not None}
    parts = [
        PartInfo(
            part.get_content_type(),
            part.get_filename(),
            part.get_content_disposition(),
            part["Content-ID"],
            len(part.get_payload(decode=True) or b""),
        )
        for part in message.walk()
        if not part.is_multipart() and id(part) not in bodies
    ]
    return render_template(
        "notifications/mail_show.html",
        name=name,
        message=message,
        text=text_part.get_content() if text_part is not None else None,
        has_html=html_part is not None,
        parts=parts,
        back=url_for("notifications.mail_list"),
    )


@bp.route("/staff/mail/<name>/html")
@staff_required
def mail_html(name: str):
    """The message's HTML part alone, for the sandboxed frame; inline images become data: URIs."""
    message = _read(name)
    html_part = message.get_body(preferencelist=("html",))
    if html_part is None:
        raise NotFound(_("This message has no HTML part."))
    html = html_part.get_content()
    images = {}
    for part in message.walk():
        cid = part["Content-ID"]
        if cid and part.get_content_maintype() == "image" and part.get_content_subtype() in {"png", "jpeg", "gif"}:
            payload = part.get_payload(decode=True)
            data = base64.b64encode(payload if isinstance(payload, bytes) else b"").decode("ascii")
            images[str(cid).strip().strip("<>")] = f"data:{part.get_content_type()};base64,{data}"
    html = re.sub(r"cid:([^\"'\s>]+)", lambda m: images.get(m.group(1), "about:blank"), html)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # only our own mail page frames it
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
