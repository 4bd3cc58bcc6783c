"""`flask users create|set-password|set-role` and `flask tokens create|revoke`."""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import commit, utcnow
from ..errors import DomainError
from ..extensions import db
from ..people.models import normalize_email
from .models import TOKEN_SCOPES, USER_ROLES, ApiToken, User
from .services import create_api_token, create_user, revoke_api_token, set_password, set_role

cli = AppGroup("users", help="Manage login accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(USER_ROLES), required=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password", default=None, help="Omit to generate one (printed once).")
def create_user_command(email, role, name, password):
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(email, password, role, display_name=name)
    except DomainError as err:
        raise click.ClickException(f"{err.message} {err.fields or ''}".strip()) from err
    commit(db.session)
    click.echo(f"Created {user.role} {user.email}" + (f" with password {password}" if generated else ""))


def _user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    return user


def _refused(err: DomainError) -> click.ClickException:
    problems = [message for messages in (err.fields or {}).values() for message in messages]
    return click.ClickException(" ".join([err.message, *problems]))


@cli.command("set-password")
@click.argument("email")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from the first line of standard input.")
def set_password_command(email, from_stdin):
    """Set a new password (asked twice, hidden); every session of the account ends."""
    user = _user_by_email(email)
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(user, password, via="cli")
    except DomainError as err:
        raise _refused(err) from err
    commit(db.session)
    click.echo(f"Password set for {user.email}; its sessions are ended.")


@cli.command("set-role")
@click.argument("email")
@click.argument("role")
def set_role_command(email, role):
    """Give the account a role: staff, facilitator or admin (auth.models.USER_ROLES)."""
    user = _user_by_email(email)
    if role not in USER_ROLES:
        raise click.ClickException(f"Unknown role {role!r}; choose one of {', '.join(USER_ROLES)}.")
    try:
        set_role(user, role, by=None)
    except DomainError as err:
        raise _refused(err) from err
    commit(db.session)
    click.echo(f"{user.email} is now {user.role}.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(TOKEN_SCOPES), required=True)
@click.option("--name", default="")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Expires after this many days.")
def create_token_command(email, scopes, name, days):
    user = _user_by_email(email)
    expires = utcnow() + timedelta(days=days) if days else None
    token = create_api_token(user, list(scopes), name=name, expires_at=expires)
    commit(db.session)
    click.echo(token)


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No token {token_id}.")
    revoke_api_token(row)
    commit(db.session)
    click.echo(f"Revoked token {token_id}.")


more_commands = (tokens_cli,)
