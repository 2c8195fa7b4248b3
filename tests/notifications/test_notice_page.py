"""The notice page: digests with links, a filter by kind with a count per kind, the bell's count,
a fixed number of queries whatever the number of notices."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.jobs import sweeps
from mediation.notifications.models import Notification
from mediation.notifications.services import notify_once
from mediation.organisation.town import current_town

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def _flag(db, make_case, overdue: int, due_soon: int):
    cases = {"overdue": [make_case(Status.IN_MEDIATION) for _ in range(overdue)],
             "due_soon": [make_case(Status.IN_MEDIATION) for _ in range(due_soon)]}
    for case in cases["overdue"]:
        db.session.execute(update(Case).where(Case.id == case.id).values(next_deadline=NOW - timedelta(days=1)))
    for case in cases["due_soon"]:
        db.session.execute(update(Case).where(Case.id == case.id).values(next_deadline=NOW + timedelta(hours=5)))
    db.session.commit()
    sweeps.overdue_sweep(NOW, current_town())
    db.session.commit()
    return cases


def test_digest_reads_as_one_line_with_links(client, db, users, login, make_case):
    cases = _flag(db, make_case, overdue=2, due_soon=3)
    login(users["supervisor"])
    page = client.get("/cases/").get_data(as_text=True)
    assert 'id="unread-count">1<' in page  # one digest, not five notices
    zh = client.get("/notifications/").get_data(as_text=True)
    assert "3 件即将到期，2 件已超期" in zh
    en = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "3 due soon, 2 overdue" in en
    for case in cases["overdue"] + cases["due_soon"]:
        assert f'href="/cases/{case.reference}"' in en
    client.post("/notifications/read")
    assert 'id="unread-count"' not in client.get("/cases/").get_data(as_text=True)


def test_filter_by_kind_with_counts(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    _flag(db, make_case, overdue=1, due_soon=0)
    notify_once([{"user_id": users["supervisor"].id, "case_id": case.id, "kind": "close_proposed",
                  "details": {"reason": "双方已和解"}, "dedupe_key": f"t:{n}"} for n in range(2)], NOW)
    db.session.commit()
    login(users["supervisor"])
    page = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert 'href="/notifications/?kind=deadline_digest"' in page and 'href="/notifications/?kind=close_proposed"' in page
    assert "All notices <span class=\"badge text-bg-light\">3</span>" in page
    assert "A liaison proposes closing <span class=\"badge text-bg-light\">2</span>" in page
    only = client.get("/notifications/?kind=close_proposed&lang=en").get_data(as_text=True)
    assert only.count('class="list-group-item notice ') == 2 and "notice-deadline_digest" not in only
    digests = client.get("/notifications/?kind=deadline_digest&lang=en").get_data(as_text=True)
    assert digests.count('class="list-group-item notice ') == 1 and "1 overdue" in digests
    # An unknown kind is no error: all notices.
    assert client.get("/notifications/?kind=nope%00").get_data(as_text=True).count('class="list-group-item notice ') == 3
    login(users["viewer"])  # another user's notices are not listed, nor counted
    assert 'class="list-group-item notice ' not in client.get("/notifications/").get_data(as_text=True)


def test_notice_page_runs_a_fixed_number_of_queries(client, db, users, login, make_case, count_queries):
    login(users["supervisor"])

    def queries(query=""):
        with count_queries() as statements:
            assert client.get(f"/notifications/{query}").status_code == 200
        return len(statements)

    _flag(db, make_case, overdue=1, due_soon=1)
    few, few_kind = queries(), queries("?kind=deadline_digest")
    case = make_case(Status.IN_MEDIATION)
    notify_once([{"user_id": users["supervisor"].id, "case_id": case.id, "kind": kind, "dedupe_key": f"{kind}:{n}"}
                 for n in range(40) for kind in ("close_proposed", "on_agenda")], NOW)
    for n in range(30):
        sweeps.overdue_sweep(NOW + timedelta(minutes=10 * n), current_town())
        db.session.execute(update(Case).values(due_state=None))  # flags change again: a digest a run
    db.session.commit()
    assert db.session.scalar(select(Notification.id).where(Notification.kind == "deadline_digest").offset(20)) is not None
    assert queries() == few and queries("?kind=deadline_digest") == few_kind
    assert few <= 8, few


def test_daily_digest_on_the_page(client, db, users, login, make_case):
    case = make_case(Status.CLOSED)
    case = db.session.get(Case, case.id)
    sweeps.daily_reminders(case.follow_up_by - timedelta(days=2, hours=12), current_town())
    db.session.commit()
    login(users["mediator"])
    page = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "1 return visits due" in page and f'href="/cases/{case.reference}"' in page
    assert 'href="/notifications/?kind=reminder_digest"' in page
