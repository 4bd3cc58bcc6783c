"""CSI Events: create_app() wires extensions, blueprints, error handlers and the CLI."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from pathlib import Path

import flask_babel
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import extensions as ext
from .config import load_config
from .errors import register_error_handlers

# Each feature package has a views.py exposing `bp`; order only matters for the nav.
BLUEPRINT_MODULES = (
    "public",
    "auth",
    "opportunities",
    "registrations",
    "checkin",
    "directory",
    "people",
    "reports",
    "attendance",
    "support",
    "notifications",
    "audit",
)
# Each of these packages has a cli.py exposing a click group `cli`.
CLI_MODULES = ("auth", "directory", "demo", "notifications", "support", "people")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    # A server's connection can drop while pooled (restart, idle timeout): test it on checkout (one round trip).
    # A SQLite file connection cannot, so it skips that.
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": not uri.startswith("sqlite"),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    if app.config.get("PROXY_FIX_HOPS"):
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO)

    from . import models  # noqa: F401  (every table on the metadata)

    # (`db` is not imported by name here: csi_events.db must stay the module, migrations import it.)
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(app.root_path + "/migrations"), render_as_batch=True)
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    # The catalogs live at the repository root (translations/<lang>/LC_MESSAGES), beside templates/.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path).parent / "translations"))
    ext.babel.init_app(app, locale_selector=_select_locale)
    # Flask-Babel keeps the chosen locale on `g`: choose afresh for every request, even when requests share an
    # application context (tests, CLI).
    app.before_request(flask_babel.refresh)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(current_language=_current_language, language_switch=_language_switch)
    ext.limiter.init_app(app)

    register_error_handlers(app)
    from .security import init_security

    init_security(app)  # headers, session timeouts, admin and privacy pages
    _register_blueprints(app)
    _register_cli(app)

    from .templating import register_template_helpers

    register_template_helpers(app)
    return app


LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_AGE = timedelta(days=365)
# Each language's name in that language: the switch offers "Español" to an English page and the reverse.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def _select_locale() -> str:
    """The language of this request, the first that applies among the languages we have (LANGUAGES):

    1. `?lang=es` in the URL (the header's language switch; remembered in the `lang` cookie);
    2. the `lang` cookie, set by an earlier `?lang=`;
    3. the browser's Accept-Language preference;
    4. BABEL_DEFAULT_LOCALE (English), also outside a request.

    An unknown value (`?lang=xx`, a stale cookie) is ignored, never an error."""
    from flask import current_app, has_request_context, request

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for asked in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if asked in languages:
            return asked
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_language(response):
    """A valid `?lang=` is kept for a year in a cookie (SameSite=Lax, HttpOnly), so the next pages follow it.
    Pages now depend on the cookie and Accept-Language: caches are told so."""
    from flask import current_app, request

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


def _current_language() -> str:
    """The language of the page being rendered ("en", "es"), for <html lang>."""
    from flask_babel import get_locale

    return str(get_locale() or "en")


def _language_switch() -> list[dict]:
    """Links to this same page in the other languages: code, name (in that language) and URL (this page's
    query with `lang` replaced)."""
    from urllib.parse import urlencode

    from flask import current_app, has_request_context, request

    if not has_request_context():
        return []
    current = _current_language()
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


def _register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(f".{name}.views", __name__)
        app.register_blueprint(module.bp)
    from .api import register_api

    register_api(app)


def _register_cli(app: Flask) -> None:
    for name in CLI_MODULES:
        module = importlib.import_module(f".{name}.cli", __name__)
        app.cli.add_command(module.cli)
        for command in getattr(module, "more_commands", ()):
            app.cli.add_command(command)
