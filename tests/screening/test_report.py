"""A village committee's monthly report at /screening/: submit, 零上报, refusals under their fields,
revise, closed months, and who may."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mediation.auth.models import AuditEvent
from mediation.core.screening import Figures
from mediation.screening.models import ScreeningReport
from mediation.screening.services import ScreeningRefused, save_report
from mediation.organisation.town import current_town

from .conftest import NOW, SH

NOVEMBER = date(2026, 11, 1)
FIGURES = {"disputes_found": "5", "mediated": "3", "in_progress": "1", "risks_and_hazards": "河边违章搭建，有火灾隐患",
           "key_disputes": "两户宅基地边界争议"}


def _reports(db):
    db.session.expire_all()
    return db.session.scalars(select(ScreeningReport).order_by(ScreeningReport.id)).all()


def test_submit_a_report(db, login, members, town, pin):
    client = login(members["xiaomiao"])
    page = client.get("/screening/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "小庙村调委会" in html and "2026-11" in html and "2026-11-25" in html
    response = client.post("/screening/", data=FIGURES)
    assert response.status_code == 303
    [report] = _reports(db)
    assert (report.office_id, report.month, report.nil_report) == (town["offices"]["vc_xiaomiao"].id, NOVEMBER, False)
    assert (report.disputes_found, report.mediated, report.in_progress) == (5, 3, 1)
    assert report.risks_and_hazards == "河边违章搭建，有火灾隐患" and report.key_disputes == "两户宅基地边界争议"
    assert report.submitted_by_id == members["xiaomiao"].id and report.submitted_at == NOW
    assert report.revised_at is None
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "screening_report_submitted")).all()
    assert [(a.object_type, a.object_id, a.details["month"]) for a in audit] == [("screening_report", str(report.id),
                                                                                   "2026-11")]
    shown = client.get("/screening/").get_data(as_text=True)
    assert 'data-state="reported"' in shown and "已上报" in shown


def test_nil_report(db, login, members, pin):
    client = login(members["xiaomiao_liaison"])
    response = client.post("/screening/", data={"nil_report": "y"})
    assert response.status_code == 303
    [report] = _reports(db)
    assert report.nil_report and (report.disputes_found, report.mediated, report.in_progress) == (0, 0, 0)
    assert 'data-state="nil_report"' in client.get("/screening/").get_data(as_text=True)


@pytest.mark.parametrize("data, field, message", [
    ({"disputes_found": "-1", "risks_and_hazards": "隐患"}, "disputes_found", "0"),
    ({"disputes_found": "2", "mediated": "3"}, "mediated", "调处化解的纠纷（3）多于排查发现的（2）"),
    ({"disputes_found": "3", "mediated": "2", "in_progress": "2"}, "in_progress", "（4）"),
    ({"nil_report": "y", "disputes_found": "2"}, "disputes_found", "零上报"),
    ({"nil_report": "y", "risks_and_hazards": "危房一处"}, "risks_and_hazards", "零上报"),
    ({}, "disputes_found", "零上报"),
    ({"disputes_found": "abc"}, "disputes_found", "0"),
    ({"disputes_found": "9" * 400}, "disputes_found", "0"),
])
def test_refusals_are_field_errors_and_nothing_is_saved(db, login, members, pin, data, field, message):
    client = login(members["xiaomiao"])
    response = client.post("/screening/", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    feedback = html.split(f'id="{field}"', 1)[1].split("</div>", 2)
    assert "invalid-feedback" in "".join(feedback[:2]) and message in "".join(feedback[:2])
    assert _reports(db) == []


def test_revise_until_the_month_after(db, login, members, pin):
    client = login(members["xiaomiao"])
    client.post("/screening/", data={"nil_report": "y"})
    [report] = _reports(db)
    version = report.version
    pin(datetime(2026, 12, 28, 9, 0, tzinfo=SH))  # November is still open during December
    page = client.get("/screening/?month=2026-11").get_data(as_text=True)
    assert 'name="version"' in page and f'value="{version}"' in page
    response = client.post("/screening/?month=2026-11", data={**FIGURES, "version": str(version)})
    assert response.status_code == 303
    [report] = _reports(db)
    assert not report.nil_report and report.disputes_found == 5
    assert report.revised_by_id == members["xiaomiao"].id and report.revised_at == datetime(2026, 12, 28, 9, 0, tzinfo=SH)
    assert report.submitted_at == NOW
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "screening_report_revised"))
    # A page opened on the older revision saves nothing over the newer one.
    stale = client.post("/screening/?month=2026-11", data={"nil_report": "y", "version": str(version)})
    assert stale.status_code == 303
    assert not _reports(db)[0].nil_report


def test_a_first_submission_does_not_overwrite_one_made_meanwhile(db, login, members, pin, make_user, town):
    """Two of the committee open the empty form; the second to submit (no version: there was no report
    when the page was shown) is refused rather than overwriting the first."""
    colleague = make_user("liaison", "vc_xiaomiao")
    login(members["xiaomiao"]).post("/screening/", data=FIGURES)
    response = login(colleague).post("/screening/", data={"nil_report": "y", "version": ""})
    assert response.status_code == 303
    [report] = _reports(db)
    assert not report.nil_report and report.disputes_found == 5 and report.revised_at is None


def test_a_closed_month_is_read_only(db, login, members, pin):
    client = login(members["xiaomiao"])
    client.post("/screening/", data=FIGURES)
    pin(datetime(2027, 1, 2, 9, 0, tzinfo=SH))
    page = client.get("/screening/?month=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="screening-form"' not in html and 'id="fig-found">5<' in html
    response = client.post("/screening/?month=2026-11", data={"nil_report": "y"})
    assert response.status_code == 303
    assert not _reports(db)[0].nil_report
    # October, never reported, is closed too: not taken late.
    assert client.post("/screening/?month=2026-10", data=FIGURES).status_code == 303
    assert len(_reports(db)) == 1


def test_last_month_is_taken_late(db, login, members, pin):
    pin(datetime(2026, 12, 3, 9, 0, tzinfo=SH))
    client = login(members["xiaomiao"])
    assert client.post("/screening/?month=2026-11", data={"nil_report": "y"}).status_code == 303
    [report] = _reports(db)
    assert report.month == NOVEMBER
    assert 'id="report-late"' in client.get("/screening/?month=2026-11").get_data(as_text=True)


def test_a_month_not_begun_is_not_taken(db, login, members, pin):
    client = login(members["xiaomiao"])
    assert client.post("/screening/?month=2026-12", data=FIGURES).status_code == 303
    assert _reports(db) == []


@pytest.mark.parametrize("month", ["2026-13", "abc", "1999-01", "2026-1"])
def test_an_unreadable_month_is_400(login, members, pin, month):
    assert login(members["xiaomiao"]).get(f"/screening/?month={month}").status_code == 400


def test_each_committee_reports_for_itself(db, login, members, town, pin):
    login(members["xiaomiao"]).post("/screening/", data=FIGURES)
    login(members["qianqiao"]).post("/screening/", data={"nil_report": "y"})
    reports = {r.office_id: r for r in _reports(db)}
    assert reports[town["offices"]["vc_xiaomiao"].id].disputes_found == 5
    assert reports[town["offices"]["vc_qianqiao"].id].nil_report
    # qianqiao's page shows its own report, never xiaomiao's.
    page = login(members["qianqiao"]).get("/screening/").get_data(as_text=True)
    assert "钱桥村调委会" in page and "小庙村调委会" not in page and 'data-state="nil_report"' in page


def test_the_service_refuses_another_committee(db, members, town):
    with pytest.raises(ScreeningRefused):
        save_report(town["offices"]["vc_qianqiao"], NOVEMBER, Figures(True, 0, 0, 0), members["xiaomiao"],
                    now=NOW, town=current_town())
    assert _reports(db) == []


@pytest.mark.parametrize("role", ["admin", "mediator", "liaison", "lawyer", "viewer"])
def test_others_may_not_report(login, users, pin, role):
    client = login(users[role])
    assert client.get("/screening/").status_code == 403
    assert client.post("/screening/", data={"nil_report": "y"}).status_code == 403


def test_a_committee_viewer_may_not_report(login, members, pin):
    assert login(members["xiaomiao_viewer"]).post("/screening/", data={"nil_report": "y"}).status_code == 403


def test_supervisors_are_sent_to_the_overview(login, users, pin):
    response = login(users["supervisor"]).get("/screening/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/screening/overview")


def test_the_form_hints_the_cases_registered_in_the_village(db, login, members, make_case, pin, app, monkeypatch):
    make_case(village="xiaomiao")
    make_case(village="xiaomiao")
    make_case(village="qianqiao")
    monkeypatch.setitem(app.config, "FIXED_NOW", datetime.now(SH))  # the cases are received today
    html = login(members["xiaomiao"]).get("/screening/").get_data(as_text=True)
    assert 'id="cases-hint"' in html and "2 件" in html
    field = html.split('id="disputes_found"')[1].split(">", 1)[0]
    assert 'value="2"' in field


def test_the_page_has_a_fixed_number_of_queries(db, login, members, pin, count_queries):
    client = login(members["xiaomiao"])
    client.post("/screening/", data=FIGURES)
    with count_queries() as few:
        assert client.get("/screening/").status_code == 200
    db.session.add_all([ScreeningReport(office_id=members["xiaomiao"].office_id, month=date(2026, m, 1),
                                        disputes_found=1, mediated=1, in_progress=0, risks_and_hazards="",
                                        key_disputes="", submitted_by_id=members["xiaomiao"].id,
                                        submitted_at=NOW - timedelta(days=31 * (11 - m))) for m in range(1, 11)])
    db.session.commit()
    with count_queries() as many:
        assert client.get("/screening/").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("values", [dict(nil_report=True, disputes_found=1, mediated=0, in_progress=0),
                                    dict(nil_report=True, risks_and_hazards="隐患"),
                                    dict(disputes_found=1, mediated=2, in_progress=0),
                                    dict(disputes_found=2, mediated=1, in_progress=2),
                                    dict(disputes_found=-1, mediated=0, in_progress=0)])
def test_the_database_holds_the_rules_too(db, members, values):

    row = dict(office_id=members["xiaomiao"].office_id, month=NOVEMBER, nil_report=False, disputes_found=0, mediated=0,
               in_progress=0, risks_and_hazards="", key_disputes="", submitted_by_id=members["xiaomiao"].id,
               submitted_at=NOW)
    db.session.add(ScreeningReport(**{**row, **values}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_report_per_committee_and_month(db, members):

    for _ in range(2):
        db.session.add(ScreeningReport(office_id=members["xiaomiao"].office_id, month=NOVEMBER, nil_report=True,
                                       disputes_found=0, mediated=0, in_progress=0, risks_and_hazards="",
                                       key_disputes="", submitted_by_id=members["xiaomiao"].id, submitted_at=NOW))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
