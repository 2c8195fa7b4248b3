"""Flask commands: users, offices, demo data, backup and restore."""
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from .backup import BackupError, TableFigure, backup as backup_database, restore as restore_database
from .auth.models import User
from .auth.services import check_new_password
from .cases.models import Case, RoutingRule
from .cases.routing import load_default_rules
from .cases.search import index_cases
from .cases.similar_cli import similar_group
from .core.errors import DomainError
from .core.vocab import Role
from .demo import load_demo
from .db import utcnow
from .extensions import db
from .organisation.models import Office
from .organisation.town import current_town



def register(app: Flask) -> None:
    app.cli.add_command(similar_group)

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--office", "office_code", required=True, help="Office code, see `flask offices`.")
    @click.option("--name", "display_name", default=None, help="Name shown in the app.")
    def create_user(username, role, office_code, display_name):
        """Create a user; the password is read from standard input (never a default account)."""
        office = db.session.scalar(select(Office).where(Office.code == office_code))
        if office is None:
            raise click.ClickException(f"No office with code {office_code!r}; see `flask offices`.")
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"User {username!r} already exists.")
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        try:
            check_new_password(password, username)  # the same rules as the account pages
        except DomainError as e:
            raise click.ClickException(e.message) from None
        user = User(username=username, display_name=display_name or username, role=role, office_id=office.id)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created {role} {username} in {office.code}.")

    @app.cli.command("offices")
    def offices():
        """List office codes and names."""
        for office in db.session.scalars(select(Office).order_by(Office.id)):
            click.echo(f"{office.code}\t{office.kind}\t{office.name}")

    @app.cli.group("routing-rules")
    def routing_rules():
        """Routing rules (三所联动)."""

    @routing_rules.command("load-defaults")
    def load_defaults():
        """Load DESIGN.md's default rules into an empty rule list."""
        if db.session.scalar(select(func.count()).select_from(RoutingRule)):
            raise click.ClickException("Rules already exist; defaults are only loaded into an empty list.")
        created = load_default_rules()
        db.session.commit()
        click.echo(f"Loaded {created} rules.")

    @app.cli.group("search")
    def search_group():
        """The search box's index."""

    @search_group.command("reindex")
    @click.option("--batch", default=2000, show_default=True)
    def reindex(batch):
        """Rewrite every case's search terms (after an upgrade, or to repair the index)."""
        last, written = 0, 0
        while True:
            ids = db.session.scalars(select(Case.id).where(Case.id > last).order_by(Case.id).limit(batch)).all()
            if not ids:
                break
            written += index_cases(ids)
            db.session.commit()
            last = ids[-1]
        click.echo(f"Indexed {last and written} terms.")

    @app.cli.command("seed-demo")
    @click.option("--cases", "case_count", default=200, show_default=True)
    def seed_demo(case_count):
        """Load the demo town, users and cases, only into an empty database."""
        if db.session.scalar(select(func.count()).select_from(Office)):
            click.echo("Database already has data; demo data not loaded.")
            return
        passwords = load_demo(utcnow(), current_town(), case_count=case_count)
        db.session.commit()
        click.echo("Demo data loaded. Sign in with one of these (shown once, not stored):")
        for username, (role, password) in passwords.items():
            click.echo(f"  {role:<10} {username:<12} {password}")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.option("--checksums", is_flag=True, help="Also print a checksum of each table's rows.")
    def backup(path, checksums):
        """Write a consistent copy of the whole database to PATH, while the app keeps running
        (SQLite: online backup; PostgreSQL: pg_dump custom format)."""
        try:
            figures = backup_database(db.engine, path, checksums=checksums)
        except BackupError as err:
            raise click.ClickException(str(err)) from err
        _echo_figures(f"Backed up {db.engine.dialect.name} database to {path}", figures)

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", "replace_data", is_flag=True, help="Replace the data the database already holds.")
    @click.option("--checksums", is_flag=True, help="Also print a checksum of each table's rows.")
    def restore(path, replace_data, checksums):
        """Replace the configured database's contents with the backup at PATH (stop the app first)."""
        try:
            figures = restore_database(db.engine, path, replace_data=replace_data, checksums=checksums)
        except BackupError as err:
            raise click.ClickException(str(err)) from err
        _echo_figures(f"Restored {path} into the {db.engine.dialect.name} database", figures)


def _echo_figures(done: str, figures: dict[str, TableFigure]) -> None:
    """What was copied, table by table: a restore of the same file prints the same figures."""
    click.echo(f"{done}: {len(figures)} tables, {sum(f.rows for f in figures.values())} rows.")
    for name, figure in figures.items():
        click.echo(f"  {name:<28} {figure.rows:>10}" + (f"  {figure.checksum}" if figure.checksum else ""))
