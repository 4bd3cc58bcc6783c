"""Spanish: every message of the source has a Spanish translation with the same placeholders; Accept-Language,
`?lang=` and the `lang` cookie choose the language; pages, dates and e-mails then speak Spanish, and English
stays the default when nothing asks for Spanish."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_skeleton
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from csi_events.db import utcnow
from csi_events.models import Person
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user
from tests.smtp_server import smtp_backend
from tests.test_registration_helpers import form_data

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
# Python's %-format conversions, as in the msgids: %(name)s, %(n)d, %(b)02X, %(c)r, and a literal %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]*)"', html)
    assert match, html[:200]
    return match.group(1)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """The app reads the compiled catalog (`make setup` builds it from the .po). Running this file alone after
    editing the .po must test that .po: compile it when the .mo is missing or older (atomically: xdist
    workers may do it at once), and forget the translations already loaded."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as source:
            catalog = read_po(source, locale="es")
        partial = mo.with_name(f".messages.{os.getpid()}.mo")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo)
        from csi_events.extensions import babel

        loaded = babel.__dict__.get("domain_instance")  # made on first use
        if loaded is not None:
            loaded.cache.clear()


# (a) the catalog is complete


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> list:
    """The messages of the source, extracted as the README says (babel.cfg) into a temporary .pot."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "--ignore-dirs=.* ._ node_modules instance",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as f:
        return [message for message in read_po(f) if message.id]


def test_extraction_finds_the_python_templates_and_lazy_form_labels(source_messages):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in source_messages}
    assert len(ids) > 1000
    # _() in Python, {{ _() }} and ngettext in templates, and lazy_gettext (_l) in labels and forms
    assert {"Something went wrong on our side. Please quote error %(id)s if you contact us."} <= ids
    assert {"Skip to main content", "%(num)d event", "Community school coordinator", "First name"} <= ids


def test_every_message_has_a_spanish_translation_with_the_same_placeholders(source_messages):
    with PO.open("rb") as f:
        spanish = read_po(f, locale="es")
    assert not spanish.fuzzy, "the catalog header is marked fuzzy: pybabel compile would skip it"
    problems = []
    for message in source_messages:
        found = spanish.get(message.id)
        shown = message.id if isinstance(message.id, str) else message.id[0]
        if found is None:
            problems.append(f"not in the .po: {shown!r}")
            continue
        if found.fuzzy:
            problems.append(f"fuzzy: {shown!r}")
        if isinstance(message.id, tuple):
            strings = found.string if isinstance(found.string, tuple) else (found.string,)
            if len(strings) != spanish.num_plurals or not all(s.strip() for s in strings):
                problems.append(f"plural forms missing: {shown!r}")
            expected = placeholders(message.id[1])
        else:
            strings = (found.string,) if isinstance(found.string, str) else ()
            if not (strings and strings[0].strip()):
                problems.append(f"untranslated: {shown!r}")
            expected = placeholders(message.id)
        for string in strings:
            if string and placeholders(string) != expected:
                problems.append(f"placeholders differ: {shown!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_the_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    assert placeholders("Page %(page)d of %(pages)d") == placeholders("Página %(page)d de %(pages)d")
    assert placeholders("Page %(page)d of %(pages)d") != placeholders("Página %(page)d de %(total)d")
    assert placeholders("%(pct)s%% of the session") != placeholders("%(pct)s% de la sesión")
    assert placeholders("Byte 0x%(b)02X") != placeholders("Byte 0x%(b)s")


# (b) Spanish pages


def test_the_registration_form_speaks_spanish_with_accept_language(client, db):
    opp = make_opportunity(title="Family Engagement CoP")
    db.session.commit()

    html = client.get(f"/opportunities/{opp.id}/register", headers=SPANISH).get_data(as_text=True)

    assert html_lang(html) == "es"
    for spanish in ("Nombre", "Apellido", "Correo electrónico", "Su rol", "Coordinador/a de escuela comunitaria"):
        assert spanish in html
    assert "Ir al contenido principal" in html
    for english in ("First name", "Last name", "Your role", "Skip to main content"):
        assert english not in html
    # the switch back to English: in English, marked as such, keyboard-reachable (a real link)
    assert re.search(r'<a class="language-switch" href="[^"]*lang=en" lang="en" hreflang="en">English</a>', html)


def test_english_stays_the_default_and_offers_spanish(client, db):
    html = client.get("/opportunities").get_data(as_text=True)

    assert html_lang(html) == "en"
    assert "Learning opportunities" in html and "Oportunidades de aprendizaje" not in html
    assert re.search(
        r'<a class="language-switch" href="/opportunities\?lang=es" lang="es" hreflang="es">Español</a>', html
    )


def test_the_switch_keeps_the_page_and_its_query(client, db):
    html = client.get("/opportunities?q=family&topic=a&topic=b&lang=en").get_data(as_text=True)

    link = re.search(r'class="language-switch" href="([^"]*)"', html).group(1)
    assert link == "/opportunities?q=family&amp;topic=a&amp;topic=b&amp;lang=es"


def test_dates_on_a_spanish_page_are_written_in_spanish(client, db):
    start = (utcnow() + timedelta(days=20)).replace(hour=18, minute=0, second=0, microsecond=0)
    opp = make_opportunity(title="Attendance Works", starts_at=start)
    db.session.commit()
    local = start.astimezone(ZoneInfo("America/Los_Angeles"))

    spanish = client.get(f"/opportunities/{opp.id}", headers=SPANISH).get_data(as_text=True)
    english = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)

    assert format_skeleton("MMMEd", local, locale="es") in spanish  # e.g. "mar, 1 dic"
    assert local.strftime("%B") not in spanish and local.strftime("%a, %b") not in spanish  # no English names
    assert format_skeleton("MMMEd", local, locale="en") in english  # e.g. "Tue, Dec 1"


# (c) ?lang= and the cookie


def test_lang_parameter_sets_a_cookie_that_later_pages_follow(client, db):
    first = client.get("/opportunities?lang=es")
    assert html_lang(first.get_data(as_text=True)) == "es"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    assert "Accept-Language" in first.headers["Vary"] and "Cookie" in first.headers["Vary"]

    later = client.get("/privacy")  # no parameter, no Accept-Language
    assert html_lang(later.get_data(as_text=True)) == "es"
    assert "Privacidad" in later.get_data(as_text=True)

    back = client.get("/privacy?lang=en")
    assert html_lang(back.get_data(as_text=True)) == "en"
    assert client.get_cookie("lang").value == "en"
    # the cookie now says English, and it comes before the browser's Accept-Language
    assert html_lang(client.get("/opportunities", headers=SPANISH).get_data(as_text=True)) == "en"


def test_an_unknown_language_is_ignored(client, db):
    client.get("/opportunities?lang=es")

    response = client.get("/opportunities?lang=xx")

    assert response.status_code == 200
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert html_lang(response.get_data(as_text=True)) == "es"  # the remembered choice still holds
    assert client.get_cookie("lang").value == "es"


def test_an_unknown_cookie_value_falls_back_to_accept_language(client, db):
    client.set_cookie("lang", "xx")

    assert html_lang(client.get("/opportunities", headers=SPANISH).get_data(as_text=True)) == "es"
    assert html_lang(client.get("/opportunities").get_data(as_text=True)) == "en"


# (d) e-mail in the language of the person


def test_a_person_who_registers_in_spanish_gets_the_confirmation_in_spanish(app, client, db):
    start = (utcnow() + timedelta(days=12)).replace(hour=17, minute=30, second=0, microsecond=0)
    opp = make_opportunity(title="Escuelas Comunitarias 101", capacity=5, starts_at=start)
    lea = make_lea()
    db.session.commit()

    with smtp_backend(app) as smtp:
        response = client.post(f"/opportunities/{opp.id}/register", data=form_data(lea=lea.cd_code), headers=SPANISH)
        assert response.status_code == 200
        messages = smtp.messages()

    person = db.session.scalar(select(Person))
    assert person.preferred_language == "es"
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "Inscripción confirmada: Escuelas Comunitarias 101"
    assert message["Content-Language"] == "es"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hola, Ana:" in text and "Su boleto" in text
    assert "Su inscripción en Escuelas Comunitarias 101 está confirmada." in text
    assert "Your ticket" not in text and "You are registered" not in text
    local = start.astimezone(ZoneInfo("America/Los_Angeles"))
    assert format_date(local.date(), "full", locale="es") in text
    assert '<html lang="es">' in html and "Su boleto" in html


def test_a_person_who_registers_in_english_still_gets_english(app, client, db):
    opp = make_opportunity(title="Family Engagement 101", capacity=5)
    lea = make_lea()
    db.session.commit()

    with smtp_backend(app) as smtp:
        assert client.post(f"/opportunities/{opp.id}/register", data=form_data(lea=lea.cd_code)).status_code == 200
        messages = smtp.messages()

    assert db.session.scalar(select(Person)).preferred_language == "en"
    assert messages[0]["Subject"] == "You're registered: Family Engagement 101"
    assert messages[0]["Content-Language"] == "en"


# (e) staff pages in Spanish


def test_staff_pages_render_in_spanish(client, db, login):
    staff = make_user("staff")
    lea = make_lea(name="Pomona Unified", cd_code="1964907")
    school = make_school(lea, name="Garey High", cds_code="19649071937739")
    opp = make_opportunity(title="Attendance Works", facilitators=[staff])
    person = make_person(lea=lea, school=school, preferred_language="es")
    make_registration(opp, person)
    db.session.commit()
    login(staff)

    pages = (
        "/staff/reports",
        "/staff/reports/rows?figure=attendees",
        "/staff/reports/leas/1964907",
        "/staff/opportunities",
        "/staff/opportunities/new",
        f"/staff/opportunities/{opp.id}/edit",
        f"/staff/opportunities/{opp.id}/roster",
        "/staff/support",
        "/staff/support/new",
        "/staff/people",
        f"/staff/people/{person.id}",
        "/staff/directory/leas",
        "/staff/audit",
        "/staff/checkin",
        f"/staff/checkin/sessions/{opp.sessions[0].id}",
        "/auth/account",
    )
    for path in pages:
        response = client.get(path, headers=SPANISH)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert html_lang(html) == "es", path
        assert "Cerrar sesión" in html and "Sign out" not in html, path


def test_a_word_with_two_uses_gets_the_spanish_of_each(client, db, login):
    """'Confirmed' as one registration's status and as the heading over a group of them differ in Spanish
    (pgettext contexts): "Confirmada" on a ticket, "Confirmadas (n)" over the roster's group."""
    staff = make_user("staff")
    opp = make_opportunity(facilitators=[staff])
    reg = make_registration(opp, make_person())
    make_registration(opp, make_person(), status="cancelled")
    db.session.commit()
    ticket = client.get(f"/t/{reg.ticket}", headers=SPANISH).get_data(as_text=True)
    assert "Confirmada" in ticket and "Confirmadas" not in ticket
    login(staff)
    roster = client.get(f"/staff/opportunities/{opp.id}/roster", headers=SPANISH).get_data(as_text=True)
    assert "Confirmadas (1)" in roster and "Canceladas (1)" in roster
    assert "Fecha de cancelación" in roster
