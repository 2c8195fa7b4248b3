"""The 调解协议书 as paper: one A4 page for up to five clauses with three parties, signatures never
alone on a page; the party table's columns (sex and date of birth read from the ID number, the
stated ethnicity); the count of copies in Chinese numerals."""
from html import unescape

import pytest
from sqlalchemy import select

from mediation.auth.models import AuditEvent

from ..factories import VALID_ID
from .conftest import AGREEMENT_CLAUSES
from .helpers import normalise, page_sizes, page_texts, read_pdf, tables

SIGNATURE_BLOCK = ("申请人（签名）：张三", "被申请人（签名）：李四", "第三人（签名）：王五", "人民调解员（签名）：", "盖章处")


def agreement_pdf(client, case):
    response = client.get(f"/reports/cases/{case.reference}/agreement.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert f'filename="agreement-{case.reference}.pdf"' in response.headers["Content-Disposition"]
    return read_pdf(response.data)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_up_to_five_clauses_fit_one_a4_page_with_the_signatures(n, agreement_case, login, users):
    case = agreement_case(n)
    pdf = agreement_pdf(login(users["supervisor"]), case)
    assert [(round(w), round(h)) for w, h in page_sizes(pdf)] == [(595, 842)], f"{n} clauses"
    text = normalise(page_texts(pdf)[0])
    for clause in AGREEMENT_CLAUSES[:n]:
        assert normalise(clause) in text
    for words in SIGNATURE_BLOCK:
        assert normalise(words) in text, words


def test_a_long_agreement_prints_complete_and_the_signatures_keep_company(agreement_case, login, users):
    """Twelve clauses: more than a page. Every clause is printed, the signature block is whole on one
    page, and that page carries the end of the text too, not the signatures alone."""
    case = agreement_case(12)
    texts = [normalise(t) for t in page_texts(agreement_pdf(login(users["supervisor"]), case))]
    assert len(texts) >= 2
    everything = "".join(texts)
    for number, clause in enumerate(AGREEMENT_CLAUSES * 3, 1):
        if number <= 12:
            assert normalise(f"{number}.") in everything and normalise(clause) in everything
    last = texts[-1]
    assert all(normalise(words) in last for words in SIGNATURE_BLOCK), "the signature block is split"
    assert not any(normalise(words) in page for page in texts[:-1] for words in SIGNATURE_BLOCK)
    assert normalise("第二十九条") in last or normalise("一式四份") in last, "signatures alone on the last page"


def test_the_party_table_has_a_row_a_party_with_sex_birth_and_ethnicity(agreement_case, login, users, db):
    case = agreement_case(3)
    html = unescape(login(users["supervisor"]).get(f"/reports/cases/{case.reference}/agreement").get_data(as_text=True))
    rows = tables(html)["party-table"]
    assert rows[0].cells == ["身份", "姓名", "性别", "民族", "出生日期", "身份证号码", "住址", "联系方式"]
    assert rows[1].cells == ["申请人", "张三", "女", "汉族", "1949年12月31日", VALID_ID,
                             "上海市嘉定区徐行镇小庙村88号3室", "13812345678"]
    # The 15-digit card was widened at intake (19 before the year, a check character): sex and
    # birth read from it as from any other.
    assert rows[2].cells[:6] == ["被申请人", "李四", "男", "回族", "1985年3月12日", case.parties[1].id_number]
    assert case.parties[1].id_number.startswith("31011419850312003") and case.parties[1].id_number_typed == "310114850312003"
    assert rows[3].cells == ["第三人", "王五", "—", "—", "—", "—", "上海市嘉定区徐行镇徐行社区物业服务中心", "021-59591234"]
    assert "本协议书一式四份" in html and "一式4份" not in html
    assert db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "print_personal_data")).all() == [
        {"document": "agreement"}]


def test_a_masked_reader_sees_no_sex_birth_or_ethnicity(agreement_case, login, users):
    case = agreement_case(1)
    html = login(users["viewer"]).get(f"/reports/cases/{case.reference}/agreement").get_data(as_text=True)
    row = tables(html)["party-table"][1]
    assert row.cells[1] == "张*" and row.cells[2:5] == ["**", "**", "**"]
    assert "1949年" not in html and "汉族" not in html and VALID_ID not in html


def test_english_copies_stay_in_digits(agreement_case, login, users):
    case = agreement_case(1)
    html = unescape(login(users["supervisor"]).get(f"/reports/cases/{case.reference}/agreement?lang=en").get_data(as_text=True))
    assert "made in 4 copies" in html
    assert tables(html)["party-table"][0].cells[2:5] == ["Sex", "Ethnicity", "Date of birth"]


def test_the_pdf_is_audited_as_a_pdf_and_follows_the_agreement_rules(agreement_case, make_case, login, users, db):
    case = agreement_case(2)
    agreement_pdf(login(users["mediator"]), case)
    assert db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "print_personal_data")).all() == [
        {"document": "agreement", "format": "pdf"}]
    client = login(users["liaison"])  # not on the case: no agreement, no PDF
    assert client.get(f"/reports/cases/{case.reference}/agreement.pdf").status_code == 404
    open_case = make_case()
    assert login(users["supervisor"]).get(f"/reports/cases/{open_case.reference}/agreement.pdf").status_code == 404
