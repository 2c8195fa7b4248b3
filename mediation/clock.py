"""The time a request acts at, read once at the edge and passed down as `now`.

A testing app may fix it (`FIXED_NOW`, an aware datetime), so a printout can be checked at a
known moment without patching anything; outside testing the setting is ignored.
"""
from datetime import datetime

from flask import current_app

from .db import utcnow


def request_now() -> datetime:
    fixed = current_app.config.get("FIXED_NOW") if current_app.testing else None
    return fixed or utcnow()
