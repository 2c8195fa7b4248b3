"""The supervisor's dashboard: counts, lists, and actions on a selection of cases."""
from datetime import timedelta

from sqlalchemy import func, select, update

from mediation.cases.models import Case, Supervision
from mediation.core.lifecycle import Status
from mediation.db import utcnow
from mediation.meetings.models import AgendaItem


def _set(db, case, **values):
    db.session.execute(update(Case).where(Case.id == case.id).values(**values))
    db.session.commit()


def test_only_supervisors(client, users, login):
    for role, status in (("supervisor", 200), ("admin", 403), ("mediator", 403), ("viewer", 403)):
        login(users[role])
        assert client.get("/supervision/").status_code == status


def test_counts_and_lists(client, db, users, login, make_case):
    overdue = make_case(Status.IN_MEDIATION)
    _set(db, overdue, next_deadline=utcnow() - timedelta(days=1))
    risky = make_case(Status.IN_MEDIATION)
    _set(db, risky, risk_level="high")
    unassigned = make_case(Status.ACCEPTED)
    make_case(Status.CLOSED)
    login(users["supervisor"])
    page = client.get("/supervision/?lang=en").get_data(as_text=True)
    assert 'class="fs-4 count-overdue">1<' in page and 'class="fs-4 count-high_risk">1<' in page
    assert 'class="fs-4 count-unassigned">1<' in page
    assert "3 open cases" in page
    assert overdue.reference in page and risky.reference not in page  # the overdue list by default
    page = client.get("/supervision/?list=unassigned").get_data(as_text=True)
    assert unassigned.reference in page and overdue.reference not in page


def test_dashboard_query_count_is_fixed(client, db, users, login, make_case, count_queries):
    login(users["supervisor"])
    for _ in range(2):
        _set(db, make_case(Status.IN_MEDIATION), next_deadline=utcnow() - timedelta(days=1))
    with count_queries() as few:
        client.get("/supervision/")
    for _ in range(12):
        _set(db, make_case(Status.IN_MEDIATION), next_deadline=utcnow() - timedelta(days=1))
    with count_queries() as many:
        client.get("/supervision/")
    assert len(few) == len(many)


def test_bulk_supervise_each_case_on_its_own(client, db, users, login, make_case):
    a, b = make_case(Status.IN_MEDIATION), make_case(Status.ACCEPTED)
    closed = make_case(Status.CLOSED)
    login(users["supervisor"])
    due = (utcnow() + timedelta(days=5)).astimezone().strftime("%Y-%m-%dT%H:%M")
    r = client.post("/supervision/bulk?lang=en", data={
        "case": [a.reference, b.reference, closed.reference], "operation": "supervise",
        "reason": "本周内约谈双方", "due_at": due})
    assert r.status_code == 303
    db.session.expire_all()
    sups = db.session.scalars(select(Supervision)).all()
    assert sorted(s.case_id for s in sups) == sorted([a.id, b.id])
    a = db.session.get(Case, a.id)
    assert a.supervision_due_at is not None and a.timeline[-1].action == "supervise"
    assert db.session.get(Case, closed.id).supervision_due_at is None  # refused: not open


def test_bulk_assign_and_agenda(client, db, users, login, make_case):
    a, b = make_case(Status.IN_MEDIATION), make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    r = client.post("/supervision/bulk", data={"case": [a.reference, b.reference], "operation": "assign",
                                               "mediator": users["other_mediator"].id})
    assert r.status_code == 303
    db.session.expire_all()
    assert {db.session.get(Case, c.id).mediator_id for c in (a, b)} == {users["other_mediator"].id}
    client.post("/supervision/bulk", data={"case": [a.reference], "operation": "agenda"})
    assert db.session.scalar(select(AgendaItem.case_id)) == a.id
    # Twice: refused with a message, nothing doubled.
    client.post("/supervision/bulk", data={"case": [a.reference], "operation": "agenda"})
    assert len(db.session.scalars(select(AgendaItem)).all()) == 1


def test_bulk_bad_input_is_a_message(client, db, users, login, make_case):
    a = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    for data in ({"operation": "assign"}, {"case": [a.reference], "operation": "nope"},
                 {"case": [a.reference], "operation": "assign", "mediator": "x"},
                 {"case": [a.reference], "operation": "supervise", "due_at": "soon", "reason": "x"}):
        assert client.post("/supervision/bulk", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Case, a.id).mediator_id == users["mediator"].id


def test_bulk_actions_take_a_fixed_number_of_queries(client, db, users, login, make_case, count_queries):
    """5 cases or 50: the same statements (each case is still decided and recorded on its own)."""
    login(users["supervisor"])
    due = (utcnow() + timedelta(days=5)).astimezone().strftime("%Y-%m-%dT%H:%M")
    forms = {"assign": {"mediator": users["other_mediator"].id},
             "supervise": {"reason": "本周内约谈双方", "due_at": due}, "agenda": {}}

    def statements(cases, operation):
        references = [c.reference for c in cases]
        with count_queries() as issued:
            r = client.post("/supervision/bulk", data={"case": references,
                                                       "operation": operation, **forms[operation]})
        assert r.status_code == 303
        return len(issued)

    few = [make_case(Status.IN_MEDIATION) for _ in range(5)] + [make_case(Status.CLOSED)]
    many = [make_case(Status.IN_MEDIATION) for _ in range(50)] + [make_case(Status.CLOSED)]
    statements(few[-1:], "agenda")  # the next meeting exists before the counting starts
    for operation in forms:
        assert statements(few, operation) == statements(many, operation), operation
    db.session.expire_all()
    assert all(db.session.get(Case, c.id).mediator_id == users["other_mediator"].id for c in many[:-1])
    changed = db.session.scalars(select(Case).where(Case.id.in_([c.id for c in many[:-1]]))).all()
    assert len(changed) == 50
    assert all([e.action for e in c.timeline][-3:] == ["assign", "supervise", "on_agenda"] for c in changed)
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 55  # the closed ones refused
