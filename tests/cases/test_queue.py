"""The queue: filters, sort by next deadline, pagination, and a fixed number of queries."""
from datetime import timedelta

from sqlalchemy import func, select

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
    page = client.get("/cases/?scope=all&status=&channel=police_110").get_data(as_text=True)  # any status
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


def test_counts_per_status_stop_at_the_cap(client, db, users, login, make_case, monkeypatch):
    import mediation.cases.queue_forms as queue_forms
    monkeypatch.setattr(queue_forms, "COUNT_CAP", 2)
    import mediation.cases.queries as queries
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for _ in range(3):
        make_case(Status.IN_MEDIATION)
    make_case(Status.CLOSED)
    page = login(users["supervisor"]).get("/cases/?scope=all&lang=en").get_data(as_text=True)
    assert 'data-status="in_mediation">2+<' in page and 'data-status="closed">1<' in page
    assert 'data-status="open">2+<' in page and 'data-status="any">2+<' in page


def test_my_cases_start_at_the_open_ones_with_counts_per_status(client, db, users, login, make_case, count_queries):
    open_one = make_case(Status.IN_MEDIATION)
    accepted = make_case(Status.ACCEPTED)  # no mediator yet: not "mine"
    closed = make_case(Status.CLOSED)
    archived = make_case(Status.ARCHIVED)
    theirs = make_case(Status.IN_MEDIATION, mediator="other_mediator")
    login(users["mediator"])
    with count_queries() as statements:
        page = client.get("/cases/?lang=en").get_data(as_text=True)
    assert open_one.reference in page
    assert closed.reference not in page and archived.reference not in page and theirs.reference not in page
    assert accepted.reference not in page
    assert '<option selected value="open">Open cases</option>' in page
    assert 'data-status="open">1<' in page and 'data-status="closed">1<' in page and 'data-status="archived">1<' in page
    assert 'data-status="any">3<' in page
    assert len([s for s in statements if "AS registered" in s and "AS archived" in s]) == 1  # one statement counts them
    every = client.get("/cases/?status=").get_data(as_text=True)  # "any status", chosen
    assert all(c.reference in every for c in (open_one, closed, archived))
    assert 'href="/cases/?scope=mine&amp;status=closed"' in every
    only_closed = client.get("/cases/?scope=mine&status=closed").get_data(as_text=True)
    assert closed.reference in only_closed and open_one.reference not in only_closed
    # A search looks at every status unless one is chosen; the office's queue starts open too.
    assert archived.reference in client.get(f"/cases/?q={archived.reference}").get_data(as_text=True)
    office = client.get("/cases/?scope=office").get_data(as_text=True)
    assert theirs.reference in office and accepted.reference in office and closed.reference not in office


def test_due_filter(client, db, users, login, make_case):
    from mediation.db import utcnow
    late = make_case(Status.IN_MEDIATION)
    calm = make_case(Status.IN_MEDIATION)
    db.session.execute(Case.__table__.update().where(Case.id == late.id).values(next_deadline=utcnow() - timedelta(days=1)))
    db.session.commit()
    login(users["supervisor"])
    page = client.get("/cases/?due=overdue").get_data(as_text=True)
    assert late.reference in page and calm.reference not in page
    assert client.get("/cases/?due=sometime").status_code == 200


def test_saved_filters_are_each_users_own(client, db, users, login, make_case):
    from mediation.cases.saved_filters import SavedFilter
    closed = make_case(Status.CLOSED, channel="police_110")
    login(users["mediator"])
    r = client.post("/cases/saved-filters", data={"name": " 我的110结案 ", "query": "scope=mine&status=closed&channel=police_110&page=3&evil=1"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/cases/?scope=mine&status=closed&channel=police_110")
    saved = db.session.scalar(select(SavedFilter))
    assert saved.name == "我的110结案" and saved.query == "scope=mine&status=closed&channel=police_110"
    page = client.get("/cases/").get_data(as_text=True)
    assert 'href="/cases/?scope=mine&amp;status=closed&amp;channel=police_110">我的110结案</a>' in page
    assert closed.reference in client.get("/cases/?" + saved.query).get_data(as_text=True)
    # Saving under the same name replaces it; a blank name is a message, not an error page.
    client.post("/cases/saved-filters", data={"name": "我的110结案", "query": "status="})
    assert db.session.scalars(select(SavedFilter.query)).all() == ["status="]
    r = client.post("/cases/saved-filters", data={"name": "  ", "query": "status="}, follow_redirects=True)
    assert r.status_code == 200 and db.session.scalar(select(func.count()).select_from(SavedFilter)) == 1

    login(users["other_mediator"])
    assert "我的110结案" not in client.get("/cases/").get_data(as_text=True)
    assert client.post(f"/cases/saved-filters/{saved.id}/delete").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 1
    login(users["mediator"])
    assert client.post(f"/cases/saved-filters/{saved.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 0


def test_queue_with_counts_and_saved_filters_keeps_a_fixed_query_count(client, db, users, login, make_case,
                                                                       count_queries):
    from mediation.cases.saved_filters import save_filter
    from mediation.db import utcnow
    login(users["mediator"])

    def queries():
        with count_queries() as statements:
            assert client.get("/cases/").status_code == 200
        return len(statements)

    make_case(Status.IN_MEDIATION)
    few = queries()
    for n in range(5):
        make_case((Status.IN_MEDIATION, Status.CLOSED, Status.ARCHIVED)[n % 3])
        save_filter(users["mediator"].id, f"f{n}", f"status=&channel=police_110&n={n}", utcnow())
    db.session.commit()
    assert queries() == few <= 11  # "my cases" also lists the return visits due (one query)
