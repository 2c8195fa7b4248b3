"""The weekly joint-meeting summary: figures, lists, agenda, chart, access, PDF, audit, queries."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent
from mediation.core.lifecycle import Status
from mediation.meetings.models import AgendaItem

from .conftest import WEEK, local
from .helpers import body_rows, keyed, normalise, page_sizes, page_texts, read_pdf, tables, text_of

FULL_NUMBERS = ("13812345678", "13900001111", "11010519491231002X")


def weekly_url(world, **extra) -> str:
    args = {"week": WEEK, "meeting": world.meeting.id, "lang": "en", **extra}
    return "/reports/weekly?" + "&".join(f"{k}={v}" for k, v in args.items())


@pytest.fixture
def summary_html(weekly_world, login, users):
    client = login(users["supervisor"])
    response = client.get(weekly_url(weekly_world))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_week_and_its_new_cases_by_channel_category_and_office(summary_html):
    assert text_of(summary_html, "week-range") == "2026-11-09 – 2026-11-15"
    assert text_of(summary_html, "kpi-new") == "5"
    assert keyed(summary_html, "new-by-channel") == {
        "hotline_12345": "2", "police_110": "1", "grid_patrol": "1", "dispute_platform": "1", "walk_in": "0",
        "referral": "0"}
    by_category = keyed(summary_html, "new-by-category")
    assert by_category["邻里"] == "3" and by_category["合同"] == "1" and by_category["婚姻家庭"] == "1"
    assert sum(int(v) for v in by_category.values()) == 5
    offices = {r.cells[0]: r.cells[1] for r in tables(summary_html)["new-by-office"] if "data-key" in r.attrs}
    assert offices == {"徐行镇司法所": "3", "徐行派出所": "1", "Not yet routed": "1"}


def test_closed_success_rate_and_average_handling_days(summary_html):
    assert text_of(summary_html, "kpi-closed") == "3"
    assert text_of(summary_html, "kpi-success") == "66.7%"  # written + oral out of 3
    assert text_of(summary_html, "kpi-days") == "4.3"  # (2 + 10 + 1) / 3


def test_overdue_due_soon_and_high_risk_lists(summary_html, weekly_world):
    c = weekly_world.cases
    overdue = body_rows(summary_html, "overdue-list")
    assert [r.attrs["data-ref"] for r in overdue] == [c["n1"].reference]
    assert overdue[0].cells[-1] == "2"  # days overdue
    assert "徐行镇司法所" in overdue[0].text
    due_soon = body_rows(summary_html, "due-soon-list")
    assert [r.attrs["data-ref"] for r in due_soon] == [c["n2"].reference]
    assert text_of(summary_html, "kpi-overdue") == "1" and text_of(summary_html, "kpi-due-soon") == "1"
    high = body_rows(summary_html, "high-risk-list")
    assert [r.attrs["data-ref"] for r in high] == [c["n2"].reference, c["x1"].reference]  # c1 is closed
    assert "Threats of violence or injury" in high[0].text
    assert "A 110 call between the same parties before" in high[0].text
    assert "Five or more people involved" in high[1].text


def test_the_agenda_shows_recorded_decisions_and_room_to_write_the_others(summary_html, weekly_world):
    c = weekly_world.cases
    rows = body_rows(summary_html, "agenda-list")
    assert [r.attrs["data-ref"] for r in rows] == [c["n1"].reference, c["n2"].reference]
    assert "由司法所牵头，限期一周办结" in rows[0].text
    assert "Overdue" in rows[0].text and "High risk" in rows[1].text
    agenda = summary_html[summary_html.index('id="agenda-list"'):summary_html.index("</table>", summary_html.index('id="agenda-list"'))]
    second = agenda[agenda.index(f'data-ref="{c["n2"].reference}"'):]
    assert second.count('class="write-line"') == 2  # empty ruled lines for the undecided item
    first = agenda[agenda.index(f'data-ref="{c["n1"].reference}"'):agenda.index(f'data-ref="{c["n2"].reference}"')]
    assert 'class="write-line"' not in first


def test_trend_chart_signature_block_and_pdf_link(summary_html, weekly_world):
    svg = summary_html[summary_html.index("<svg"):summary_html.index("</svg>")]
    assert svg.count("<rect") >= 16 + 2  # 8 weeks x (new, closed), and the legend
    assert "11-09" in svg and "09-21" in svg  # the 8 weeks end with the week shown
    signatures = tables(summary_html)["signature-table"][1:]
    # every attending office: the three-office linkage (the law firm too) and the configured others
    assert [r.cells[0] for r in signatures] == ["徐行派出所", "徐行镇司法所", "签约律师事务所", "信访办", "平安办"]
    assert all(r.cells[1:] == ["", ""] for r in signatures)  # room to sign and date
    assert f'href="/reports/weekly.pdf?meeting={weekly_world.meeting.id}&amp;week={WEEK}"' in summary_html
    assert 'src="/static/print.js"' in summary_html and "<script>" not in summary_html  # CSP: no inline script


def test_no_full_phone_or_id_number_anywhere(summary_html):
    for number in FULL_NUMBERS:
        assert number not in summary_html
    assert "138****5678" in summary_html  # the summary's phone, masked


def test_the_trend_counts_new_and_closed_per_week(weekly_world, login, users):
    client = login(users["supervisor"])
    html = client.get(weekly_url(weekly_world)).get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    bars = [int(v) for v in re.findall(r'text-anchor="middle" font-size="8">(\d+)</text>', svg)]
    # (new, closed) per week, oldest first: 09-21 … 11-09. Week of 09-28: the merged case's target
    # (received 10-01); week of 11-02: c1, c3 and x2; the merged case itself is never counted.
    assert bars == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 5, 3]


def test_default_week_is_the_current_one_and_meeting_week_the_one_before(weekly_world, login, users):
    client = login(users["supervisor"])
    html = client.get("/reports/weekly").get_data(as_text=True)
    assert "id=\"week-range\"" in html
    meeting_day = weekly_world.meeting.scheduled_at.astimezone(local(2026, 1, 1).tzinfo).date()
    monday_of_meeting = meeting_day - timedelta(days=meeting_day.weekday())
    html = client.get(f"/reports/weekly?meeting={weekly_world.meeting.id}").get_data(as_text=True)
    before = monday_of_meeting - timedelta(days=7)
    assert text_of(html, "week-range") == f"{before.isoformat()} – {(before + timedelta(days=6)).isoformat()}"
    # Without a meeting argument the agenda is that of the next planned meeting.
    html = client.get(f"/reports/weekly?week={WEEK}").get_data(as_text=True)
    assert [r.attrs["data-ref"] for r in body_rows(html, "agenda-list")] == [
        weekly_world.cases["n1"].reference, weekly_world.cases["n2"].reference]


def test_a_held_or_past_meeting_is_not_the_next_one(weekly_world, login, users, db):
    weekly_world.meeting.held_at = weekly_world.now
    db.session.commit()
    client = login(users["supervisor"])
    html = client.get(f"/reports/weekly?week={WEEK}&lang=en").get_data(as_text=True)
    assert "agenda-list" not in html and "No joint meeting is planned." in html


def test_bad_week_or_meeting_is_a_message_or_404(weekly_world, login, users):
    client = login(users["supervisor"])
    response = client.get("/reports/weekly?week=2026-02-30&lang=en")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)
    assert client.get("/reports/weekly?meeting=999999").status_code == 404
    assert client.get("/reports/weekly?meeting=abc").status_code == 404
    assert client.get("/reports/weekly.pdf?week=nonsense").status_code == 400


@pytest.mark.parametrize("role, expected", [
    ("supervisor", 200), ("admin", 200), ("viewer", 200), ("liaison", 200), ("lawyer", 200),
    ("mediator", 403), ("other_mediator", 403), ("village_mediator", 403)])
def test_who_may_read_the_weekly_summary(role, expected, login, users, town):
    client = login(users[role])
    assert client.get("/reports/weekly").status_code == expected


def test_signed_out_users_are_sent_to_sign_in(client, town):
    response = client.get("/reports/weekly")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/reports/weekly.pdf").status_code == 302


def test_the_mediator_may_not_download_the_pdf(login, users, town):
    assert login(users["mediator"]).get("/reports/weekly.pdf").status_code == 403


def test_pdf_download_is_an_a4_pdf_with_the_same_content_and_is_audited(weekly_world, login, users, db):
    client = login(users["viewer"])
    response = client.get(weekly_url(weekly_world).replace("/reports/weekly?", "/reports/weekly.pdf?"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="weekly-summary-{WEEK}.pdf"' in disposition
    pdf = read_pdf(response.data)
    sizes = page_sizes(pdf)
    assert sizes and all(abs(w - 595) <= 1 and abs(h - 842) <= 1 for w, h in sizes)
    text = normalise("".join(page_texts(pdf)))
    c = weekly_world.cases
    for key in ("n1", "n2", "x1"):
        assert c[key].reference in text
    assert normalise("由司法所牵头，限期一周办结") in text
    assert normalise("2026-11-09 – 2026-11-15") in text
    for number in FULL_NUMBERS:
        assert number not in text
    assert "138****5678" in text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.user_id, e.object_type, e.object_id, e.details["format"]) for e in events] == [
        (users["viewer"].id, "weekly_summary", WEEK, "pdf")]


def test_viewing_the_html_is_not_an_export(weekly_world, login, users, db):
    login(users["viewer"]).get(weekly_url(weekly_world))
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []


def test_a_fixed_number_of_queries_whatever_the_number_of_cases(weekly_world, login, users, make_case, place, db,
                                                                count_queries):
    client = login(users["supervisor"])
    url = weekly_url(weekly_world)
    client.get(url)  # warm up (first request loads the calendar into caches)
    with count_queries() as before:
        assert client.get(url).status_code == 200
    now = weekly_world.now
    for i in range(4):  # more of everything the page lists
        overdue = make_case(Status.IN_MEDIATION, category="合同", lead="police_station", co=("judicial_office",))
        place(overdue, received=local(2026, 11, 10 + i, 9, 0), next_deadline=now - timedelta(days=i + 1),
              next_stage="conclude", risk="high", reasons=["violence"])
        closed = make_case(Status.CLOSED, channel="walk_in", category="物业")
        place(closed, received=local(2026, 11, 9, 9, 0), closed=local(2026, 11, 12, 9, 0))
        add_visit(db, closed, local(2026, 11, 13, 9, 0), ("satisfied", "dissatisfied", None, "fairly_satisfied")[i],
                  users["mediator"])
        db.session.add(AgendaItem(meeting_id=weekly_world.meeting.id, case_id=overdue.id, reasons=["overdue"],
                                  added_at=now))
    db.session.commit()
    with count_queries() as after:
        html = client.get(url).get_data(as_text=True)
    assert len(body_rows(html, "overdue-list")) == 5 and len(body_rows(html, "agenda-list")) == 6
    assert len(after) == len(before), "\n".join(after)


def test_the_meeting_page_link_keeps_working(weekly_world, login, users):
    """meetings/show.html links url_for('reports.weekly', meeting=id)."""
    client = login(users["liaison"])
    html = client.get(f"/meetings/{weekly_world.meeting.id}").get_data(as_text=True)
    assert f'/reports/weekly?meeting={weekly_world.meeting.id}' in html
    assert client.get(f"/reports/weekly?meeting={weekly_world.meeting.id}").status_code == 200


# -- Capped lists: what a meeting can discuss, and counts of the rest --------------------------------

def more_line(html: str, element_id: str) -> str | None:
    return text_of(html, element_id) if f'id="{element_id}"' in html else None


def test_each_list_shows_the_30_most_pressing_and_counts_the_rest(weekly_world, login, users, make_case, place, db):
    """40 more overdue, high-risk cases: 41 overdue (n1 too) and 42 high risk (n2 and x1 too), each
    list shows 30, oldest deadline (or longest received) first, and says how many it leaves out."""
    now = weekly_world.now
    extra = []
    for i in range(40):
        case = make_case(Status.REGISTERED, category="合同", summary=f"欠款纠纷{i}")
        extra.append(place(case, received=local(2026, 9, 1, 9, 0) + timedelta(days=i),
                           next_deadline=now - timedelta(days=i + 3, hours=1), next_stage="accept",
                           risk="high", reasons=["violence"]))
    html = login(users["supervisor"]).get(weekly_url(weekly_world)).get_data(as_text=True)

    overdue = [r.attrs["data-ref"] for r in body_rows(html, "overdue-list")]
    by_deadline = sorted(extra, key=lambda c: c.next_deadline)  # the longest overdue first
    assert overdue == [c.reference for c in by_deadline[:30]]
    assert [r.cells[0] for r in body_rows(html, "overdue-list")] == [str(n) for n in range(1, 31)]
    assert weekly_world.cases["n1"].reference not in overdue  # the least overdue of 41
    assert text_of(html, "kpi-overdue") == "41"
    assert "Overdue cases (41)" in html
    assert more_line(html, "overdue-more") == "and 11 more (see the supervision dashboard)"

    high = [r.attrs["data-ref"] for r in body_rows(html, "high-risk-list")]
    assert high == [c.reference for c in extra[:30]]  # received longest ago first
    assert text_of(html, "kpi-high-risk") == "42"
    assert more_line(html, "high-risk-more") == "and 12 more (see the supervision dashboard)"

    # Due soon has one case: listed in full, no "more" line.
    assert [r.attrs["data-ref"] for r in body_rows(html, "due-soon-list")] == [weekly_world.cases["n2"].reference]
    assert more_line(html, "due-soon-more") is None
    assert 'href="/supervision/?list=overdue"' in html and 'href="/supervision/?list=high_risk"' in html


def test_the_lists_and_the_agenda_are_capped_and_counted_at_any_limit(weekly_world, login, users, make_case, place,
                                                                     db, monkeypatch):
    """With the limits at 1: every list and the agenda show one row and count the others."""
    monkeypatch.setattr("mediation.reports.queries.LIST_LIMIT", 1)
    monkeypatch.setattr("mediation.reports.queries.AGENDA_LIMIT", 1)
    now, c = weekly_world.now, weekly_world.cases
    soon = make_case(Status.REGISTERED)
    place(soon, received=local(2026, 11, 12, 9, 0), next_deadline=now + timedelta(hours=3), next_stage="accept",
          risk="low")
    for i in range(3):
        case = make_case(Status.REGISTERED)
        place(case, received=local(2026, 11, 12, 9, 0), next_deadline=now - timedelta(hours=i + 1), next_stage="accept",
              risk="low")
        db.session.add(AgendaItem(meeting_id=weekly_world.meeting.id, case_id=case.id, reasons=["overdue"],
                                  added_at=now, decision="限期办结" if i == 0 else None,
                                  decided_at=now if i == 0 else None))
    db.session.commit()
    html = login(users["supervisor"]).get(weekly_url(weekly_world)).get_data(as_text=True)

    assert [r.attrs["data-ref"] for r in body_rows(html, "overdue-list")] == [c["n1"].reference]  # 2 days overdue
    assert more_line(html, "overdue-more") == "and 3 more (see the supervision dashboard)"
    assert [r.attrs["data-ref"] for r in body_rows(html, "due-soon-list")] == [c["n2"].reference]  # due in an hour
    assert more_line(html, "due-soon-more") == "and 1 more (see the supervision dashboard)"
    assert [r.attrs["data-ref"] for r in body_rows(html, "high-risk-list")] == [c["n2"].reference]
    assert more_line(html, "high-risk-more") == "and 1 more (see the supervision dashboard)"
    assert (text_of(html, "kpi-overdue"), text_of(html, "kpi-due-soon"), text_of(html, "kpi-high-risk")) == ("4", "2", "2")

    # The agenda in its own order (n1 first), then how many items are left and how many await a decision.
    assert [r.attrs["data-ref"] for r in body_rows(html, "agenda-list")] == [c["n1"].reference]
    assert more_line(html, "agenda-more") == (
        "and 4 more agenda items (see the joint meeting page); 3 of all 5 items have no decision yet.")
    assert f'href="/meetings/{weekly_world.meeting.id}"' in html[html.index('id="agenda-more"'):]


def test_the_more_lines_link_only_where_the_reader_may_go_and_print_in_the_pdf(weekly_world, login, users,
                                                                              monkeypatch):
    monkeypatch.setattr("mediation.reports.queries.LIST_LIMIT", 1)
    monkeypatch.setattr("mediation.reports.queries.AGENDA_LIMIT", 1)
    client = login(users["viewer"])  # reads the summary, has no supervision dashboard
    html = client.get(weekly_url(weekly_world)).get_data(as_text=True)
    assert more_line(html, "high-risk-more") == "and 1 more (see the supervision dashboard)"
    assert "/supervision/" not in html
    pdf = read_pdf(client.get(weekly_url(weekly_world).replace("/reports/weekly?", "/reports/weekly.pdf?")).data)
    text = normalise("".join(page_texts(pdf)))
    assert normalise("and 1 more (see the supervision dashboard)") in text
    assert normalise("and 1 more agenda items (see the joint meeting page)") in text
    assert weekly_world.cases["x1"].reference not in text  # the second high-risk case is counted, not listed


def test_the_more_lines_are_translated(weekly_world, login, users, monkeypatch):
    monkeypatch.setattr("mediation.reports.queries.LIST_LIMIT", 1)
    monkeypatch.setattr("mediation.reports.queries.AGENDA_LIMIT", 1)
    html = login(users["supervisor"]).get(weekly_url(weekly_world, lang="zh_CN")).get_data(as_text=True)
    assert more_line(html, "high-risk-more") == "另有 1 件（见督办台）"
    assert more_line(html, "agenda-more") == "另有 1 个议题（见联席会议页面）；全部 2 个议题中 1 个尚未作出决定。"


# -- The handout's masthead: issuing unit, 期号, internal marking; return-visit satisfaction ---------

def test_the_masthead_has_the_issuing_unit_and_an_internal_marking(summary_html, weekly_world, login, users):
    assert text_of(summary_html, "issuer") == "徐行镇司法所"
    assert text_of(summary_html, "internal-marking") == "Internal material: keep safe"
    html = login(users["supervisor"]).get(weekly_url(weekly_world, lang="zh_CN")).get_data(as_text=True)
    assert text_of(html, "internal-marking") == "内部资料 注意保存"
    assert "编印单位" in html


def test_the_issue_number_counts_the_years_meetings_and_is_kept(weekly_world, login, users, db):
    from mediation.meetings.models import Meeting

    meeting = weekly_world.meeting
    year = meeting.scheduled_at.astimezone(local(2026, 1, 1).tzinfo).year
    db.session.add_all([Meeting(scheduled_at=local(year, 1, 1, 1, 0)), Meeting(scheduled_at=local(year, 1, 1, 2, 0)),
                        Meeting(scheduled_at=local(year - 1, 12, 31, 23, 0))])  # last year's: not counted
    db.session.commit()
    client = login(users["viewer"])
    html = client.get(weekly_url(weekly_world, lang="zh_CN")).get_data(as_text=True)
    assert text_of(html, "issue-number") == f"{year}年第3期"
    db.session.refresh(meeting)
    assert meeting.issue_number == 3
    db.session.add(Meeting(scheduled_at=local(year, 1, 1, 3, 0)))  # an earlier meeting entered later
    db.session.commit()
    assert text_of(client.get(weekly_url(weekly_world)).get_data(as_text=True), "issue-number") == f"{year}, issue 3"
    pdf = client.get(weekly_url(weekly_world, lang="zh_CN").replace("/reports/weekly?", "/reports/weekly.pdf?"))
    assert normalise(f"{year}年第3期") in normalise("".join(page_texts(read_pdf(pdf.data))))


def test_without_a_meeting_there_is_no_issue_number(weekly_world, login, users, db):
    weekly_world.meeting.held_at = weekly_world.now
    db.session.commit()
    html = login(users["supervisor"]).get(f"/reports/weekly?week={WEEK}&lang=en").get_data(as_text=True)
    assert text_of(html, "issue-number") == ""
    assert weekly_world.meeting.issue_number is None


def add_visit(db, case, at, satisfaction, user):
    from mediation.cases.models import ReturnVisit

    visit = ReturnVisit(case_id=case.id, visited_at=at, visited_by_id=user.id if at else None,
                        performance="performed" if at else None, satisfaction=satisfaction, method="phone")
    db.session.add(visit)
    db.session.commit()
    return visit


def test_return_visit_satisfaction_of_the_week(weekly_world, login, users, db):
    c, mediator = weekly_world.cases, users["mediator"]
    add_visit(db, c["c1"], local(2026, 11, 9, 0, 0), "satisfied", mediator)  # Monday 00:00: in
    add_visit(db, c["c2"], local(2026, 11, 12, 10, 0), "satisfied", mediator)
    add_visit(db, c["c3"], local(2026, 11, 15, 23, 59), "fairly_satisfied", mediator)  # Sunday night: in
    add_visit(db, c["n4"], local(2026, 11, 13, 10, 0), "dissatisfied", mediator)
    add_visit(db, c["n4"], local(2026, 11, 14, 10, 0), None, mediator)  # no verdict recorded
    add_visit(db, c["c1"], local(2026, 11, 16, 0, 0), "dissatisfied", mediator)  # next week
    add_visit(db, c["c2"], None, None, mediator)  # scheduled, not made yet
    client = login(users["supervisor"])
    html = client.get(weekly_url(weekly_world)).get_data(as_text=True)
    assert " ".join(text_of(html, "satisfaction").split()) == (
        "Return visits this week, satisfaction: satisfied 2, fairly satisfied 1, dissatisfied 1 "
        "(satisfaction rate 75.0%) (1 visits without a verdict)")
    html = client.get(weekly_url(weekly_world, lang="zh_CN")).get_data(as_text=True)
    assert text_of(html, "satisfaction").startswith("本周回访满意度：满意 2、基本满意 1、不满意 1")


def test_satisfaction_counts_only_the_readers_cases(weekly_world, login, users, db):
    """The police station's liaison: c1 is the judicial office's with the law firm, not theirs."""
    add_visit(db, weekly_world.cases["c1"], local(2026, 11, 10, 10, 0), "satisfied", users["mediator"])
    html = login(users["liaison"]).get(weekly_url(weekly_world)).get_data(as_text=True)
    assert "satisfied 0, fairly satisfied 0, dissatisfied 0" in text_of(html, "satisfaction")
    assert "satisfaction rate" not in text_of(html, "satisfaction")
    html = login(users["lawyer"]).get(weekly_url(weekly_world)).get_data(as_text=True)
    assert "satisfied 1, fairly satisfied 0" in text_of(html, "satisfaction")
