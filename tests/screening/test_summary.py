"""The figures other pages show: `screening_summary` (the weekly handout) and `screening_period` (the
statistics page) equal what the committees submitted, and their partials render them."""
from datetime import date, datetime

from flask import render_template

from mediation.organisation.models import Office
from mediation.organisation.town import current_town
from mediation.screening.services import screening_for_week, screening_period, screening_summary

from .conftest import NOW, SH

NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


def _submit(login, member, month, data):
    response = login(member).post(f"/screening/?month={month}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def test_summary_equals_the_submitted_figures(app, db, login, members, town, pin):
    third = Office(code="vc_xuxing", name="徐行村调委会", kind="village_committee")
    db.session.add(third)
    db.session.commit()
    _submit(login, members["xiaomiao"], "2026-11", {"disputes_found": "7", "mediated": "5", "in_progress": "2",
                                                     "risks_and_hazards": "危房一处，电话13812345678"})
    _submit(login, members["qianqiao"], "2026-11", {"nil_report": "y"})
    s = screening_summary(NOVEMBER, NOW, current_town())
    assert s.committees == 3
    assert [line.office_name for line in s.with_figures] == ["小庙村调委会"]
    assert [line.office_name for line in s.nil] == ["钱桥村调委会"]
    assert [line.office_name for line in s.missing] == ["徐行村调委会"]
    assert (s.disputes_found, s.mediated, s.in_progress) == (7, 5, 2)
    assert [line.risks for line in s.risks] == ["危房一处，电话13812345678"]
    assert s.due == date(2026, 11, 25) and not s.past_due
    # The weekly handout's month: the week's Sunday, or today while the week runs.
    assert screening_for_week(date(2026, 11, 22), NOW, current_town()).month == NOVEMBER
    assert screening_for_week(date(2026, 11, 1), NOW, current_town()).month == NOVEMBER
    assert screening_for_week(date(2026, 10, 25), NOW, current_town()).month == date(2026, 10, 1)

    with app.test_request_context():
        html = render_template("screening/_weekly.html", screening=s)
    assert 'id="screening-found">7<' in html and 'id="screening-nil">1<' in html and 'id="screening-missing">1<' in html
    assert "徐行村调委会" in html.split('id="screening-missing-list"')[1].split("</span>")[0]
    assert "危房一处" in html and "13812345678" not in html  # the phone in free text is masked


def test_period_sums_the_months(app, db, login, members, town, pin):
    _submit(login, members["xiaomiao"], "2026-11", {"disputes_found": "7", "mediated": "5", "in_progress": "2"})
    _submit(login, members["qianqiao"], "2026-11", {"nil_report": "y"})
    pin(datetime(2026, 12, 10, 9, 0, tzinfo=SH))
    _submit(login, members["xiaomiao"], "2026-12", {"disputes_found": "3", "mediated": "1", "in_progress": "0",
                                                     "risks_and_hazards": "x"})
    p = screening_period(date(2026, 11, 15), date(2026, 12, 31))
    assert p.months == (NOVEMBER, DECEMBER)
    assert (p.expected, p.reports, p.nil_reports, p.missing) == (4, 3, 1, 1)
    assert (p.disputes_found, p.mediated, p.in_progress) == (10, 6, 2)
    lines = {line.office_name: line for line in p.lines}
    assert (lines["小庙村调委会"].reports, lines["小庙村调委会"].disputes_found) == (2, 10)
    assert (lines["钱桥村调委会"].reports, lines["钱桥村调委会"].nil_reports) == (1, 1)
    only_december = screening_period(date(2026, 12, 1), date(2026, 12, 31))
    assert (only_december.reports, only_december.disputes_found) == (1, 3)
    with app.test_request_context():
        html = render_template("screening/_statistics.html", screening_period=p)
    assert 'id="screening-found">10<' in html and 'id="screening-reports">3<' in html and 'id="screening-missing">1<' in html


def test_period_is_one_query(db, members, town, count_queries):
    for n in range(5):
        db.session.add(Office(code=f"vc_extra{n}", name=f"村{n}调委会", kind="village_committee"))
    db.session.commit()
    with count_queries() as statements:
        p = screening_period(date(2026, 1, 1), date(2026, 12, 31))
    assert len(statements) == 1 and len(p.lines) == 7
