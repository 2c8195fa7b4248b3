"""A whole case, registration to archive, through the test client as the people who do it."""
from sqlalchemy import select

from mediation.cases.models import Case, TimelineEvent

from ..factories import VALID_ID, VALID_PHONE


def _case(db, reference) -> Case:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def _post(client, case, action, **data):
    data.setdefault("version", str(case.version))
    return client.post(f"/cases/{case.reference}/{action}", data=data)


def test_registration_to_archive(client, db, town, users, login):
    login(users["supervisor"])
    r = client.post("/intake/register", data={
        "channel": "police_110", "external_ref": "JJ20261126001", "received_at": "2026-11-26T09:30",
        "category": "邻里", "summary": "两户邻居因排水沟堵塞发生口角", "village": town["villages"]["xiaomiao"].id,
        "address": "徐行镇小庙村12号",
        "parties-0-name": "王五", "parties-0-role": "applicant", "parties-0-phone": VALID_PHONE,
        "parties-0-id_number": VALID_ID, "parties-0-address": "小庙村12号",
        "parties-1-name": "赵六", "parties-1-role": "respondent", "parties-1-phone": "139 0000 1111",
        "parties-1-address": "小庙村14号",
    })
    assert r.status_code == 303, r.get_data(as_text=True)
    reference = r.headers["Location"].rsplit("/", 1)[-1]
    assert reference.startswith("XH-2026-")
    case = _case(db, reference)
    assert case.status == "registered" and len(case.parties) == 2
    assert case.parties[1].phone == "13900001111"
    assert case.accept_by is not None and case.next_deadline == case.accept_by

    assert _post(client, case, "accept").status_code == 303
    case = _case(db, reference)
    assert case.status == "accepted" and case.conclude_by is not None
    offices = town["offices"]
    r = _post(client, case, "route", lead_office=offices["judicial_office"].id,
              co_offices=[offices["law_firm"].id], mediator=users["mediator"].id)
    assert r.status_code == 303
    case = _case(db, reference)
    assert case.status == "in_mediation" and case.mediator_id == users["mediator"].id
    assert [o.code for o in case.co_offices] == ["law_firm"]

    # The assigned mediator takes over, on the phone in the field.
    login(users["mediator"])
    r = _post(client, case, "close", outcome="agreement_written", agreement_text="赔偿",
              amount="100", performance_terms="当场付清")
    assert r.status_code == 422
    assert "Log at least one mediation session" in r.get_data(as_text=True) or "调解" in r.get_data(as_text=True)
    assert _case(db, reference).status == "in_mediation"

    r = _post(client, case, "log_session", held_at="2026-11-26T14:00", method="in_person",
              place="小庙村调解室", participants="双方当事人", record="双方同意疏通排水沟并分担费用")
    assert r.status_code == 303
    case = _case(db, reference)
    r = _post(client, case, "close", outcome="agreement_written", agreement_text="共同出资疏通排水沟",
              amount="600", performance_terms="十日内完成", signed_on="2026-11-26", performance_due_on="2026-12-06")
    assert r.status_code == 303
    case = _case(db, reference)
    assert case.status == "closed" and case.outcome.amount == 600
    assert case.follow_up_by is not None and case.confirmation_by is not None
    assert case.next_deadline == case.follow_up_by

    assert _post(client, case, "follow_up", performance="performed", notes="已履行").status_code == 303
    login(users["supervisor"])
    case = _case(db, reference)
    assert _post(client, case, "archive").status_code == 303
    case = _case(db, reference)
    assert case.status == "archived" and case.next_deadline is None

    events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                                .order_by(TimelineEvent.id)).all()
    assert [e.action for e in events] == ["register", "accept", "route", "log_session", "close",
                                          "follow_up", "archive"]
    assert [e.to_status for e in events] == ["registered", "accepted", "in_mediation", "in_mediation",
                                             "closed", "followed_up", "archived"]
    assert all(e.actor_id for e in events)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "共同出资疏通排水沟" in page and "双方同意疏通排水沟并分担费用" in page


def test_reject_needs_reason_and_writes_it(client, db, users, login, make_case):
    case = make_case()
    login(users["supervisor"])
    r = _post(client, case, "reject", reason="   ")
    assert r.status_code == 422
    assert _case(db, case.reference).status == "registered"
    assert _post(client, case, "reject", reason="属于刑事案件，移交公安").status_code == 303
    case = _case(db, case.reference)
    assert case.status == "rejected" and case.reject_reason == "属于刑事案件，移交公安"
    assert case.timeline[-1].details["reason"] == "属于刑事案件，移交公安"


def test_stale_page_is_refused_and_nothing_is_overwritten(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    stale_version = case.version
    login(users["supervisor"])
    # Another user logs a session: the case moves on to a new version.
    assert _post(client, case, "log_session", held_at="2026-11-26T10:00", method="phone",
                 record="电话联系双方").status_code == 303
    r = client.post(f"/cases/{case.reference}/escalate", data={"version": stale_version, "reason": "情绪激烈"})
    assert r.status_code == 409  # the form comes back as typed, with the other change listed
    follow = r.get_data(as_text=True)
    assert "Someone else changed this case" in follow or "其他人" in follow or "他人" in follow
    case = _case(db, case.reference)
    assert case.escalated is False
    assert [s.record for s in case.sessions] == ["电话联系双方"]


def test_refused_transition_is_a_message_not_a_500(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = _post(client, case, "accept")
    assert r.status_code == 422
    assert _case(db, case.reference).status == "in_mediation"


def test_extension_only_once(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    before = case.conclude_by
    login(users["supervisor"])
    r = _post(client, case, "extend", extension_days="20", parties_consent="y", reason="双方同意延期")
    assert r.status_code == 303
    case = _case(db, case.reference)
    assert (case.conclude_by - before).days == 20 and case.extension_days == 20
    r = _post(client, case, "extend", extension_days="5", parties_consent="y", reason="再延")
    assert r.status_code == 422
    assert (_case(db, case.reference).conclude_by - before).days == 20


def test_extension_without_consent_refused(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = _post(client, case, "extend", extension_days="10", reason="需要更多时间")
    assert r.status_code == 422
    assert _case(db, case.reference).extension_days == 0


def test_reopen_after_return_visit_finds_agreement_not_performed(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.FOLLOWED_UP)
    login(users["mediator"])
    assert _post(client, case, "reopen", reason="被申请人未按期付款").status_code == 303
    case = _case(db, case.reference)
    assert case.status == "in_mediation" and case.outcome is None and case.closed_at is None
    assert case.timeline[-1].details["previous_outcome"] == "agreement_written"


def test_transfer_changes_lead_and_unassigns_foreign_mediator(client, db, town, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = _post(client, case, "transfer", lead_office=town["offices"]["police_station"].id, reason="涉及治安")
    assert r.status_code == 303
    case = _case(db, case.reference)
    assert case.lead_office.code == "police_station" and case.mediator_id is None


def test_merge_points_to_survivor_and_is_read_only(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    survivor = make_case(Status.IN_MEDIATION)
    duplicate = make_case(Status.REGISTERED)
    login(users["supervisor"])
    r = _post(client, duplicate, "merge", target=survivor.reference)
    assert r.status_code == 303
    duplicate = _case(db, duplicate.reference)
    assert duplicate.status == "merged" and duplicate.merged_into.reference == survivor.reference
    page = client.get(f"/cases/{duplicate.reference}").get_data(as_text=True)
    assert f'href="/cases/{duplicate.reference}/' not in page  # no action buttons left
    r = _post(client, duplicate, "merge", target=duplicate.reference)
    assert r.status_code == 422


def test_withdrawn_case_closes_without_session(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    login(users["mediator"])
    assert _post(client, case, "close", outcome="withdrawn").status_code == 303
    assert _case(db, case.reference).outcome.outcome == "withdrawn"


def test_written_agreement_requires_art_29_contents(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    case = make_case(Status.IN_MEDIATION)
    login(users["mediator"])
    client.post(f"/cases/{case.reference}/log_session",
                data={"version": case.version, "held_at": "2026-11-26T10:00", "method": "phone", "record": "沟通"})
    case = _case(db, case.reference)
    r = _post(client, case, "close", outcome="agreement_written", agreement_text="赔偿", amount="100")
    assert r.status_code == 422
    case = _case(db, case.reference)
    assert case.status == "in_mediation" and case.outcome is None


def test_liaison_proposes_closing_and_the_mediator_hears(client, db, users, login, make_case):
    from mediation.core.lifecycle import Status
    from mediation.notifications.models import Notification
    case = make_case(Status.IN_MEDIATION)  # law firm is a co-office
    login(users["lawyer"])
    r = _post(client, case, "propose_close", outcome="agreement_written", reason="双方已就赔偿达成一致")
    assert r.status_code == 303
    case = _case(db, case.reference)
    assert case.status == "in_mediation" and case.timeline[-1].action == "propose_close"
    notified = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "close_proposed")))
    assert notified == {users["mediator"].id, users["supervisor"].id}
    login(users["mediator"])
    page = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "A liaison proposes closing" in page and case.reference in page
    assert _post(client, case, "propose_close", outcome="withdrawn", reason="x").status_code == 403
