"""人民调解法 art. 29 through the close form: a written agreement names two parties (name, and ID number
or address), the dispute's facts, what was agreed, how and by when it is performed, and the date it was
signed; an oral agreement (art. 28) records its contents. Each refusal names its field, in Chinese."""
from sqlalchemy import select, update

from mediation.cases.models import Case
from mediation.core.lifecycle import Action, Status
from mediation.intake.services import PartyData

from ..factories import VALID_ID, VALID_PHONE

COMPLETE = {"outcome": "agreement_written", "agreement_text": "李四赔偿张三修理费800元", "amount": "800",
            "performance_terms": "银行转账一次付清", "signed_on": "2026-11-20", "performance_due_on": "2026-11-30"}


def _case(db, reference) -> Case:
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.reference == reference))


def _ready(make_case, db, **kw) -> Case:
    """In mediation, with a session on record."""
    case = make_case(Status.IN_MEDIATION, **kw)
    make_case.act(case, Action.LOG_SESSION)
    db.session.commit()
    return case


def _close(client, db, case, lang="zh", **data):
    data = {"version": str(_case(db, case.reference).version), **data}
    return client.post(f"/cases/{case.reference}/close?lang={lang}", data=data)


def _refused(response, db, case) -> str:
    assert response.status_code == 422, response.get_data(as_text=True)
    after = _case(db, case.reference)
    assert after.status == "in_mediation" and after.outcome is None
    return response.get_data(as_text=True)


def test_a_complete_written_agreement_closes_with_its_dates(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    assert _close(client, db, case, **COMPLETE).status_code == 303
    outcome = _case(db, case.reference).outcome
    assert (outcome.signed_on.isoformat(), outcome.effective_on.isoformat(), outcome.performance_due_on.isoformat()) \
        == ("2026-11-20", "2026-11-20", "2026-11-30")  # in effect from signing unless it says otherwise
    page = client.get(f"/reports/cases/{case.reference}/agreement").get_data(as_text=True)
    assert "2026年11月20日" in page and "履行期限：2026年11月30日。" in page


def test_one_party_is_not_enough(client, db, users, login, make_case):
    case = _ready(make_case, db, parties=[PartyData("张三", "applicant", VALID_PHONE, VALID_ID, "徐行镇小庙村88号")])
    login(users["mediator"])
    html = _refused(_close(client, db, case, **COMPLETE), db, case)
    assert "书面调解协议须载明至少两方当事人的姓名及身份证号码或住址" in html


def test_a_party_without_id_number_or_address_is_named(client, db, users, login, make_case):
    case = _ready(make_case, db, parties=[PartyData("张三", "applicant", VALID_PHONE, VALID_ID, ""),
                                          PartyData("李四", "respondent", "13900001111")])
    login(users["mediator"])
    html = _refused(_close(client, db, case, lang="en", **COMPLETE), db, case)
    assert "add an ID number or address for: 李四" in html
    # an oral agreement needs no such particulars
    assert _close(client, db, case, outcome="agreement_oral", agreement_text="互相道歉").status_code == 303


def test_the_dispute_facts_are_needed(client, db, users, login, make_case):
    case = _ready(make_case, db)
    db.session.execute(update(Case).where(Case.id == case.id).values(summary="  "))  # e.g. sent empty by a channel
    db.session.commit()
    login(users["mediator"])
    html = _refused(_close(client, db, case, **COMPLETE), db, case)
    assert "书面调解协议须载明纠纷的主要事实：请先填写案件简要情况。" in html


def test_performance_terms_without_a_deadline_are_refused_at_the_field(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    html = _refused(_close(client, db, case, **{**COMPLETE, "performance_due_on": ""}), db, case)
    field = html[html.index('name="performance_due_on"'):]
    assert "书面调解协议须填写履行期限（日期）。" in field[:800]


def test_the_signing_date_is_needed_and_not_in_the_future(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    html = _refused(_close(client, db, case, **{**COMPLETE, "signed_on": ""}), db, case)
    assert "书面调解协议须填写签订日期。" in html
    html = _refused(_close(client, db, case, **{**COMPLETE, "signed_on": "2099-01-01",
                                                 "performance_due_on": "2099-02-01"}), db, case)
    assert "签订日期不能晚于今天。" in html


def test_dates_out_of_order_are_refused(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    html = _refused(_close(client, db, case, **{**COMPLETE, "effective_on": "2026-11-19"}), db, case)
    assert "调解协议的生效日期不能早于签订日期。" in html
    html = _refused(_close(client, db, case, **{**COMPLETE, "performance_due_on": "2026-11-01"}), db, case)
    assert "履行期限不能早于签订日期。" in html


def test_a_malformed_date_is_a_form_error_not_a_500(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    for bad in ("2026-13-45", "yesterday", "1899-01-01"):
        response = _close(client, db, case, **{**COMPLETE, "signed_on": bad})
        _refused(response, db, case)


def test_an_oral_agreement_records_its_contents(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    html = _refused(_close(client, db, case, outcome="agreement_oral", agreement_text=" "), db, case)
    assert "请记录口头达成的协议内容。" in html
    assert _close(client, db, case, outcome="agreement_oral", agreement_text="双方当面和解，互不追究",
                  effective_on="2026-11-25").status_code == 303
    outcome = _case(db, case.reference).outcome
    assert outcome.signed_on is None and outcome.effective_on.isoformat() == "2026-11-25"
    assert _case(db, case.reference).confirmation_by is None  # no judicial-confirmation window for it


def test_the_close_form_asks_for_the_dates(client, db, users, login, make_case):
    case = _ready(make_case, db)
    login(users["mediator"])
    html = client.get(f"/cases/{case.reference}/close").get_data(as_text=True)
    for name in ("signed_on", "effective_on", "performance_due_on"):
        assert f'name="{name}"' in html and 'type="date"' in html
    assert "签订日期（书面协议）" in html and "履行期限（日期）" in html and 'id="art29-note"' in html
