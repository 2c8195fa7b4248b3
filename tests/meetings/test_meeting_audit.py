"""Every change of a joint meeting is in the audit trail: building the agenda, adding and removing a
case, recording a decision, closing the meeting with its minutes (who, when, from where, which case)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from mediation.auth.models import AuditEvent
from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.meetings.models import AgendaItem, Meeting

SH = ZoneInfo("Asia/Shanghai")


def meeting_audits(db):
    db.session.rollback()
    return [(e.action, e.user_id, e.object_type, e.object_id, e.details) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "meeting").order_by(AuditEvent.id))]


def test_meeting_actions_are_audited(client, db, users, login, make_case):
    flagged, extra, removed = (make_case(Status.IN_MEDIATION) for _ in range(3))
    db.session.execute(update(Case).where(Case.id == flagged.id).values(escalated=True))
    db.session.commit()
    sup = users["supervisor"].id
    login(users["supervisor"])
    assert client.post("/meetings/build").status_code == 303
    meeting = db.session.scalar(select(Meeting))
    mid = str(meeting.id)
    assert meeting_audits(db) == [("meeting_build_agenda", sup, "meeting", mid, {"added": 1})]

    for case in (extra, removed):
        assert client.post(f"/meetings/{mid}", data={"add-reference": case.reference, "add-add": "1"}).status_code == 303
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.case_id == removed.id))
    assert client.post(f"/meetings/{mid}", data={"remove": str(item.id)}).status_code == 303
    decided = db.session.scalar(select(AgendaItem).where(AgendaItem.case_id == flagged.id))
    due = (datetime.now(SH) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/meetings/{mid}", data={f"item{decided.id}-decision": "限期一周化解",
                                                 f"item{decided.id}-save": "1",
                                                 f"item{decided.id}-due_at": due}).status_code == 303
    assert client.post(f"/meetings/{mid}", data={"close-minutes": "会议纪要：逐案研究。", "close-attendees": "司法所",
                                                 "close-close": "1"}).status_code == 303

    rows = meeting_audits(db)
    assert [(a, u, o) for a, u, _t, o, _d in rows] == [
        ("meeting_build_agenda", sup, mid), ("meeting_agenda_add", sup, mid), ("meeting_agenda_add", sup, mid),
        ("meeting_agenda_remove", sup, mid), ("meeting_decision", sup, mid), ("meeting_close", sup, mid)]
    details = [d for _a, _u, _t, _o, d in rows]
    assert details[1] == {"case": extra.reference} and details[2] == {"case": removed.reference}
    assert details[3] == {"case": removed.reference}
    assert details[4]["case"] == flagged.reference and details[4]["due"] is True
    assert details[5] == {"minutes_chars": len("会议纪要：逐案研究。")}
    assert all(e.ip == "127.0.0.1" for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "meeting")))


def test_refused_or_invalid_meeting_posts_record_nothing(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    client.post("/meetings/build")
    meeting = db.session.scalar(select(Meeting))
    before = meeting_audits(db)
    assert client.post(f"/meetings/{meeting.id}", data={"add-reference": "XH-NOPE", "add-add": "1"}).status_code == 422
    login(users["viewer"])
    assert client.post(f"/meetings/{meeting.id}", data={"add-reference": case.reference,
                                                        "add-add": "1"}).status_code == 403
    assert meeting_audits(db) == before
