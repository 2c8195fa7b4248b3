"""The due day is data an admin edits (/screening/settings), and every rule follows it."""
import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.screening.models import ScreeningSettings
from mediation.screening.services import load_rules


def test_admin_changes_the_due_day(db, login, users, town, pin):
    client = login(users["admin"])
    assert client.get("/screening/settings").status_code == 200
    response = client.post("/screening/settings", data={"due_day": "10", "remind_days": "2"})
    assert response.status_code == 303
    db.session.expire_all()
    rules = load_rules()
    assert (rules.due_day, rules.remind_days) == (10, 2)
    assert db.session.get(ScreeningSettings, 1).updated_by_id == users["admin"].id
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "screening_settings"))
    # On the 20th, with the due day the 10th, a committee without a report is overdue.
    html = login(users["supervisor"]).get("/screening/overview").get_data(as_text=True)
    assert 'id="due">2026-11-10<' in html
    assert f'data-office="{town["offices"]["vc_xiaomiao"].id}" data-state="overdue"' in html


@pytest.mark.parametrize("data, field", [({"due_day": "29", "remind_days": "3"}, "due_day"),
                                         ({"due_day": "0", "remind_days": "3"}, "due_day"),
                                         ({"due_day": "25", "remind_days": "-1"}, "remind_days"),
                                         ({"due_day": "", "remind_days": "3"}, "due_day")])
def test_bad_values_are_field_errors(db, login, users, pin, data, field):
    response = login(users["admin"]).post("/screening/settings", data=data)
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True).split(f'id="{field}"', 1)[1][:600]
    assert load_rules().due_day == 25


@pytest.mark.parametrize("role", ["supervisor", "mediator", "village_mediator", "viewer"])
def test_only_admins(login, users, pin, role):
    assert login(users[role]).get("/screening/settings").status_code == 403

