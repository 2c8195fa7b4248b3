"""进度查询: the public progress lookup, through the app (test client, real database)."""
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import segno
from flask import render_template_string
from sqlalchemy import select

from mediation.auth import audit
from mediation.auth.models import AuditEvent, ThrottleHit
from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.intake.services import PartyData
from mediation.lookup.matching import normal_reference, phone_tail
from mediation.lookup.qr import progress_qr_svg
from tests.factories import VALID_ID
from tests.test_chinese_everywhere import findings_of


URL = "/progress/"
APPLICANT_DIGITS, RESPONDENT_DIGITS = "5678", "1111"  # tests/factories.py: 13812345678, 13900001111
# What the factory's cases hold about people: none of it may reach the page.
PERSONAL = ("张三", "李四", "13812345678", "13900001111", "138****5678", "139****1111", VALID_ID,
            "徐行镇小庙村88号", "徐行镇小庙村90号", "邻居噪音纠纷")
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"|value="[^"]*" name="csrf_token"|'
                        r'id="csrf_token" name="csrf_token" type="hidden" value="[^"]*"')


def ask(client, reference, digits, ip="203.0.113.10", **data):
    return client.post(URL, data={"reference": reference, "digits": digits, **data},
                       environ_base={"REMOTE_ADDR": ip})


def text_of(response) -> str:
    return response.get_data(as_text=True)


def lookups(db):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("progress_lookup%"))
                              .order_by(AuditEvent.seq)).all()


def test_the_page_is_public_chinese_and_not_cached(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = text_of(response)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'inputmode="numeric"' in html
    assert "查询案件办理进度" in html and "电话号码后四位" in html
    assert findings_of(URL, html) == []


def test_right_reference_and_digits_show_stage_office_and_next_step_and_nothing_personal(client, make_case, users, db):
    case = make_case(Status.IN_MEDIATION)
    reference, conclude_by, reply_by = case.reference, case.conclude_by, case.reply_by
    mediator = users["mediator"].display_name
    assert case.next_stage == "reply"  # a 12345 order: its reply is due before mediation concludes

    for digits in (APPLICANT_DIGITS, RESPONDENT_DIGITS):  # either party's number
        response = ask(client, reference, digits)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        html = text_of(response)
        assert 'id="progress-status">调解中<' in html
        assert 'id="progress-office">徐行镇司法所<' in html
        day = lambda at: f"{at.astimezone(SH).year}年{at.astimezone(SH).month}月{at.astimezone(SH).day}日"  # noqa: E731
        assert f"将于{day(reply_by)}前向12345热线反馈办理情况。" in html
        assert f"调解预计于{day(conclude_by)}前办结。" in html
        for secret in (*PERSONAL, mediator):
            assert secret not in html, secret
        assert findings_of(URL, html) == []


def test_a_wrong_reference_and_wrong_digits_answer_the_same_after_the_same_queries(app, client, make_case, db,
                                                                                  count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    case = make_case(Status.IN_MEDIATION)
    reference = case.reference
    db.session.rollback()

    def token():
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text_of(client.get(URL))).group(1)

    assert ask(client, reference, APPLICANT_DIGITS).status_code == 400  # no CSRF token: refused
    answers, statements = [], []
    for tried, digits in ((reference, "0000"), ("XH-2026-999999", APPLICANT_DIGITS), (reference, "0000")):
        csrf = token()
        with count_queries() as queries:
            response = ask(client, tried, digits, csrf_token=csrf)
        answers.append((response.status_code, CSRF_FIELD.sub("", text_of(response))))
        statements.append(queries)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    assert "未找到与该案件编号和号码后四位相符的案件" in answers[0][1]
    assert reference not in answers[0][1] and "999999" not in answers[0][1]  # the form is emptied
    assert statements[0] == statements[1], "a wrong reference must cost the database what wrong digits do"
    assert ask(client, reference, APPLICANT_DIGITS, csrf_token=token()).status_code == 200


def test_rate_limited_per_address(app, client, make_case, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_ADDRESS_MAX_FAILURES", 3)
    case = make_case(Status.ACCEPTED)
    reference = case.reference
    for n in range(5):  # successful lookups are not counted
        assert ask(client, reference, APPLICANT_DIGITS, ip="198.51.100.1").status_code == 200
    for n in range(3):  # three different references: only the address's bucket fills
        assert ask(client, f"XH-2026-90000{n}", "0000", ip="198.51.100.1").status_code == 200
    refused = ask(client, reference, APPLICANT_DIGITS, ip="198.51.100.1")  # right digits, still refused
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(15 * 60)
    assert refused.headers["Cache-Control"] == "no-store"
    assert "查询次数过多，请15分钟后再试" in text_of(refused)
    assert 'id="progress-result"' not in text_of(refused)
    assert findings_of(URL, text_of(refused)) == []
    assert ask(client, reference, APPLICANT_DIGITS, ip="198.51.100.2").status_code == 200  # another address


def test_rate_limited_per_reference_whoever_asks(app, client, make_case, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_REFERENCE_MAX_FAILURES", 2)
    first, second = make_case(Status.ACCEPTED), make_case(Status.ACCEPTED)
    reference, other = first.reference, second.reference
    for n, ref in enumerate((reference, reference, "XH-2026-999999", "XH-2026-999999")):
        assert ask(client, ref, "0000", ip=f"192.0.2.{n + 1}").status_code == 200
    assert ask(client, reference, APPLICANT_DIGITS, ip="192.0.2.50").status_code == 429
    # A reference that does not exist is held back the same way: the limit tells nothing either.
    unknown = ask(client, "XH-2026-999999", APPLICANT_DIGITS, ip="192.0.2.51")
    assert unknown.status_code == 429
    assert text_of(unknown) == text_of(ask(client, reference, APPLICANT_DIGITS, ip="192.0.2.52"))
    assert ask(client, other, APPLICANT_DIGITS, ip="192.0.2.53").status_code == 200
    # The counter is the database's (auth.throttle), so it holds across workers.
    keys = set(db.session.scalars(select(ThrottleHit.key)))
    assert f"lookup-ref:{reference}" in keys and "lookup-addr:192.0.2.1" in keys


def test_every_lookup_is_audited_without_the_digits(app, client, make_case, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOOKUP_REFERENCE_MAX_FAILURES", 1)
    case = make_case(Status.ACCEPTED)
    reference = case.reference
    ask(client, reference, APPLICANT_DIGITS, ip="203.0.113.7")
    ask(client, "xh-2026-777777", "4321", ip="203.0.113.8")
    ask(client, reference, "9876", ip="203.0.113.9")
    ask(client, reference, "2468", ip="203.0.113.9")  # over the reference's limit
    rows = lookups(db)
    assert [(r.action, r.success, r.ip, r.object_id, r.user_id) for r in rows] == [
        ("progress_lookup", True, "203.0.113.7", reference, None),
        ("progress_lookup", False, "203.0.113.8", "XH-2026-777777", None),
        ("progress_lookup", False, "203.0.113.9", reference, None),
        ("progress_lookup_throttled", False, "203.0.113.9", reference, None),
    ]
    assert [r.details.get("found") for r in rows[:3]] == [True, False, False]
    assert [r.details.get("reference_known") for r in rows[:3]] == [True, False, True]
    assert rows[3].details["bucket"] == "reference"
    for row, digits in zip(rows, (APPLICANT_DIGITS, "4321", "9876", "2468")):
        stored = f"{row.object_id} {row.details} {row.object_type} {row.action}"
        assert digits not in stored
    assert audit.verify().ok


def test_bad_input_is_a_field_message_not_a_lookup(client, db):
    response = ask(client, "", "12")
    assert response.status_code == 422
    html = text_of(response)
    assert "请填写电话号码的后四位数字" in html
    assert findings_of(URL, html) == []
    assert ask(client, "XH-2026-000001", "１２ab").status_code == 422
    assert ask(client, "<script>", "1234").status_code == 422
    assert ask(client, "X" * 200, "1234").status_code == 422
    assert lookups(db) == []


def test_the_reference_may_be_typed_loosely(client, make_case):
    case = make_case(Status.REGISTERED)
    number = case.reference.split("-")[-1]
    for typed in (case.reference.lower(), case.reference.replace("-", ""), f" XH－2026－{number} ",
                  case.reference.replace("-", " — ")):
        response = ask(client, typed, "５６７８")  # full-width digits as some keyboards send them
        assert response.status_code == 200, typed
        assert 'id="progress-status">已登记，等待受理<' in text_of(response)
    assert normal_reference("XH-2026-000123") == normal_reference("xh2026000123") == "XH-2026-000123"


def test_landline_parties_and_an_old_id_card(client, make_case):
    old_id = "110105491231002"  # a 15-digit card; its last four must not open the case
    case = make_case(Status.ACCEPTED, parties=[
        PartyData("王五", "applicant", "021-5959 1234", old_id, "徐行镇钱桥村1号"),
        PartyData("赵六", "respondent", "(0512)6666 8888转123", "", ""),
        PartyData("钱七", "third_party", "59597777", "", "")])
    assert [p.phone for p in case.parties] == ["021-59591234", "0512-66668888-123", "59597777"]
    reference = case.reference
    for digits in ("1234", "8888", "7777"):
        response = ask(client, reference, digits)
        assert 'id="progress-result"' in text_of(response), digits
        for secret in ("王五", "赵六", "钱七", "5959", "6666", old_id, "钱桥村1号"):
            assert secret not in text_of(response)
    for digits in ("1002", "0123", "8123", "0512"):  # the ID's tail, the extension, an area code
        assert 'id="progress-not-found"' in text_of(ask(client, reference, digits)), digits
    assert phone_tail("0512-66668888-123") == "8888" and phone_tail("59591234-12") == "1234"
    assert phone_tail("13800138000") == "8000" and phone_tail(None) is None


def test_a_merged_case_shows_the_surviving_cases_stage(client, make_case, db):
    merged = make_case(Status.MERGED)
    survivor = merged.merged_into
    assert survivor.status == Status.ACCEPTED
    reference, survivor_ref = merged.reference, survivor.reference
    office = (survivor.lead_office or survivor.intake_office).name
    html = text_of(ask(client, reference, APPLICANT_DIGITS))
    assert f"您的案件{reference}已与案件{survivor_ref}合并办理" in html
    assert 'id="progress-status">已受理<' in html
    assert f'id="progress-office">{office}' in html
    assert "已并案办理" not in html  # the survivor's stage, not the merged case's
    for secret in PERSONAL:
        assert secret not in html
    assert findings_of(URL, html) == []


def test_a_closed_case_reads_concluded_with_its_outcome(client, make_case):
    case = make_case(Status.CLOSED)
    reference = case.reference
    html = text_of(ask(client, reference, RESPONDENT_DIGITS))
    assert 'id="progress-status">已办结<' in html
    assert "双方已达成书面调解协议。" in html
    assert "工作人员将于" in html and "回访，了解协议履行情况" in html
    assert "如需司法确认，双方可于" in html
    assert "赔偿500元" not in html and "七日内付清" not in html  # the agreement's terms stay in the file
    archived = make_case(Status.ARCHIVED)
    html = text_of(ask(client, archived.reference, APPLICANT_DIGITS))
    assert 'id="progress-status">已办结<' in html and "本案已办结，没有后续安排。" in html


def test_a_signed_in_user_sees_the_same_page(client, login, users, make_case):
    case = make_case(Status.IN_MEDIATION)
    login(users["viewer"])
    assert client.get(URL).status_code == 200
    assert 'id="progress-office">徐行镇司法所<' in text_of(ask(client, case.reference, APPLICANT_DIGITS))


# -- the QR code for the acknowledgement ------------------------------------------------------

def _modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules a segno SVG path draws (M x y+.5, h n, m dx dy; scale() applied)."""
    path = next(p for p in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}path") if p.get("stroke"))
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path.get("d")):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(x) + i, int(y)) for i in range(int(a)))
            x += int(a)
    return dark


def test_the_qr_code_encodes_the_url_as_inline_svg():
    url = "https://tiaojie.example.gov.cn/progress/"
    svg = str(progress_qr_svg(url, border=4))
    assert svg.startswith("<svg") and "style" not in svg and "<script" not in svg  # the CSP allows neither
    matrix = segno.make(url, error="m", micro=False).matrix
    expected = {(x + 4, y + 4) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
    assert _modules(svg) == expected
    assert _modules(str(progress_qr_svg("https://other.example/progress/"))) != expected


def test_the_receipt_macro_prints_the_absolute_lookup_url(app, monkeypatch):
    template = '{% from "lookup/_qr.html" import progress_qr %}{{ progress_qr() }}'
    with app.test_request_context("/cases/XH-2026-000001", base_url="http://10.0.0.5:8000"):
        html = render_template_string(template)
    assert "http://10.0.0.5:8000/progress/" in html and "<svg" in html  # no setting: this request's address
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://tiaojie.example.gov.cn/")
    with app.test_request_context("/cases/XH-2026-000001", base_url="http://10.0.0.5:8000"):
        html = render_template_string(template)
    assert "https://tiaojie.example.gov.cn/progress/" in html and "10.0.0.5" not in html
    assert "扫码查询办理进度" in html
    assert _modules(html[html.index("<svg"):html.index("</svg>") + 6]) == _modules(
        str(progress_qr_svg("https://tiaojie.example.gov.cn/progress/", scale=3)))


SH = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
