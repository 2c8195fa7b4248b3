"""Phone and ID numbers as they come (issue #11 item 1), through each way in: the registration
form, the channel API and a spreadsheet import. Each takes every format of core.contact's table,
stores the normal form (which duplicates, risk and search match on) beside what was typed, and
refuses a bad number with a message naming the field."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from mediation.cases.models import Case, Party

from ..api.conftest import hotline, make_token, submission  # noqa: F401 (the API's token fixtures)

# (typed, normal): the formats of tests/core/test_contact.py
PHONES = [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("+8613800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("+86-138-0013-8000", "13800138000"),
    ("0086 13800138000", "13800138000"), ("8613800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"), ("＋８６ １３８００１３８０００", "13800138000"),
    ("021-59591234", "021-59591234"), ("02159591234", "021-59591234"), ("(021) 5959 1234", "021-59591234"),
    ("（021）59591234", "021-59591234"), ("010-6512 3456", "010-65123456"), ("0512-6666 8888", "0512-66668888"),
    ("0512-6666888", "0512-6666888"), ("021-59591234-123", "021-59591234-123"),
    ("021-59591234转123", "021-59591234-123"), ("021 5959 1234 ext. 8", "021-59591234-8"),
    ("+86 21 5959 1234", "021-59591234"), ("+86 512 6666 8888", "0512-66668888"),
    ("59591234", "59591234"), ("5959 1234", "59591234"),
]
IDS = [
    ("11010519491231002X", "11010519491231002X"), ("11010519491231002x", "11010519491231002X"),
    ("110105 19491231 002X", "11010519491231002X"), ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
    ("110105491231002", "11010519491231002X"),  # the same person's 15-digit card
    ("310114500315123", "310114195003151234"),  # widened: 19 before the year, check digit computed
]
# Every phone format once, each with one of the ID formats (every ID format several times).
FORMATS = [(phone, IDS[i % len(IDS)]) for i, phone in enumerate(PHONES)]
FORMAT_IDS = [typed for (typed, _), _id in FORMATS]

BAD_PHONE, PHONE_PROBLEM = "021-123", "A landline has an area code (e.g. 021) and a 7- or 8-digit number."
BAD_ID, ID_PROBLEM = "110105491331002", "The date of birth in the ID number is not a real date."  # month 13
PHONE_PROBLEM_ZH = "固定电话应为区号（如021）加7位或8位号码。"
ID_PROBLEM_ZH = "身份证号码中的出生日期无效。"


def _stored(db, external_ref: str) -> tuple:
    db.session.rollback()  # the views commit in their own session
    party = db.session.scalars(select(Party).join(Case).where(Case.external_ref == external_ref)
                               .where(Party.role == "applicant")).one()
    return party.phone, party.phone_typed, party.id_number, party.id_number_typed


def _cases(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Case))


# --------------------------------------------------------------------------------------------
# The registration form
# --------------------------------------------------------------------------------------------

def _form(town, ref="GD2026112600001", phone="", id_number="", name="孙七", **more):
    return {"channel": "hotline_12345", "external_ref": ref, "received_at": "2026-11-26T08:15",
            "category": "物业", "summary": "小区物业停车收费争议", "village": town["villages"]["qianqiao"].id,
            "address": "钱桥村5组", "parties-0-name": name, "parties-0-role": "applicant",
            "parties-0-phone": phone, "parties-0-id_number": id_number,
            "parties-1-name": "", "parties-1-role": "respondent", **more}


@pytest.mark.parametrize("phone, id_number", FORMATS, ids=FORMAT_IDS)
def test_the_form_takes_each_format_and_keeps_both_forms(client, db, town, users, login, phone, id_number):
    login(users["mediator"])
    r = client.post("/intake/register", data=_form(town, phone=phone[0], id_number=id_number[0]))
    assert r.status_code == 303, r.get_data(as_text=True)
    assert _stored(db, "GD2026112600001") == (phone[1], phone[0], id_number[1], id_number[0])


def _field_error(page: str, field: str) -> tuple[str, str]:
    """(the field's label, the error shown under it) on a rendered form."""
    label = re.search(rf'<label[^>]*for="{field}"[^>]*>([^<]*)</label>', page)
    error = re.search(rf'<input[^>]*name="{field}"[^>]*>\s*<div class="invalid-feedback[^"]*"[^>]*>([^<]*)</div>',
                      page)
    assert label and error, page
    return label.group(1).strip(), error.group(1).strip()


def test_the_form_refuses_a_bad_number_in_chinese_under_its_field(client, db, town, users, login):
    login(users["mediator"])
    r = client.post("/intake/register", data=_form(town, phone=BAD_PHONE, id_number=BAD_ID))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert _field_error(page, "parties-0-phone") == ("联系电话", PHONE_PROBLEM_ZH)
    assert _field_error(page, "parties-0-id_number") == ("身份证号码", ID_PROBLEM_ZH)
    assert _cases(db) == 0


def test_the_same_person_in_two_formats_is_suggested_as_a_duplicate(client, db, town, users, login):
    """Matching is on the normal form: +86 138… and 138-… are one phone, a 15-digit card and its
    18-character number are one person."""
    login(users["mediator"])
    for ref, name, phone, id_number in (("GD1", "孙七", "+86 138 0013 8000", "110105491231002"),
                                        ("GD2", "周八", "138-0013-8000", ""),
                                        ("GD3", "吴九", "", "11010519491231002X"),
                                        ("GD4", "郑十", "139 0000 1111", "")):
        assert client.post("/intake/register", data=_form(town, ref, phone, id_number, name)).status_code == 303
    references = dict(db.session.execute(select(Case.external_ref, Case.reference)).all())
    login(users["supervisor"])

    def suggestions(ref):
        page = client.get(f"/cases/{references[ref]}?lang=en").get_data(as_text=True)
        return page[page.index("Possible duplicates"):] if "Possible duplicates" in page else ""

    assert references["GD1"] in suggestions("GD2") and "same phone" in suggestions("GD2")
    assert references["GD1"] in suggestions("GD3") and "same ID number" in suggestions("GD3")
    assert references["GD1"] not in suggestions("GD4")


def test_sex_and_birth_date_from_a_15_digit_card_on_the_revealed_case_page(client, db, town, users, login):
    login(users["mediator"])
    assert client.post("/intake/register", data=_form(town, phone="021-59591234", id_number="110105491231002"),
                       ).status_code == 303
    reference = db.session.scalar(select(Case.reference))
    login(users["supervisor"])
    masked = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "party-sex" not in masked and "1949-12-31" not in masked and "021****1234" in masked
    page = client.post(f"/cases/{reference}/reveal").get_data(as_text=True)
    assert '联系电话: <span class="party-phone">021-59591234</span>' in page
    assert '<span class="party-id">11010519491231002X</span>' in page
    assert '性别: <span class="party-sex">女</span>' in page  # sequence 002: even
    assert '出生日期: <span class="party-birth">1949-12-31</span>' in page


# --------------------------------------------------------------------------------------------
# The channel API
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("phone, id_number", FORMATS, ids=FORMAT_IDS)
def test_the_api_takes_each_format_and_keeps_both_forms(client, db, town, hotline, phone, id_number):
    r = client.post("/api/v1/cases", headers=hotline, json=submission(
        "GD1", parties=[{"name": "张三", "role": "applicant", "phone": phone[0], "id_number": id_number[0]}]))
    assert r.status_code == 201, r.get_json()
    assert _stored(db, "GD1") == (phone[1], phone[0], id_number[1], id_number[0])


def test_the_api_refuses_a_bad_number_naming_its_field(client, db, town, hotline):
    """The API answers in English, as all its messages; the path names the field."""
    r = client.post("/api/v1/cases", headers=hotline, json=submission(parties=[
        {"name": "张三", "role": "applicant", "phone": BAD_PHONE},
        {"name": "李四", "role": "respondent", "phone": "021-59591234", "id_number": BAD_ID}]))
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"parties[0].phone": PHONE_PROBLEM, "parties[1].id_number": ID_PROBLEM}
    assert _cases(db) == 0


def test_the_api_refuses_a_number_too_long_to_keep(client, db, town, hotline):
    r = client.post("/api/v1/cases", headers=hotline, json=submission(parties=[
        {"name": "张三", "role": "applicant", "phone": "138 0013 8000" + " " * 30}]))
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["parties[0].phone"]


# --------------------------------------------------------------------------------------------
# A spreadsheet import
# --------------------------------------------------------------------------------------------

HEADERS = ["工单编号", "来电时间", "诉求内容", "联系人", "联系电话", "身份证号码"]


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(HEADERS)
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(client, rows, lang="en"):
    r = client.post(f"/intake/import/?lang={lang}", content_type="multipart/form-data", data={
        "channel": "hotline_12345", "file": (io.BytesIO(_xlsx(rows)), "工单导出.xlsx")})
    assert r.status_code == 303, r.get_data(as_text=True)
    return r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_an_import_takes_each_format_and_keeps_both_forms(client, db, town, users, login):
    login(users["mediator"])
    rows = [[f"GD{n:03d}", "2026-11-20 09:30", "噪音扰民", "张三", phone, id_number]
            for n, (phone, (id_number, _)) in enumerate(((p, i) for (p, _), i in FORMATS))]
    # Saved as numbers by a spreadsheet: the landline has lost its leading 0, a 15-digit ID is whole.
    rows += [["GD900", "2026-11-20 09:30", "噪音扰民", "张三", 2159591234, 110105491231002]]
    batch = _import(client, rows)
    preview = client.get(f"/intake/import/{batch}?lang=en").get_data(as_text=True)
    assert "25 cases will be registered" in preview, preview
    assert client.post(f"/intake/import/{batch}/confirm?lang=en").status_code == 303
    for n, (phone, id_number) in enumerate(FORMATS):
        assert _stored(db, f"GD{n:03d}") == (phone[1], phone[0], id_number[1], id_number[0]), phone[0]
    assert _stored(db, "GD900") == ("021-59591234", "02159591234", "11010519491231002X", "110105491231002")


def test_an_import_refuses_a_bad_number_in_chinese_naming_it(client, db, town, users, login):
    login(users["mediator"])
    batch = _import(client, [["GD1", "2026-11-20 09:30", "噪音扰民", "张三", BAD_PHONE, ""],
                             ["GD2", "2026-11-20 09:30", "噪音扰民", "李四", "021-59591234", BAD_ID],
                             ["GD3", "2026-11-20 09:30", "噪音扰民", "王五", "", 110105194912310020]], lang="zh")
    page = client.get(f"/intake/import/{batch}").get_data(as_text=True)
    assert f"电话号码 {BAD_PHONE} 未能录入：{PHONE_PROBLEM_ZH}" in page
    assert f"身份证号码 {BAD_ID} 未能录入：{ID_PROBLEM_ZH}" in page
    # an 18-digit ID stored as a number keeps 15 significant digits: refused, saying why
    assert "在文件中保存为数字，末几位已丢失" in page
    assert page.count('class="table-danger"') == 3
