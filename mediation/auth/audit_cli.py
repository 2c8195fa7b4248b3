"""`flask audit verify`: walk the audit hash chain; exit status 1 at the first broken row."""
import click
from flask import Flask
from flask.cli import AppGroup

from . import audit


def register(app: Flask) -> None:
    group = AppGroup("audit", help="The audit trail: verify its hash chain.")

    @group.command("verify")
    def verify():
        """Recompute every row's hash in chain order; OK, or the id of the first row that breaks it."""
        report = audit.verify()
        if report.ok:
            click.echo(f"OK: {report.rows} audit rows, hash chain intact")
            return
        click.echo(f"BROKEN at audit row id {report.broken_id}: {report.reason} "
                   f"({report.rows} rows before it verified)", err=True)
        raise SystemExit(1)

    app.cli.add_command(group)
