"""Periods as the law counts them, through the app (issue #11 item 3, item 8): the judicial-confirmation
window runs 30 days from the day after the agreement took effect (人民调解法 art. 33), not from when the
closing was recorded, and a last day that is a rest day moves to the next working day (民事诉讼法 art. 85).
Every deadline on the case page and in the case file names its basis."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from sqlalchemy import select, update

from mediation.cases.models import Case
from mediation.core.lifecycle import Action, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")


def eod(y, m, d) -> datetime:
    return datetime.combine(date(y, m, d), time(23, 59, 59), tzinfo=SHANGHAI)


def _case(db, reference) -> Case:
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def _close_written(client, db, make_case, users, login, **dates) -> Case:
    case = make_case(Status.IN_MEDIATION, channel="walk_in")
    make_case.act(case, Action.LOG_SESSION)
    db.session.commit()
    login(users["mediator"])
    data = {"version": str(_case(db, case.reference).version), "outcome": "agreement_written",
            "agreement_text": "李四赔偿张三800元", "amount": "800", "performance_terms": "现金一次付清", **dates}
    response = client.post(f"/cases/{case.reference}/close", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return _case(db, case.reference)


def test_signed_1_march_recorded_later_the_window_ends_31_march(client, db, users, login, make_case):
    """The issue's measurement: signed 1 March, recorded afterwards; the window showed 9 April."""
    assert chinese_calendar.is_workday(date(2025, 3, 31))
    case = _close_written(client, db, make_case, users, login, signed_on="2025-03-01", performance_due_on="2025-03-10")
    assert case.outcome.effective_on == date(2025, 3, 1)
    assert case.confirmation_by.astimezone(SHANGHAI) == eod(2025, 3, 31)
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "2025-03-31 23:59" in html


@pytest.mark.parametrize("signed, effective, ends, why", [
    ("2025-09-01", "", (2025, 10, 9), "day 30 is 1 October, National Day; the holiday runs to 8 October"),
    ("2025-03-01", "2025-03-05", (2025, 4, 7), "day 30 from taking effect is 4 April, 清明; then a weekend"),
    ("2025-03-20", "", (2025, 4, 21), "day 30 is Saturday 19 April"),
    ("2025-09-11", "", (2025, 10, 11), "day 30 is Saturday 11 October, worked for National Day (调休)"),
])
def test_a_window_ending_on_a_rest_day_rolls_to_the_next_working_day(client, db, users, login, make_case,
                                                                     signed, effective, ends, why):
    assert chinese_calendar.is_workday(date(*ends)), why
    case = _close_written(client, db, make_case, users, login, signed_on=signed, effective_on=effective,
                          performance_due_on=signed)
    assert case.confirmation_by.astimezone(SHANGHAI) == eod(*ends), why


def test_the_case_page_names_each_deadline_s_basis(client, db, users, login, make_case):
    case = _close_written(client, db, make_case, users, login, signed_on="2025-03-01", performance_due_on="2025-03-10")
    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    deadlines = html[html.index('id="deadlines"'):]
    deadlines = deadlines[:deadlines.index("</dl>")]
    for stage in ("accept", "conclude", "follow_up", "confirmation"):
        assert f'data-stage="{stage}"' in deadlines, stage
    assert "《人民调解法》第三十三条" in deadlines and "《民事诉讼法》第八十五条" in deadlines
    assert "《人民调解工作若干规定》第三十三条" in deadlines  # conclude: 一般在一个月内调结
    assert "《人民调解法》第三十一条" in deadlines  # return visit
    english = client.get(f"/cases/{case.reference}?lang=en").get_data(as_text=True)
    assert "人民调解法第三十三条: the parties may jointly apply for judicial confirmation" in english


def test_the_case_file_lists_every_deadline_with_its_basis(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, channel="hotline_12345")
    login(users["supervisor"])
    html = client.get(f"/reports/cases/{case.reference}/file").get_data(as_text=True)
    section = html[html.index('<section id="deadlines">'):]
    section = section[:section.index("</section>")]
    rows = {stage: section[section.index(f'data-stage="{stage}"'):] for stage in ("accept", "conclude", "reply")}
    assert "“解纷一件事”" in rows["accept"][:600]
    assert "调解纠纷一般在一个月内调结" in rows["conclude"][:600]
    assert "上海12345热线" in rows["reply"][:600]
    assert 'data-stage="confirmation"' not in section  # no agreement, no window


def test_a_provisional_deadline_says_why(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, channel="hotline_12345")
    # as the deadline computation marks a reply deadline running into a year whose 调休 is not entered
    db.session.execute(update(Case).where(Case.id == case.id).values(next_stage="reply", deadline_provisional=True))
    db.session.commit()
    login(users["supervisor"])
    reason = "暂定：该期限所跨年份的国务院放假安排尚未录入，仅按法定节假日计算。"
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    deadlines = page[page.index('id="deadlines"'):]
    assert reason in deadlines[deadlines.index('data-stage="reply"'):][:800]
    assert page.count(reason) == 1  # only the deadline that is provisional
    printed = client.get(f"/reports/cases/{case.reference}/file").get_data(as_text=True)
    assert reason in printed
