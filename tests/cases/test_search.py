"""The one search box: a phone in any format, a reference or its tail, an external reference, a
name or two characters of it, a word of the summary; ranked, within the user's scope, masked as
the role requires, in a fixed number of queries; and the terms follow the case's text."""
import pytest
from sqlalchemy import select

from mediation.cases.models import Case, CaseSearchTerm
from mediation.core.lifecycle import Status
from mediation.core.search import case_terms, phone_keys, plan
from mediation.intake.services import PartyData


def _people(name="张伟明", phone="+86 139 0011 2233", other="李四", other_phone="021-5959 1234"):
    return [PartyData(name, "applicant", phone), PartyData(other, "respondent", other_phone)]


def _results(client, q, **args):
    r = client.get("/cases/", query_string={"q": q, "scope": "all", **args})
    assert r.status_code == 200
    return r.get_data(as_text=True)


@pytest.mark.parametrize("written, typed", [
    ("13900112233", "+86 139 0011 2233"), ("+86 139 0011 2233", "139-0011-2233"),
    ("0086 13900112233", "13900112233"), ("021-59591234", "(021) 5959 1234"), ("021-59591234", "59591234"),
])
def test_a_phone_is_found_however_it_is_written(written, typed):
    assert phone_keys(written) & phone_keys(typed)


def test_the_checkers_can_fail():
    assert not phone_keys("12345")  # too short to be a phone
    assert plan("张") == []  # one character alone is no search
    assert "n:张伟" in case_terms("XH-2026-000001", None, ["张伟明"], [], "")
    assert "n:张明" not in case_terms("XH-2026-000001", None, ["张伟明"], [], "")


def test_search_finds_by_every_kind_of_term(client, db, users, login, make_case):
    target = make_case(Status.IN_MEDIATION, parties=_people(), category="房屋宅基地",
                       summary="宅基地边界纠纷，双方对围墙位置有争议")
    make_case(Status.IN_MEDIATION, parties=_people("王芳", "13600000000", "赵六", "13700000000"))
    login(users["supervisor"])
    tail = target.reference.rsplit("-", 1)[1]  # e.g. 000001
    for q in ("+86 139-0011-2233", "13900112233", "59591234", "021 5959 1234", target.reference, tail,
              target.external_ref, "张伟", "伟明", "张伟明", "宅基地", "围墙"):
        page = _results(client, q)
        assert target.reference in page, q
    assert target.reference not in _results(client, "王芳")
    assert target.reference not in _results(client, "宅基地", status="closed")  # filters narrow a search


def test_results_are_ranked_identifiers_first(client, db, users, login, make_case):
    by_summary = make_case(Status.IN_MEDIATION, parties=_people("陈一", "13600000001", "陈二", ""),
                           summary="张伟家的狗咬伤了邻居")
    by_name = make_case(Status.IN_MEDIATION, parties=_people("张伟", "13600000002", "孙七", ""))
    login(users["supervisor"])
    page = _results(client, "张伟")
    assert page.index(by_name.reference) < page.index(by_summary.reference)


def test_search_stays_within_scope_and_masks(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION, lead="police_station", co=(), mediator=None,
                     parties=_people("钱多多", "13911112222"), summary="钱多多说他的电话是13911112222")
    login(users["village_mediator"])  # another office's mediator: not theirs to see
    assert case.reference not in _results(client, "钱多多")
    login(users["viewer"])
    rows = _results(client, "13911112222").split('class="list-group', 1)[1]  # the results, not the typed query
    assert case.reference in rows and "13911112222" not in rows and "139****2222" in rows


def test_terms_follow_the_case(db, make_case, users):
    merged = make_case(Status.MERGED, parties=_people("周八", "13500000008"))
    survivor = db.session.get(Case, merged.merged_into_id)
    terms = set(db.session.scalars(select(CaseSearchTerm.term).where(CaseSearchTerm.case_id == survivor.id)))
    assert "n:周八" in terms and "p:13500000008" in terms  # the survivor absorbed the merged case's parties


def test_search_query_count_is_fixed(client, db, users, login, make_case, count_queries):
    login(users["supervisor"])

    def queries(q):
        with count_queries() as statements:
            _results(client, q)
        return len(statements)

    for _ in range(3):
        make_case(Status.IN_MEDIATION, parties=_people())
    few = [queries(q) for q in ("张伟", "13900112233", "宅基地")]
    for _ in range(30):
        make_case(Status.IN_MEDIATION, parties=_people())
    assert [queries(q) for q in ("张伟", "13900112233", "宅基地")] == few


def test_the_top_bar_has_the_search_box(client, users, login):
    login(users["mediator"])
    page = client.get("/cases/").get_data(as_text=True)
    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert 'name="q"' in nav and 'role="search"' in nav
