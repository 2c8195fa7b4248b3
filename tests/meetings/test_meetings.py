"""Joint meetings: agenda built by the job and edited by hand, decisions that land on cases, closing."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from mediation.organisation.town import current_town
from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.jobs.sweeps import pre_meeting_agenda
from mediation.meetings.models import AgendaItem, Meeting

SH = ZoneInfo("Asia/Shanghai")


def _meeting(db, cases_on_agenda):
    for case in cases_on_agenda:
        db.session.execute(update(Case).where(Case.id == case.id).values(escalated=True))
    db.session.commit()
    pre_meeting_agenda(utcnow(), current_town())
    db.session.commit()
    return db.session.scalar(select(Meeting))


def test_readers_and_editors(client, db, users, login, make_case):
    meeting = _meeting(db, [make_case(Status.IN_MEDIATION)])
    for role, status in (("supervisor", 200), ("viewer", 200), ("liaison", 200), ("admin", 200), ("mediator", 403)):
        login(users[role])
        assert client.get(f"/meetings/{meeting.id}").status_code == status, role
    login(users["viewer"])
    assert client.post(f"/meetings/{meeting.id}", data={"add-reference": "x", "add-add": "1"}).status_code == 403


def test_supervisor_builds_edits_and_decides(client, db, town, users, login, make_case):
    on_it = make_case(Status.IN_MEDIATION)
    extra = make_case(Status.ACCEPTED)
    login(users["supervisor"])
    r = client.post("/meetings/build")
    assert r.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert db.session.scalars(select(AgendaItem.case_id)).all() == []  # nothing flagged yet
    db.session.execute(update(Case).where(Case.id == on_it.id).values(escalated=True))
    db.session.commit()
    client.post("/meetings/build")
    assert db.session.scalars(select(AgendaItem.case_id)).all() == [on_it.id]

    r = client.post(f"/meetings/{meeting.id}", data={"add-reference": extra.reference, "add-add": "1"})
    assert r.status_code == 303
    items = {i.case_id: i for i in db.session.scalars(select(AgendaItem))}
    assert set(items) == {on_it.id, extra.id}
    assert db.session.get(Case, extra.id).timeline[-1].action == "on_agenda"

    item = items[on_it.id]
    due = (datetime.now(SH) + timedelta(days=7)).replace(second=0, microsecond=0)
    r = client.post(f"/meetings/{meeting.id}", data={
        f"item{item.id}-decision": "由派出所牵头，一周内化解", f"item{item.id}-save": "1",
        f"item{item.id}-lead_office": town["offices"]["police_station"].id,
        f"item{item.id}-due_at": due.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 303
    db.session.expire_all()
    case = db.session.get(Case, on_it.id)
    assert case.lead_office.code == "police_station"
    assert case.supervision_due_at == due.astimezone(timezone.utc)
    assert [e.action for e in case.timeline][-2:] == ["transfer", "supervise"]
    assert case.supervisions[-1].meeting_id == meeting.id
    assert db.session.get(AgendaItem, item.id).decided_at is not None
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "由派出所牵头，一周内化解" in page


def test_decision_needs_text(client, db, users, login, make_case):
    meeting = _meeting(db, [make_case(Status.IN_MEDIATION)])
    item = meeting.items[0]
    login(users["supervisor"])
    r = client.post(f"/meetings/{meeting.id}", data={f"item{item.id}-decision": " ", f"item{item.id}-save": "1"})
    assert r.status_code == 422
    assert db.session.get(AgendaItem, item.id).decided_at is None


def test_closed_meeting_is_read_only(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    other = make_case(Status.IN_MEDIATION)
    meeting = _meeting(db, [case])
    login(users["supervisor"])
    r = client.post(f"/meetings/{meeting.id}", data={"close-minutes": "会议纪要：逐案研究。",
                                                     "close-attendees": "派出所、司法所、信访办、平安办",
                                                     "close-close": "1"})
    assert r.status_code == 303
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.held_at is not None and meeting.minutes == "会议纪要：逐案研究。"
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "会议纪要" in page and 'name="add-reference"' not in page
    assert client.post(f"/meetings/{meeting.id}", data={"add-reference": other.reference,
                                                        "add-add": "1"}).status_code == 403
    assert len(db.session.scalars(select(AgendaItem)).all()) == 1
    # The job leaves the held meeting alone and builds the following week's instead.
    pre_meeting_agenda(meeting.scheduled_at - timedelta(hours=1), current_town())
    db.session.commit()
    items = db.session.scalars(select(AgendaItem)).all()
    assert sum(1 for i in items if i.meeting_id == meeting.id) == 1
    following = db.session.scalar(select(Meeting).where(Meeting.id != meeting.id))
    assert following.scheduled_at == meeting.scheduled_at + timedelta(days=7) and following.held_at is None


def test_build_after_closing_goes_to_next_week(client, db, users, login, make_case):
    meeting = _meeting(db, [make_case(Status.IN_MEDIATION)])
    login(users["supervisor"])
    client.post(f"/meetings/{meeting.id}", data={"close-minutes": "纪要", "close-close": "1"})
    r = client.post("/meetings/build")
    assert r.status_code == 303 and f"/meetings/{meeting.id}" not in r.headers["Location"]
    r = client.post("/supervision/bulk", data={"case": [meeting.items[0].case.reference], "operation": "agenda"})
    db.session.expire_all()
    following = db.session.scalar(select(Meeting).where(Meeting.held_at.is_(None)))
    assert [i.case_id for i in following.items] == [meeting.items[0].case_id]


def test_unknown_reference_is_a_field_message(client, db, users, login, make_case):
    meeting = _meeting(db, [make_case(Status.IN_MEDIATION)])
    login(users["supervisor"])
    r = client.post(f"/meetings/{meeting.id}?lang=en", data={"add-reference": "XH-NOPE", "add-add": "1"})
    assert r.status_code == 422 and "No case with that reference." in r.get_data(as_text=True)


def test_meeting_list_query_count_is_fixed(client, db, users, login, make_case, count_queries):
    from mediation.meetings.services import next_meeting
    from mediation.organisation.town import current_town
    login(users["supervisor"])
    _meeting(db, [make_case(Status.IN_MEDIATION)])
    with count_queries() as few:
        client.get("/meetings/")
    now = utcnow()
    for week in range(1, 6):
        later = next_meeting(now + timedelta(days=7 * week), current_town())
        later.items.append(AgendaItem(case_id=make_case(Status.IN_MEDIATION, commit=False).id))
    db.session.commit()
    with count_queries() as many:
        client.get("/meetings/")
    assert len(few) == len(many)
