"""类案参考 through the app's database: closed cases found by their text within the same or related
categories, best first, with outcome, amount, masked excerpt and days taken; the index follows closing
and reopening; links only to cases the user may see; a fixed number of statements; rebuild agrees."""
from datetime import timedelta
from decimal import Decimal

from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select, update

from mediation.cases.models import Case
from mediation.cases.services import perform
from mediation.cases.similar import index_closed_case, rebuild, similar_cases, unindex_case
from mediation.cases.similar_cli import similar_group
from mediation.cases.similar_models import SimilarTerm, SimilarTermCount
from mediation.core.lifecycle import Action, Payload, Status
from mediation.core.vocab import Outcome
from mediation.db import utcnow
from mediation.intake.services import PartyData
from mediation.organisation.town import current_town

LEAK = "楼上住户卫生间漏水，渗到楼下天花板，双方对维修费用分担有争议"
LEAK_RECORD = "现场查看漏水部位，卫生间防水层老化，拍照取证"


def _act(case, action, user, payload=None, details=None):
    perform(case, action, user, payload or Payload(), now=utcnow(), town=current_town(), session_details=details)


def _closed(make_case, db, users, summary, record, agreement="被申请人赔偿维修费800元", *, category="邻里",
            amount="800", days=10, parties=None, lead="judicial_office", mediator="mediator", index=True):
    case = make_case(Status.IN_MEDIATION, summary=summary, category=category, parties=parties, lead=lead,
                     mediator=mediator)
    actor = case.mediator or users["supervisor"]
    _act(case, Action.LOG_SESSION, actor, details={"record": record, "method": "in_person"})
    signed = utcnow().astimezone(current_town().tz).date()
    _act(case, Action.CLOSE, actor, Payload(outcome=Outcome.AGREEMENT_WRITTEN, agreement_text=agreement,
                                            amount=Decimal(amount), performance_terms="七日内付清",
                                            signed_on=signed, performance_due_on=signed + timedelta(days=7)))
    if index:
        index_closed_case(case)  # where cases/services.py's close will call it
    db.session.execute(update(Case).where(Case.id == case.id)
                       .values(received_at=case.closed_at - timedelta(days=days), version=Case.version + 1))
    db.session.commit()
    db.session.refresh(case)
    return case


def _open(make_case, summary=LEAK, category="邻里"):
    return make_case(Status.IN_MEDIATION, summary=summary, category=category)


def _refs(found):
    return [s.reference for s in found]


def test_similar_closed_cases_best_first_within_related_categories(db, make_case, users):
    same = _closed(make_case, db, users, LEAK, LEAK_RECORD, days=12)
    reworded = _closed(make_case, db, users, "楼上卫生间漏水渗到我家天花板，要求修复", "双方陈述事实")
    related = _closed(make_case, db, users, LEAK, LEAK_RECORD, category="物业")
    unrelated_category = _closed(make_case, db, users, LEAK, LEAK_RECORD, category="劳动争议")
    other_dispute = _closed(make_case, db, users, "邻居饲养狗，夜间噪音影响休息", "背靠背调解，分别做双方思想工作")
    not_closed = _open(make_case)
    query = _open(make_case)

    found = similar_cases(query, user=users["supervisor"])
    refs = _refs(found)
    assert refs[:2] == [same.reference, related.reference]  # same text: the same category first
    assert reworded.reference in refs
    assert unrelated_category.reference not in refs and other_dispute.reference not in refs
    assert not_closed.reference not in refs and query.reference not in refs
    top = found[0]
    assert (top.category, top.outcome, top.amount, top.days_taken) == ("邻里", "agreement_written", Decimal("800"), 12)
    assert top.excerpt == "被申请人赔偿维修费800元"
    assert any("漏水" in phrase for phrase in top.why)
    assert top.score > found[-1].score
    assert len(similar_cases(query, limit=1)) == 1


def test_other_cases_parties_are_masked(db, make_case, users):
    people = [PartyData("欧阳明华", "applicant", "13812345678", "", "徐行镇小庙村88号"),
              PartyData("李四", "respondent", "13900001111", "", "徐行镇小庙村90号")]
    _closed(make_case, db, users, LEAK + "，欧阳明华多次上门", LEAK_RECORD, parties=people,
            agreement="李四向欧阳明华赔偿800元，欧阳明华电话13812345678，地址徐行镇小庙村88号")
    found = similar_cases(_open(make_case), user=users["supervisor"])
    assert len(found) == 1
    shown = found[0].excerpt + " ".join(found[0].why)
    for secret in ("欧阳明华", "李四", "13812345678", "88号"):
        assert secret not in shown
    assert "欧**华" in shown and "138****5678" in shown
    names = {"欧阳", "阳明", "明华"}
    assert not names & set(db.session.scalars(select(SimilarTerm.term)))  # a name is never a term


def test_the_index_follows_closing_and_reopening(db, make_case, users):
    first = _closed(make_case, db, users, LEAK, LEAK_RECORD)
    second = _closed(make_case, db, users, LEAK, LEAK_RECORD)
    query = _open(make_case)
    count = lambda term: db.session.scalar(select(SimilarTermCount.cases).where(SimilarTermCount.term == term))  # noqa: E731
    assert count("") == 2 and count("漏水") == 2
    index_closed_case(first)  # indexing twice changes nothing
    db.session.commit()
    assert count("") == 2 and count("漏水") == 2

    _act(first, Action.REOPEN, users["supervisor"], Payload(reason="协议未履行"))
    unindex_case(first.id)  # where cases/services.py's reopen will call it
    db.session.commit()
    assert count("") == 1 and count("漏水") == 1
    assert not db.session.scalar(select(func.count()).where(SimilarTerm.case_id == first.id))
    assert _refs(similar_cases(query)) == [second.reference]

    unindex_case(second.id)
    db.session.commit()
    assert count("") is None and count("漏水") is None  # rows at zero go
    assert similar_cases(query) == []


def test_a_reopened_case_the_index_missed_is_not_shown(db, make_case, users):
    stale = _closed(make_case, db, users, LEAK, LEAK_RECORD)
    _act(stale, Action.REOPEN, users["supervisor"], Payload(reason="协议未履行"))  # unindex not called
    db.session.commit()
    assert similar_cases(_open(make_case)) == []


def test_links_only_to_cases_the_user_may_see_and_the_card_renders(app, db, make_case, users):
    police = _closed(make_case, db, users, LEAK, LEAK_RECORD, lead="police_station", mediator=None)
    mine = _closed(make_case, db, users, LEAK, LEAK_RECORD + "，物业到场", lead="vc_qianqiao",
                   mediator="village_mediator")
    query = make_case(Status.IN_MEDIATION, summary=LEAK, category="邻里")
    seen = {s.reference: s.visible for s in similar_cases(query, user=users["village_mediator"])}
    assert seen == {police.reference: False, mine.reference: True}  # listed, masked; no way in to the other
    assert all(s.visible for s in similar_cases(query, user=users["supervisor"]))

    with app.test_request_context("/"):
        login_user(users["village_mediator"])
        html = render_template("cases/_similar.html", similar=similar_cases(query, user=users["village_mediator"]))
    assert f'href="/cases/{mine.reference}"' in html
    assert police.reference in html and f'href="/cases/{police.reference}"' not in html
    assert "类案参考" in html and "用时 10 天" in html and "被申请人赔偿维修费800元" in html
    assert "张三" not in html and "13812345678" not in html
    with app.test_request_context("/"):
        empty = render_template("cases/_similar.html", similar=[])
    assert "暂无类似的已结案件" in empty


def test_statement_count_is_fixed(db, make_case, users, count_queries):
    def statements():
        query = db.session.scalars(select(Case).where(Case.status == "in_mediation")).first()
        _ = query.sessions, query.parties
        with count_queries() as seen:
            similar_cases(query, user=users["mediator"])
        return len(seen)

    _closed(make_case, db, users, LEAK, LEAK_RECORD)
    _open(make_case)
    few = statements()
    for n in range(6):
        _closed(make_case, db, users, LEAK, LEAK_RECORD + "，第" + "一二三四五六"[n] + "次")
    assert statements() == few <= 7


def test_rebuild_writes_what_closing_wrote(db, make_case, users, runner, app):
    for n, category in enumerate(("邻里", "物业", "合同")):
        _closed(make_case, db, users, LEAK + "二楼三楼"[n], LEAK_RECORD, category=category)
    _open(make_case)
    snapshot = lambda: (sorted(db.session.execute(select(SimilarTerm.term, SimilarTerm.case_id, SimilarTerm.weight)).all()),  # noqa: E731
                        sorted(db.session.execute(select(SimilarTermCount.term, SimilarTermCount.cases)).all()))
    incremental = snapshot()
    assert rebuild(commit=False) == 3
    assert snapshot() == incremental
    db.session.execute(SimilarTerm.__table__.delete())
    db.session.commit()
    result = runner.invoke(similar_group, ["rebuild", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 closed cases." in result.output
    db.session.expire_all()
    assert snapshot() == incremental
