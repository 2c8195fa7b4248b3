"""`flask channel-token ...` commands (filled in by the channel-API work)."""
from flask import Flask


def register(app: Flask) -> None:
    return None
