"""Screenshots of the main screens at a phone (390x844) and a laptop (1366x900) size into docs/screens/.

`make screens` runs it: a fresh SQLite database with the demo data (one session moved to start in 20 minutes so
that the facilitator's "Today" and check-in pages have something to show), a server on a free loopback port,
Debian's Chromium through Playwright, then each PNG reduced to a 64-colour palette so the folder stays small.
Only the first screen of each page is taken: what someone sees before scrolling is what these pages are about.

    .venv/bin/python bench/screens.py [--out docs/screens] [--only catalog,checkin]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "screens-Password-2026"
SIZES = {"phone": (390, 844), "laptop": (1366, 900)}


@dataclass
class Demo:
    base_url: str
    opp_id: int
    session_id: int
    ticket: str
    series_ticket: str
    manage_path: str
    waitlist_opp_id: int
    certificate_number: str
    revoked_number: str


def _prepare(app) -> Demo:
    """Demo data, known passwords, and a session of the facilitator's that starts in 20 minutes."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from csi_events.attendance.services import revoke_certificate
    from csi_events.auth.models import User
    from csi_events.auth.passwords import hash_password
    from csi_events.db import utcnow
    from csi_events.demo.services import load_demo
    from csi_events.extensions import db
    from csi_events.links import make_token
    from csi_events.opportunities.models import LearningOpportunity
    from csi_events.registrations.models import Registration

    with app.app_context():
        upgrade()
        load_demo()
        for user in db.session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
        opp = db.session.scalar(select(LearningOpportunity).where(LearningOpportunity.title.like("Restorative%")))
        session = opp.sessions[0]
        length = session.ends_at - session.starts_at
        session.starts_at = (utcnow() + timedelta(minutes=20)).replace(second=0, microsecond=0)
        session.ends_at = session.starts_at + length
        reg = db.session.scalar(
            select(Registration).where(Registration.opportunity_id == opp.id, Registration.status == "confirmed")
        )
        series = db.session.scalar(
            select(LearningOpportunity).where(LearningOpportunity.title.like("Family Engagement Community%"))
        )
        series_reg = db.session.scalar(
            select(Registration).where(Registration.opportunity_id == series.id, Registration.status == "confirmed")
        )
        certificate, revoked = _demo_certificates(2)
        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        revoke_certificate(revoked, by=staff, reason="Checked in by mistake")
        db.session.commit()
        manage = make_token("manage", {"p": series_reg.person_id})
        return Demo(
            "",
            series.id,
            session.id,
            reg.ticket,
            series_reg.ticket,
            f"/me/{manage}",
            opp.id,
            certificate.number,
            revoked.number,
        )


def _demo_certificates(count: int) -> list:
    """The certificates of the first `count` demo attendances that earn one (issued as at a first download)."""
    from sqlalchemy import select

    from csi_events.attendance.services import issue_certificate
    from csi_events.checkin.models import CheckIn
    from csi_events.extensions import db
    from csi_events.opportunities.models import Session
    from csi_events.people.models import Person

    rows = db.session.execute(
        select(CheckIn.person_id, Session.opportunity_id)
        .join(Session, Session.id == CheckIn.session_id)
        .where(CheckIn.undone_at.is_(None))
        .order_by(CheckIn.id)
    ).all()
    certificates: list = []
    for person_id, opportunity_id in dict.fromkeys(rows):  # one per person and opportunity, in check-in order
        certificate = issue_certificate(db.session.get(Person, person_id), opportunity_id)
        if certificate is not None:
            certificates.append(certificate)
            if len(certificates) == count:
                return certificates
    raise RuntimeError(f"the demo data has fewer than {count} attendances that earn a certificate")


def _serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def _shrink(path: Path) -> None:
    """A 64-colour palette PNG: a screenshot of text and flat colours loses nothing readable."""
    image = Image.open(path).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _scan(page, ticket: str) -> None:
    """The camera on (Chromium's fake device plays its test picture), then a ticket from a keyboard wedge."""
    page.wait_for_selector("#checkin[data-ready='1']")
    page.click("#camera-toggle")
    page.wait_for_selector("#checkin[data-camera='on']")
    page.fill("#scan-input", ticket)
    page.press("#scan-input", "Enter")
    page.wait_for_selector("#answer[data-status]")
    page.evaluate("document.activeElement.blur()")


def _fill_series(page) -> None:
    """A new opportunity's first session, repeated weekly four times by the form's repeat rule."""
    from csi_events.localtime import local_today

    first = local_today() + timedelta(days=14)
    page.fill("#title", "Coaching circle for coordinators")
    page.fill("#sessions-0-day", first.isoformat())
    page.fill("#sessions-0-start_time", "09:00")
    page.fill("#sessions-0-end_time", "10:30")
    page.fill("#sessions-0-venue", "Compton Center, Room 4")
    page.select_option("#repeat_frequency", "weekly")
    page.fill("#repeat_count", "4")
    page.click("[data-fill-sessions]")
    page.wait_for_selector("[data-fill-status]:not(:empty)")
    page.locator("#repeat-rule").scroll_into_view_if_needed()
    page.evaluate("document.activeElement.blur()")


def shots(demo: Demo) -> list[tuple[str, str | None, str, object]]:
    """(name, who signs in, path, what to do once there) of every screen."""
    return [
        ("catalog", None, "/opportunities", None),
        ("catalog-es", None, "/opportunities?lang=es", None),
        ("opportunity", None, f"/opportunities/{demo.opp_id}", None),
        ("register", None, f"/opportunities/{demo.opp_id}/register", None),
        ("waitlist", None, f"/opportunities/{demo.waitlist_opp_id}/register", None),
        ("ticket-series", None, f"/t/{demo.series_ticket}", None),
        ("my-registrations", None, demo.manage_path, None),
        ("today", "facilitator1@example.org", "/staff/checkin", None),
        (
            "checkin-after-scan",
            "facilitator1@example.org",
            f"/staff/checkin/sessions/{demo.session_id}",
            lambda page: _scan(page, demo.ticket),
        ),
        ("staff-opportunities", "staff@example.org", "/staff/opportunities", None),
        ("staff-opportunity-series", "staff@example.org", "/staff/opportunities/new", _fill_series),
        ("staff-people", "staff@example.org", "/staff/people", None),
        ("reports", "staff@example.org", "/staff/reports", None),
        ("verify-certificate", None, f"/verify/{demo.certificate_number}", None),
        ("verify-certificate-revoked", None, f"/verify/{demo.revoked_number}", None),
        ("forgot-password", None, "/auth/forgot", None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screens"))
    parser.add_argument("--only", default="", help="comma-separated screen names")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from csi_events import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'screens.db'}",
                "SECRET_KEY": "screens-secret",
                "RATELIMIT_ENABLED": False,
                "MAIL_BACKEND": "file",
                "MAIL_FILE_DIR": str(Path(tmp) / "mail"),
                "SESSION_COOKIE_SECURE": False,
                "REMEMBER_COOKIE_SECURE": False,
            }
        )
        demo = _prepare(app)
        demo.base_url, server = _serve(app)
        app.config["BASE_URL"] = demo.base_url
        wanted = {name for name in args.only.split(",") if name}
        with sync_playwright() as pw:
            fake_camera = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *fake_camera])
            for size, (width, height) in SIZES.items():
                for name, who, path, action in shots(demo):
                    if wanted and name not in wanted:
                        continue
                    context = browser.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()
                    if who:
                        _sign_in(page, demo.base_url, who)
                    page.goto(demo.base_url + path)
                    page.wait_for_load_state("load")
                    if action:
                        action(page)
                    target = out / f"{name}-{size}.png"
                    page.screenshot(path=str(target))
                    _shrink(target)
                    context.close()
                    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
