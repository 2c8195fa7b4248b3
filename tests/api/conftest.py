"""Fixtures for the channel API: real tokens (hashed rows, as the CLI makes them) and submissions."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from mediation.api.cli import create_token
from mediation.db import utcnow

from ..factories import VALID_ID, VALID_PHONE

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def make_token(db):
    """make_token(channel) -> the bearer token string; the row is committed."""
    def make(channel: str = "hotline_12345", name: str = "") -> str:
        _row, token = create_token(channel, name)
        db.session.commit()
        return token

    return make


@pytest.fixture
def hotline(make_token):
    return {"Authorization": f"Bearer {make_token('hotline_12345', '12345 centre')}"}


@pytest.fixture
def police(make_token):
    return {"Authorization": f"Bearer {make_token('police_110', '110 dispatch')}"}


def local_iso(dt) -> str:
    return dt.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def submission(external_id: str = "GD20261126000123", **overrides) -> dict:
    """A valid 12345 work order as the hotline's system would send it."""
    body = {
        "external_id": external_id,
        "received_at": local_iso(utcnow() - timedelta(hours=2)),
        "category": "邻里",
        "summary": "楼上住户深夜噪音，多次协商未果",
        "location": {"address": "徐行镇小庙村88号", "village": "小庙村"},
        "parties": [
            {"name": "张三", "role": "applicant", "phone": VALID_PHONE, "id_number": VALID_ID},
            {"name": "李四", "role": "respondent", "phone": "13900001111"},
        ],
        "details": {"work_order_type": "投诉"},
    }
    body.update(overrides)
    return body
