"""The queue: filters, sort by next deadline, pagination, and a fixed number of queries."""
from datetime import timedelta

from sqlalchemy import select

from mediation.cases.models import Case
from mediation.core.lifecycle import Status


def test_queue_runs_a_fixed_number_of_queries(client, db, users, login, make_case, count_queries):
    login(users["supervisor"])

    def queries_for_page():
        with count_queries() as statements:
            r = client.get("/cases/?scope=all")
            assert r.status_code == 200
        return len(statements)

    for _ in range(5):
        make_case(Status.IN_MEDIATION)
    few = queries_for_page()
    for _ in range(25):
        make_case(Status.IN_MEDIATION, co=("law_firm", "police_station"))
    many = queries_for_page()
    assert few == many
    assert many <= 10  # user, villages, count, page, town calendar and policy, unread notices


def test_queue_query_count_does_not_grow_with_500_cases(client, db, town, users, login, count_queries):
    """5 cases, then 500 inserted in bulk: the page takes the same few queries."""
    from mediation.cases.models import Party
    from mediation.db import utcnow
    login(users["mediator"])
    now = utcnow()

    def add(numbers):
        db.session.add_all(Case(reference=f"XH-2026-{n:06d}", channel="walk_in", received_at=now, category="邻里",
                                summary="s", status="in_mediation", lead_office_id=users["mediator"].office_id,
                                mediator_id=users["mediator"].id, village_id=town["villages"]["xiaomiao"].id,
                                next_deadline=now + timedelta(days=n % 30), next_stage="conclude",
                                parties=[Party(name="甲", role="applicant")]) for n in numbers)
        db.session.commit()

    add(range(1, 6))
    with count_queries() as small:
        assert client.get("/cases/?scope=office").status_code == 200
    add(range(6, 506))
    with count_queries() as large:
        r = client.get("/cases/?scope=office")
    assert r.status_code == 200 and "XH-2026-000030" in r.get_data(as_text=True)
    assert len(small) == len(large)


def test_filters_and_sort_by_next_deadline(client, db, users, login, make_case):
    first = make_case(Status.IN_MEDIATION, channel="police_110", category="邻里")
    second = make_case(Status.IN_MEDIATION, channel="grid_patrol", category="物业")
    closed = make_case(Status.CLOSED, channel="police_110")
    case = db.session.get(Case, first.id)
    case.next_deadline = case.next_deadline + timedelta(days=10)  # later than `second`
    db.session.commit()
    login(users["supervisor"])
    page = client.get("/cases/?scope=all&status=in_mediation").get_data(as_text=True)
    assert first.reference in page and second.reference in page and closed.reference not in page
    assert page.index(second.reference) < page.index(first.reference)
    page = client.get("/cases/?scope=all&channel=police_110").get_data(as_text=True)
    assert first.reference in page and closed.reference in page and second.reference not in page
    page = client.get("/cases/?scope=all&category=物业").get_data(as_text=True)
    assert second.reference in page and first.reference not in page
    page = client.get(f"/cases/?scope=all&q={closed.reference}").get_data(as_text=True)
    assert closed.reference in page and first.reference not in page


def test_bad_filter_values_do_not_break_the_page(client, db, users, login, make_case):
    make_case()
    login(users["supervisor"])
    for query in ("status=bogus", "village=abc", "page=-3", "page=zzz", "scope=nonsense", "channel=%00"):
        assert client.get(f"/cases/?{query}").status_code == 200, query


def test_pagination(client, db, users, login, make_case, app):
    for _ in range(app.config["PAGE_SIZE"] + 2):
        make_case()
    login(users["supervisor"])
    page1 = client.get("/cases/").get_data(as_text=True)
    page2 = client.get("/cases/?page=2").get_data(as_text=True)
    refs = db.session.scalars(select(Case.reference)).all()
    on1 = {r for r in refs if r in page1}
    on2 = {r for r in refs if r in page2}
    assert len(on1) == app.config["PAGE_SIZE"] and len(on2) == 2 and not on1 & on2


def test_mediator_sees_own_cases_by_default(client, db, users, login, make_case):
    mine = make_case(Status.IN_MEDIATION, mediator="mediator")
    theirs = make_case(Status.IN_MEDIATION, mediator="other_mediator")
    login(users["mediator"])
    page = client.get("/cases/").get_data(as_text=True)
    assert mine.reference in page and theirs.reference not in page
    page = client.get("/cases/?scope=office").get_data(as_text=True)
    assert mine.reference in page and theirs.reference in page


def test_case_detail_takes_a_fixed_number_of_queries(client, db, users, login, make_case, count_queries):
    """A case with a short history and one with a long one (sessions, events, parties): the same statements."""
    from mediation.core.lifecycle import Action
    from mediation.intake.services import PartyData
    login(users["supervisor"])
    short = make_case(Status.IN_MEDIATION)
    long = make_case(Status.IN_MEDIATION, parties=[PartyData(f"当事人{i}", "applicant", f"1390000{i:04d}")
                                                   for i in range(8)])
    for _ in range(12):
        make_case.act(long, Action.LOG_SESSION)
    db.session.commit()
    counts = []
    for case in (short, long):
        reference = case.reference
        with count_queries() as statements:
            assert client.get(f"/cases/{reference}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[1] <= 25, counts  # measured: 21
