"""CSI Events: create_app() wires extensions, blueprints, error handlers and the CLI."""

from __future__ import annotations

import importlib
import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import extensions as ext
from .config import load_config
from .errors import register_error_handlers
from .languages import init_languages

# Each feature package has a views.py exposing `bp`; order only matters for the nav.
BLUEPRINT_MODULES = (
    "public",
    "auth",
    "opportunities",
    "registrations",
    "checkin",
    "door",
    "directory",
    "people",
    "reports",
    "attendance",
    "support",
    "notifications",
    "audit",
)
# Each of these packages has a cli.py exposing a click group `cli`.
CLI_MODULES = ("auth", "directory", "demo", "notifications", "support", "people", "reports")


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
    init_languages(app)
    ext.limiter.init_app(app)

    register_error_handlers(app)
    from .security import init_security

    init_security(app)  # headers, session timeouts, admin and privacy pages
    _register_blueprints(app)
    _register_cli(app)

    from .templating import register_template_helpers

    register_template_helpers(app)
    return app


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
