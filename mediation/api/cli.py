"""`flask channel-token create|list|revoke`: bearer tokens for channel systems.

The token is printed once, on the last line of `create`'s output, and only its hash is
stored: a lost token is revoked and replaced, never recovered.
"""
import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..auth import audit
from ..db import utcnow
from ..extensions import db
from .auth import API_CHANNELS
from .models import ChannelToken
from .tokens import MAX_NAME, create_token, revoke_token

__all__ = ["channel_token", "create_token", "register"]

channel_token = AppGroup("channel-token", help="Bearer tokens for channel systems (12345, 110, grid, platform).")


def register(app: Flask) -> None:
    app.cli.add_command(channel_token)


@channel_token.command("create")
@click.option("--channel", required=True, type=click.Choice(API_CHANNELS), help="The channel the token acts for.")
@click.option("--name", default="", help="Who holds it, e.g. the 12345 centre's system.")
def create(channel, name):
    """Create a token for CHANNEL and print it (shown once)."""
    row, token = create_token(channel, name.strip()[:MAX_NAME])
    audit.record("channel_token_created", None, "channel_token", row.id, channel=channel, name=row.name, at=utcnow())
    db.session.commit()
    click.echo(f"Created token {row.id} for {channel}. Store it now; it is not shown again:")
    click.echo(token)


@channel_token.command("list")
def list_tokens():
    """List tokens: id, channel, state, hint, last use, name."""
    rows = db.session.scalars(select(ChannelToken).order_by(ChannelToken.id)).all()
    if not rows:
        click.echo("No channel tokens.")
        return
    click.echo("id\tchannel\tstate\thint\tcreated\tlast used\tname")
    for row in rows:
        state = "active" if row.active else f"revoked {row.revoked_at:%Y-%m-%d %H:%M}Z"
        last = f"{row.last_used_at:%Y-%m-%d %H:%M}Z" if row.last_used_at else "never"
        click.echo(f"{row.id}\t{row.channel}\t{state}\t{row.hint}…\t{row.created_at:%Y-%m-%d}\t{last}\t{row.name}")


@channel_token.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id):
    """Revoke token TOKEN_ID: the channel system is refused from its next request on."""
    row = db.session.get(ChannelToken, token_id)
    if row is None:
        raise click.ClickException(f"No channel token with id {token_id}; see `flask channel-token list`.")
    if not revoke_token(row, utcnow()):
        click.echo(f"Token {token_id} was already revoked.")
        return
    audit.record("channel_token_revoked", None, "channel_token", row.id, channel=row.channel, at=utcnow())
    db.session.commit()
    click.echo(f"Revoked token {token_id} ({row.channel}).")
