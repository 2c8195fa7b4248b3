"""A 12345 order's reply deadline survives suspension and merging (issue #11 item 4)."""
from datetime import timedelta

from sqlalchemy import select

from mediation.cases.models import Case
from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Outcome, Payload, Status
from mediation.db import utcnow
from mediation.jobs.sweeps import overdue_sweep
from mediation.organisation.town import current_town


def _reload(db, reference):
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def test_a_merged_hotline_order_keeps_its_reply_deadline_until_the_survivor_concludes(
        client, db, users, login, make_case, make_token):
    police = make_case(Status.ACCEPTED, channel="police_110")
    hotline = make_case(Status.REGISTERED, channel="hotline_12345")
    reply_by = hotline.reply_by
    assert reply_by is not None
    perform(hotline, Action.MERGE, users["supervisor"], Payload(merge_target_id=police.id), now=utcnow(),
            town=current_town())
    db.session.commit()
    hotline = _reload(db, hotline.reference)
    assert hotline.status == Status.MERGED.value
    assert (hotline.next_stage, hotline.next_deadline) == ("reply", reply_by)  # the hotline's clock runs on

    # the survivor's page carries the order with its own deadline
    login(users["supervisor"])
    page = client.get(f"/cases/{police.reference}?lang=en").get_data(as_text=True)
    assert hotline.external_ref in page and "reply owed by" in page

    # past it, the sweep flags the merged order
    overdue_sweep(reply_by + timedelta(hours=1), current_town())
    db.session.commit()
    assert _reload(db, hotline.reference).due_state == "overdue"

    # the channel reads its own reference: the deadline, and where the dispute went
    token = {"Authorization": f"Bearer {make_token('hotline_12345')}"}
    body = client.get(f"/api/v1/cases/{hotline.reference}", headers=token).get_json()
    assert body["deadlines"]["reply_by"] is not None and police.reference in body["status_note"]

    # when the survivor concludes, its outcome answers the order: no reply deadline runs any more
    police = _reload(db, police.reference)
    for action, payload in ((Action.ROUTE, Payload(lead_office_id=police.intake_office_id,
                                                   mediator_id=users["mediator"].id)),):
        perform(police, action, users["supervisor"], payload, now=utcnow(), town=current_town())
    perform(police, Action.LOG_SESSION, users["mediator"], Payload(), now=utcnow(), town=current_town(),
            session_details={"record": "双方到场", "method": "in_person"})
    perform(police, Action.CLOSE, users["mediator"], Payload(outcome=Outcome.FAILED_REFERRED,
                                                             referred_to="法院"), now=utcnow(), town=current_town())
    db.session.commit()
    hotline = _reload(db, hotline.reference)
    assert (hotline.next_stage, hotline.next_deadline) == (None, None)
    body = client.get(f"/api/v1/cases/{hotline.reference}", headers=token).get_json()
    assert "已结案" in body["status_note"]
