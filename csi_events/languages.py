"""Languages: which one a request gets (URL, cookie, browser), the cookie that remembers a choice, and the
switch links in the page header. Catalogs live at the repository root (translations/<lang>/LC_MESSAGES)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import flask_babel
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale

from . import extensions as ext

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = timedelta(days=365)
# Each language's name in that language: the switch offers "Español" to an English page and the reverse.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def select_locale() -> str:
    """The language of this request, the first that applies among the languages we have (LANGUAGES):

    1. `?lang=es` in the URL (the header's language switch; remembered in the `lang` cookie);
    2. the `lang` cookie, set by an earlier `?lang=`;
    3. the browser's Accept-Language preference;
    4. BABEL_DEFAULT_LOCALE (English), also outside a request.

    An unknown value (`?lang=xx`, a stale cookie) is ignored, never an error."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for asked in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked is not None and asked in languages:
            return asked
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language(response):
    """A valid `?lang=` is kept for a year in a cookie (SameSite=Lax, HttpOnly), so the next pages follow it.
    Pages now depend on the cookie and Accept-Language: caches are told so."""
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"] and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=int(LANGUAGE_COOKIE_AGE.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def current_language() -> str:
    """The language of the page being rendered ("en", "es"), for <html lang>."""
    return str(get_locale() or "en")


def language_switch() -> list[dict]:
    """Links to this same page in the other languages: code, name (in that language) and URL (this page's
    query with `lang` replaced)."""
    if not has_request_context():
        return []
    current = current_language()
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES.get(code, code),
            "url": f"{request.script_root}{request.path}?{urlencode([*query, ('lang', code)])}",
        }
        for code in current_app.config["LANGUAGES"]
        if code != current
    ]


def init_languages(app: Flask) -> None:
    """Flask-Babel with the locale chosen by select_locale, the catalogs beside templates/, the `lang` cookie and the
    template helpers `current_language()` and `language_switch()`."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path).parent / "translations"))
    ext.babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps the chosen locale on `g`: choose afresh for every request, even when requests share an
    # application context (tests, CLI).
    app.before_request(flask_babel.refresh)
    app.after_request(remember_language)
    app.jinja_env.globals.update(current_language=current_language, language_switch=language_switch)
