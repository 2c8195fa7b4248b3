"""A joint meeting's decision reaches those who carry it out, and the agenda keeps its place."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.jobs.sweeps import pre_meeting_agenda
from mediation.meetings.models import AgendaItem, Meeting
from mediation.notifications.models import Notification
from mediation.organisation.town import current_town

SH = ZoneInfo("Asia/Shanghai")


def _meeting(db, cases):
    db.session.execute(update(Case).where(Case.id.in_([c.id for c in cases])).values(escalated=True))
    db.session.commit()
    pre_meeting_agenda(utcnow(), current_town())
    db.session.commit()
    meeting = db.session.scalar(select(Meeting))
    return meeting, {i.case_id: i for i in db.session.scalars(select(AgendaItem))}


def _decide(client, meeting, item, text, **extra):
    data = {f"item{item.id}-decision": text, f"item{item.id}-save": "1"}
    data.update({f"item{item.id}-{k}": v for k, v in extra.items()})
    return client.post(f"/meetings/{meeting.id}", data=data)


def _decision_notices(db, case):
    return db.session.execute(select(Notification.user_id, Notification.details).where(
        Notification.kind == "meeting_decision", Notification.case_id == case.id)).all()


def test_decision_notifies_the_mediator_and_the_lead_office_and_keeps_the_place(
        client, db, town, users, login, make_case, make_user):
    cases = [make_case(Status.IN_MEDIATION) for _ in range(3)]
    meeting, items = _meeting(db, cases)
    item = items[cases[1].id]
    police = make_user("liaison", "police_station")
    login(users["supervisor"])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert all(f'id="item-{i.id}"' in page for i in items.values())
    assert f'action="/meetings/{meeting.id}#item-{item.id}"' in page  # a refused form comes back there too

    r = _decide(client, meeting, item, "由派出所牵头，一周内化解", lead_office=town["offices"]["police_station"].id)
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/meetings/{meeting.id}#item-{item.id}")
    notices = dict(_decision_notices(db, cases[1]))
    # The assigned mediator, and the new lead office's people (the police station's two liaisons);
    # not the supervisor who recorded it, nor the other cases' people.
    assert set(notices) == {users["mediator"].id, users["liaison"].id, police.id}
    details = notices[users["mediator"].id]
    assert details["decision"] == "由派出所牵头，一周内化解" and details["item_id"] == item.id
    assert details["meeting_id"] == meeting.id
    assert _decision_notices(db, cases[0]) == []

    login(users["mediator"])
    bell = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "Joint meeting decision" in bell and cases[1].reference in bell and "由派出所牵头" in bell
    assert f"/meetings/{meeting.id}#item-{item.id}" not in bell  # a mediator does not open meetings
    login(police)
    bell = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}#item-{item.id}"' in bell


def test_supervising_decision_also_sends_the_decision_notice(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    meeting, items = _meeting(db, [case])
    login(users["supervisor"])
    due = (datetime.now(SH) + timedelta(days=7)).replace(second=0, microsecond=0)
    r = _decide(client, meeting, items[case.id], "三日内再次组织调解", due_at=due.strftime("%Y-%m-%dT%H:%M"))
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#item-{items[case.id].id}")
    notices = dict(_decision_notices(db, case))
    assert users["mediator"].id in notices and users["supervisor"].id not in notices
    assert datetime.fromisoformat(notices[users["mediator"].id]["due"]) == due
    # The judicial office leads: its other mediator hears of it too, the viewer and the admin do not.
    assert users["other_mediator"].id in notices and users["admin"].id not in notices


def test_refused_decision_keeps_the_place_and_sends_nothing(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    meeting, items = _meeting(db, [case])
    login(users["supervisor"])
    assert _decide(client, meeting, items[case.id], " ").status_code == 422
    assert _decision_notices(db, case) == []
