"""CSI Events: create_app() wires extensions, blueprints, error handlers and the CLI."""

from __future__ import annotations

import importlib

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import extensions as ext
from .config import load_config
from .errors import register_error_handlers
from .languages import init_languages
from .observability.hooks import init_observability
from .static_files import init_static_files

# Every blueprint, registered in this order: the module that defines it as `bp`, then the modules that add
# routes to it (each imports that `bp`; API routes are declared with api/spec.route).
BLUEPRINTS: dict[str, tuple[str, ...]] = {
    "public.views": ("public.health_views",),
    "auth.views": (),
    "auth.admin_views": (),
    "opportunities.views": ("opportunities.catalog_views", "opportunities.staff_views"),
    "registrations.views": ("registrations.public_views", "registrations.staff_views", "registrations.me_signin_views"),
    "checkin.views": (),
    "directory.views": (),
    "people.views": (),
    "people.privacy_views": (),
    "reports.views": (),
    "attendance.views": (),
    "support.views": ("support.list_views", "support.form_views", "support.import_views"),
    "door.views": ("door.views_kiosk", "door.views_followup"),
    "surveys.views": ("surveys.public_views", "surveys.staff_views", "surveys.results_views", "surveys.checkin_qr"),
    "notifications.views": (),
    "observability.views": (),
    "audit.views": (),
    "api.views": (
        "api.meta",
        "api.directory",
        "api.opportunities",
        "api.registrations",
        "api.checkin",
        "api.attendance",
        "api.support",
        "api.surveys",
        "api.door",
        "people.privacy_views",  # a person's data export, also in the API
    ),
}
# Each of these packages has a cli.py exposing a click group `cli`.
CLI_MODULES = ("auth", "directory", "demo", "notifications", "support", "people", "reports", "surveys")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    _configure(app, config)
    init_observability(app)  # logging, the request id, request metrics
    _init_extensions(app)
    register_error_handlers(app)
    from .security import init_security

    init_security(app)  # headers, session timeouts, abuse limits
    _register_blueprints(app)
    init_static_files(app)  # precompressed copies, versioned URLs cached for a year
    _register_cli(app)

    from .templating import register_template_helpers

    register_template_helpers(app)
    return app


def _configure(app: Flask, config: dict | None) -> None:
    """Settings (load_config, then the caller's), the engine's pool options, the proxy hops."""
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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every table on the metadata)

    # (`db` is not imported by name here: it would hide the module csi_events.db.)
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(app.root_path + "/migrations"), render_as_batch=True)
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    init_languages(app)
    ext.limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    for name, route_modules in BLUEPRINTS.items():
        for route_module in route_modules:
            importlib.import_module(f".{route_module}", __name__)
        app.register_blueprint(importlib.import_module(f".{name}", __name__).bp)


def _register_cli(app: Flask) -> None:
    for name in CLI_MODULES:
        module = importlib.import_module(f".{name}.cli", __name__)
        app.cli.add_command(module.cli)
        for command in getattr(module, "more_commands", ()):
            app.cli.add_command(command)
