"""Fixtures of the screening tests: a pinned clock and the village committees' own users."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
# Friday 20 November 2026, 10:00 in Shanghai: November's report is due by the 25th (the default).
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SH)


@pytest.fixture
def pin(app, monkeypatch):
    """Pin the app's clock (FIXED_NOW, honoured when testing) at `when`; NOW by default."""
    def pinning(when: datetime = NOW) -> datetime:
        monkeypatch.setitem(app.config, "FIXED_NOW", when)
        return when

    pinning()
    return pinning


@pytest.fixture
def members(users, make_user):
    """Reporters of both committees: xiaomiao's mediator and liaison, qianqiao's mediator (conftest's
    village_mediator), and a viewer of xiaomiao (reads, does not report)."""
    return {
        "xiaomiao": make_user("mediator", "vc_xiaomiao"),
        "xiaomiao_liaison": make_user("liaison", "vc_xiaomiao"),
        "qianqiao": users["village_mediator"],
        "xiaomiao_viewer": make_user("viewer", "vc_xiaomiao"),
    }
