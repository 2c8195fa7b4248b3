"""`flask similar rebuild`: rewrite the similar-cases index (类案参考) from every closed case, after an
upgrade or to repair it. Registered by mediation/cli.py (`app.cli.add_command(similar_group)`)."""
import click
from flask.cli import AppGroup

from .similar import rebuild

similar_group = AppGroup("similar", help="The similar-cases (类案参考) index.")


@similar_group.command("rebuild")
@click.option("--batch", default=2000, show_default=True, help="cases per transaction")
def rebuild_command(batch):
    """Rewrite the index from every closed case (run it when nobody is closing cases)."""
    done = rebuild(chunk=batch)
    click.echo(f"Indexed {done} closed cases.")
