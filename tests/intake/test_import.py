"""Spreadsheet import: upload -> preview (bad rows and why, nothing written) -> confirm in one
transaction; re-imports skip what is already in the system; hostile files refused, never a 500.

Files are built in the tests: openpyxl workbooks, CSV in GBK and UTF-8 with BOM, and crafted
zips for the zip-bomb and XML-entity cases."""
import html
import io
import json
import zipfile
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select

from mediation.auth.models import AuditEvent
from mediation.cases.models import Case, Party, ReferenceCounter, TimelineEvent
from mediation.core.errors import DomainError
from mediation.core import cells
from mediation.intake import files, import_views, rows as import_rows
from mediation.intake.models import ImportBatch
from mediation.db import utcnow
from mediation.organisation.town import current_town

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/intake/import/"

# A 12345 export: 诉求类型 is the work-order type (投诉, 求助, ...), not the dispute category, which the
# keyword rules find in 诉求内容 (tests/intake/conftest.py loads the default rules).
HEADERS_12345 = ["工单编号", "来电时间", "诉求内容", "联系人", "联系电话", "事发地址", "所属村居", "诉求类型",
                 "办结时限", "承办单位"]
GOOD_ROWS = [
    ["GD202611200001", "2026-11-20 09:30", "楼上装修噪音扰民", "张三", "13812345678", "徐行镇小庙村88号",
     "小庙村", "投诉", "2026-11-25 17:00", "徐行镇"],
    ["GD202611200002", "2026/11/20 9:45", "物业费收取争议", "李四", "139 0000 1111", "钱桥村5组",
     "钱桥", "求助", "2026-11-27", "徐行镇"],
    ["GD202611200003", datetime(2026, 11, 21, 14, 5), "拖欠三个月工资", "王五", "", "徐行镇小庙村工业园",
     "", "投诉", "", "徐行镇"],
]
BAD_ROWS = [  # spreadsheet rows 5 to 9 when written after the header and GOOD_ROWS
    ["GD202611200004", "2026-11-21 10:00", "", "赵六", "", "", "", "投诉", "", ""],
    ["GD202611200005", "2026-11-21 10:00", "宠物扰民", "孙七", "12345", "", "", "投诉", "", ""],
    ["GD202611200006", "2099-01-01 00:00", "未来的来电", "周八", "", "", "", "", "", ""],
    ["GD202611200007", "昨天下午", "说不清时间", "吴九", "", "", "", "", "", ""],
    ["GD202611200002", "2026-11-22 08:00", "重复的工单", "郑十", "", "", "", "", "", ""],
]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def xlsx(rows, headers=HEADERS_12345, title=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, headers, encoding="utf-8-sig") -> bytes:
    def cell(v):
        v = str(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v
    lines = [",".join(cell(v) for v in r) for r in [headers, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, content: bytes, filename="工单导出.xlsx", channel="hotline_12345"):
    return client.post(URL + "?lang=en", data={"channel": channel, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def batch_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(db, model=Case, *where) -> int:
    db.session.rollback()  # the views commit in their own session; read fresh
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def get_batch(db, batch_id) -> ImportBatch:
    db.session.rollback()
    return db.session.get(ImportBatch, batch_id)


def case_by_ref(db, ref, channel="hotline_12345") -> Case:
    db.session.rollback()
    return db.session.scalars(select(Case).where(Case.channel == channel, Case.external_ref == ref)).one()


def confirm(client, batch_id):
    return client.post(f"{URL}{batch_id}/confirm?lang=en")


# --------------------------------------------------------------------------------------------
# Upload, preview, confirm
# --------------------------------------------------------------------------------------------

def test_preview_lists_bad_rows_with_reasons_and_writes_nothing(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS + BAD_ROWS)))
    assert count(db) == 0 and count(db, Party) == 0 and count(db, TimelineEvent) == 0

    r = client.get(f"{URL}{batch_id}?lang=en")
    assert r.status_code == 200
    page = text(r)
    assert "3 cases will be registered, 0 rows are already in the system and will be skipped, " \
           "5 rows are refused." in page
    assert "What the dispute is about is missing." in page
    assert "The phone number 12345 was not taken: A mobile number has 11 digits" in page
    assert "The received time 2099-01-01 00:00 is in the future." in page
    assert "The received time 昨天下午 is not a date and time." in page
    assert "Same channel reference as row 3; only the first is imported." in page
    assert "Ignored columns: 承办单位" in page

    batch = get_batch(db, batch_id)
    assert batch.status == "preview" and batch.created_by_id == users["mediator"].id
    by_row = {r["row"]: r for r in batch.rows}
    assert [n for n, r in by_row.items() if r["status"] == "ok"] == [2, 3, 4]  # header is row 1
    assert [n for n, r in by_row.items() if r["status"] == "error"] == [5, 6, 7, 8, 9]
    assert by_row[2]["data"]["received_at"] == "2026-11-20T09:30:00+08:00"  # JSON: ISO strings


def test_confirm_registers_the_good_rows_with_their_fields(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS + BAD_ROWS)))
    r = confirm(client, batch_id)
    assert r.status_code == 303
    assert count(db) == 3

    noise = case_by_ref(db, "GD202611200001")
    assert noise.channel == "hotline_12345"
    assert noise.received_at == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)  # 09:30 in Shanghai
    assert noise.category == "邻里"  # the keyword 装修 in 诉求内容
    assert noise.village_id == town["villages"]["xiaomiao"].id
    assert noise.address == "徐行镇小庙村88号"
    assert noise.summary == "楼上装修噪音扰民"
    assert noise.channel_due_at == datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    assert noise.details["work_order_type"] == "投诉" and "channel_category" not in noise.details
    assert noise.details["import_batch"] == batch_id and noise.details["import_row"] == 2
    assert noise.registered_by_id == users["mediator"].id
    assert noise.status == "registered" and noise.reference.startswith("XH-")
    [party] = noise.parties
    assert (party.name, party.role, party.phone) == ("张三", "applicant", "13812345678")

    fee = case_by_ref(db, "GD202611200002")
    assert fee.category == "物业" and fee.village_id == town["villages"]["qianqiao"].id
    assert fee.parties[0].phone == "13900001111"
    assert fee.channel_due_at == datetime(2026, 11, 27, 23, 59, 59, tzinfo=SHANGHAI)  # a date: end of day

    wages = case_by_ref(db, "GD202611200003")
    assert wages.category == "劳动争议"
    assert wages.received_at == datetime(2026, 11, 21, 14, 5, tzinfo=SHANGHAI)  # an Excel date cell
    assert wages.village_id == town["villages"]["xiaomiao"].id  # found in the address
    assert wages.parties[0].phone is None and wages.channel_due_at is None

    batch = get_batch(db, batch_id)
    assert batch.status == "confirmed"
    assert sorted(c["external_ref"] for c in batch.result["created"]) == [
        "GD202611200001", "GD202611200002", "GD202611200003"]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert audit.object_type == "import_batch" and audit.object_id == str(batch_id)
    assert audit.details["created"] == 3 and audit.user_id == users["mediator"].id

    page = text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "Imported: 3 cases registered, 0 skipped as already in the system, 5 rows refused." in page
    assert noise.reference in page


def test_a_12345_consultation_gets_one_working_day_to_answer_the_channel(client, db, town, users, login):
    """诉求类型 goes to Case.details["work_order_type"], the key the reply deadline reads: a
    consultation (咨询) is answered within 1 working day, other work orders within 5."""
    login(users["mediator"])
    received = datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)  # the eve of National Day: holidays count
    rows = [["Z1", "2026-09-30 09:00", "咨询宅基地翻建政策", "甲", "", "", "", "咨询", "", ""],
            ["T1", "2026-09-30 09:00", "邻居楼道堆物", "乙", "", "", "", "投诉", "", ""]]
    assert confirm(client, batch_id_of(upload(client, xlsx(rows)))).status_code == 303
    consultation, complaint = case_by_ref(db, "Z1"), case_by_ref(db, "T1")
    assert consultation.details["work_order_type"] == "咨询" and "order_type" not in consultation.details
    assert complaint.details["work_order_type"] == "投诉"

    calendar = current_town().calendar
    one_day, _known = calendar.add_working_days(received.date(), 1)
    five_days, _known = calendar.add_working_days(received.date(), 5)
    assert one_day < five_days
    assert consultation.reply_by.astimezone(SHANGHAI).date() == one_day
    assert complaint.reply_by.astimezone(SHANGHAI).date() == five_days
    assert consultation.reply_by.astimezone(SHANGHAI).time() == time(23, 59, 59)  # the end of that day


def test_confirming_twice_does_nothing_new(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    assert confirm(client, batch_id).status_code == 303
    r = confirm(client, batch_id)
    assert r.status_code == 303
    assert "already confirmed" in text(client.get(r.headers["Location"]))
    assert count(db) == 3
    assert count(db, AuditEvent, AuditEvent.action == "import") == 1


def test_reimport_of_the_same_file_skips_existing_rows(client, db, town, users, login):
    login(users["mediator"])
    content = xlsx(GOOD_ROWS)
    assert confirm(client, batch_id_of(upload(client, content))).status_code == 303
    first = case_by_ref(db, "GD202611200001").reference

    extra = ["GD202611200099", "2026-11-23 11:00", "新的来电", "钱一", "", "", "", "建议", "", ""]
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS + [extra])))
    page = text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "1 cases will be registered, 3 rows are already in the system and will be skipped" in page
    assert f"Already in the system as {first}; will be skipped." in page

    confirm(client, batch_id)
    assert count(db) == 4
    batch = get_batch(db, batch_id)
    assert [c["external_ref"] for c in batch.result["created"]] == ["GD202611200099"]
    assert len(batch.result["skipped"]) == 3


def test_same_reference_on_another_channel_is_not_a_duplicate(client, db, town, users, login):
    login(users["mediator"])
    confirm(client, batch_id_of(upload(client, xlsx(GOOD_ROWS))))
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS), channel="grid_patrol"))
    confirm(client, batch_id)
    assert count(db) == 6
    assert count(db, Case, Case.channel == "grid_patrol") == 3


def test_rows_registered_after_the_preview_are_skipped_at_confirmation(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    # meanwhile the same work order arrives another way (API, manual registration)
    client.post("/intake/register", data={
        "channel": "hotline_12345", "external_ref": "GD202611200002", "received_at": "2026-11-20T09:45",
        "category": "物业", "summary": "物业费", "village": "", "address": "",
        "parties-0-name": "李四", "parties-0-role": "applicant", "parties-1-role": "respondent"})
    assert count(db) == 1
    assert confirm(client, batch_id).status_code == 303
    assert count(db) == 3
    batch = get_batch(db, batch_id)
    assert [s["external_ref"] for s in batch.result["skipped"]] == ["GD202611200002"]


def test_a_failure_half_way_keeps_the_rows_before_it_and_confirming_again_registers_the_rest(
        client, db, town, users, login, monkeypatch):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    monkeypatch.setattr(import_views, "CHUNK_ROWS", 1)  # one row a transaction, so the third fails alone
    real = import_views.register_cases
    calls = []

    def crash_on_third(*args, **kwargs):  # fault injection: a disk that fills up under the third row
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(import_views, "register_cases", crash_on_third)
    r = confirm(client, batch_id)
    assert r.status_code == 303
    assert "The import failed at row 4; the 2 cases before it were registered." in text(
        client.get(r.headers["Location"]))
    assert count(db) == 2 and count(db, Party) == 2 and count(db, TimelineEvent) == 2
    assert count(db, AuditEvent, AuditEvent.action == "import") == 2  # one per chunk that was written
    assert get_batch(db, batch_id).status == "preview"  # can be confirmed again

    monkeypatch.setattr(import_views, "register_cases", real)
    confirm(client, batch_id)
    assert count(db) == 3
    refs = sorted(db.session.scalars(select(Case.reference)))
    assert [ref[-6:] for ref in refs] == ["000001", "000002", "000003"]  # no gap left by the failure
    batch = get_batch(db, batch_id)
    assert batch.status == "confirmed" and batch.registered == 3
    # the two registered before the failure are this batch's own, not "already in the system"
    assert len(batch.result["created"]) == 3 and batch.result["skipped"] == []


def test_discarding_after_a_failure_half_way_says_the_cases_stay(client, db, town, users, login, monkeypatch):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    monkeypatch.setattr(import_views, "CHUNK_ROWS", 2)
    real = import_views.register_cases
    calls = []

    def crash_on_second(*args, **kwargs):  # fault injection, as above
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(import_views, "register_cases", crash_on_second)
    confirm(client, batch_id)
    assert count(db) == 2
    r = client.post(f"{URL}{batch_id}/discard?lang=en")
    assert "the 2 cases it had already registered stay registered" in text(client.get(r.headers["Location"]))
    assert count(db) == 2
    db.session.rollback()
    [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import_discarded")).all()
    assert row.details == {"registered": 2}


def test_a_confirmation_whose_worker_died_is_taken_over(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    batch = get_batch(db, batch_id)
    batch.status, batch.claimed_at = "importing", utcnow() - import_views.STALE_CLAIM - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"{URL}{batch_id}?lang=en")
    assert 'id="import-stopped"' in page.get_data(as_text=True) and "Continue the import" in text(page)
    confirm(client, batch_id)
    assert count(db) == 3 and get_batch(db, batch_id).status == "confirmed"


def test_a_failure_in_the_first_chunk_writes_nothing(client, db, town, users, login, monkeypatch):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_views, "register_cases", crash)
    r = confirm(client, batch_id)
    assert "The import failed at row 2; nothing was imported." in text(client.get(r.headers["Location"]))
    assert count(db) == 0 and count(db, ReferenceCounter) == 0  # the numbers handed out were rolled back too
    assert get_batch(db, batch_id).status == "preview"


def test_a_row_refused_at_confirmation_is_named_and_the_others_are_registered(client, db, town, users, login,
                                                                           monkeypatch):
    """A rule the preview cannot check (here: made up by the test) refuses one row at the last moment."""
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    real = import_views.register_cases

    def no_parties_for_wages(items, *args, **kwargs):
        for data in items:
            if data.external_ref == "GD202611200003":
                data.parties = []  # register_cases refuses a case without parties
        return real(items, *args, **kwargs)

    monkeypatch.setattr(import_views, "register_cases", no_parties_for_wages)
    r = confirm(client, batch_id)
    page = text(client.get(r.headers["Location"]))
    assert "Row 4: Add at least one party. Not imported." in page
    assert count(db) == 2
    batch = get_batch(db, batch_id)
    assert batch.status == "confirmed"
    assert [row["status"] for row in batch.rows if row["row"] == 4] == ["error"]
    assert batch.result["refused_at_confirmation"][0]["row"] == 4


def test_discard(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    r = client.post(f"{URL}{batch_id}/discard")
    assert r.status_code == 303
    batch = get_batch(db, batch_id)
    assert batch.status == "discarded" and batch.rows == []  # the personal data goes with it
    assert batch.result["counts"]["create"] == 3
    confirm(client, batch_id)
    assert count(db) == 0
    assert "discarded" in text(client.get(f"{URL}{batch_id}?lang=en"))


def test_upload_page_lists_recent_imports(client, db, town, users, login):
    login(users["mediator"])
    r = client.get(URL + "?lang=en")
    assert r.status_code == 200 and "Import a spreadsheet" in text(r)
    batch_id_of(upload(client, xlsx(GOOD_ROWS), filename="十一月工单.xlsx"))
    page = text(client.get(URL + "?lang=en"))
    assert "十一月工单.xlsx" in page and "Awaiting confirmation" in page


def test_pages_render_in_chinese_by_default(client, db, town, users, login):
    login(users["mediator"])
    assert client.get(URL).status_code == 200
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS + BAD_ROWS)))
    assert client.get(f"{URL}{batch_id}").status_code == 200


# --------------------------------------------------------------------------------------------
# Other layouts and encodings
# --------------------------------------------------------------------------------------------

GRID_HEADERS = ["事件编号", "上报时间", "事件描述", "当事人", "手机号", "事发地点", "村居", "纠纷类型"]
GRID_ROWS = [
    ["WG-2026-1101", "2026-11-19 16:20", "两户因宅基地界址争执", "陈大", "13700001111", "钱桥村3组", "钱桥村", "宅基地"],
    ["WG-2026-1102", "2026/11/19 8:05", "夫妻争吵", "林二", "", "小庙村12号", "小庙村", "婚姻家庭纠纷"],
    ["WG-2026-1103", "2026-11-18", "不明类型", "黄三", "", "", "火星村", "飞碟降落"],
]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_grid_patrol_csv_in_gbk_and_utf8(client, db, town, users, login, encoding):
    login(users["liaison"])
    batch_id = batch_id_of(upload(client, csv_bytes(GRID_ROWS, GRID_HEADERS, encoding), "网格.csv", "grid_patrol"))
    page = text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "3 cases will be registered" in page
    assert "Type 飞碟降落 is not a known category; recorded as 其他." in page
    assert "Village 火星村 is not one of the town's; left empty." in page
    confirm(client, batch_id)
    assert count(db, Case, Case.channel == "grid_patrol") == 3
    plot = case_by_ref(db, "WG-2026-1101", "grid_patrol")
    assert plot.category == "房屋宅基地" and plot.village_id == town["villages"]["qianqiao"].id
    assert plot.parties[0].name == "陈大" and plot.parties[0].phone == "13700001111"
    assert plot.received_at == datetime(2026, 11, 19, 16, 20, tzinfo=SHANGHAI)
    assert case_by_ref(db, "WG-2026-1102", "grid_patrol").category == "婚姻家庭"
    other = case_by_ref(db, "WG-2026-1103", "grid_patrol")
    assert other.category == "其他" and other.village_id is None
    assert other.received_at == datetime(2026, 11, 18, tzinfo=SHANGHAI)


def test_headers_with_spaces_fullwidth_brackets_and_a_title_row(client, db, town, users, login):
    login(users["mediator"])
    headers = [" 工单 编号 ", "受理时间*", "问题描述", "来电人", "来电号码", "地址", "所属村（社区）", "类别"]
    rows = [["A1", "2026-11-20 10:00", "噪声", "甲", "", "", "小庙村", "邻里"],
            ["A2", "", "缺时间", "乙", "", "", "", ""]]
    batch_id = batch_id_of(upload(client, xlsx(rows, headers, title="徐行镇12345工单导出（11月）")))
    batch = get_batch(db, batch_id)
    assert batch.result["header_row"] == 2
    assert batch.result["columns"]["village"] == "所属村（社区）"
    by_row = {r["row"]: r for r in batch.rows}
    assert by_row[3]["status"] == "ok" and by_row[3]["data"]["village_id"] == town["villages"]["xiaomiao"].id
    assert by_row[4]["status"] == "error"  # row numbers as in the sheet: title 1, header 2
    assert "The received time is missing." in text(client.get(f"{URL}{batch_id}?lang=en"))


def test_masked_phone_is_left_empty_with_a_note(client, db, town, users, login):
    login(users["mediator"])
    row = ["M1", "2026-11-20 10:00", "噪声", "甲", "138****5678", "", "", ""]
    batch_id = batch_id_of(upload(client, xlsx([row], HEADERS_12345[:8])))
    [stored] = get_batch(db, batch_id).rows
    assert stored["status"] == "ok" and stored["data"]["phone"] == ""
    assert "The phone number is masked in the file" in text(client.get(f"{URL}{batch_id}?lang=en"))


# --------------------------------------------------------------------------------------------
# Refused files: a clear message, 422, nothing stored
# --------------------------------------------------------------------------------------------

def _refused(client, db, content, filename, message):
    r = upload(client, content, filename)
    assert r.status_code == 422, r.status_code
    assert message in text(r)
    assert count(db, ImportBatch) == 0 and count(db) == 0


def _with_member(content: bytes, name: str, data: bytes, replace: bool = False) -> bytes:
    """A copy of the xlsx `content` with member `name` added (or replaced)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if replace and item.filename == name:
                continue
            dst.writestr(item, src.read(item.filename))
        dst.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def test_too_many_rows(client, db, town, users, login):
    login(users["mediator"])
    rows = [[f"R{i}", "2026-11-20 10:00", "内容", "甲"] for i in range(files.MAX_ROWS + 1)]
    _refused(client, db, csv_bytes(rows, HEADERS_12345[:4]), "big.csv", f"more than {files.MAX_ROWS} rows")
    assert batch_id_of(upload(client, csv_bytes(rows[:files.MAX_ROWS], HEADERS_12345[:4]), "ok.csv"))


@pytest.mark.parametrize("content, filename, message", [
    (b"", "empty.csv", "The file is empty."),
    (b"this is not a workbook", "fake.xlsx", "The file is not a valid .xlsx workbook."),
    (b"PK\x03\x04 truncated", "broken.xlsx", "The file is not a valid .xlsx workbook."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xlsx", "save it as .xlsx"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.csv", "The file is not a text CSV file."),
    (b"\xff\xfe\xfa", "bad.csv", "encoding could not be recognised"),
    ("工单编号,来电时间\r\nA,2026-11-20\r\n".encode(), "cols.csv", "were not found"),
    ("工单编号,来电时间,诉求内容,联系人\r\n".encode(), "header.csv", "column names but no rows"),
    (b"a,b\r\n1,2\r\n", "notes.txt", "Upload an .xlsx or .csv file."),
])
def test_files_that_are_not_usable_spreadsheets(client, db, town, users, login, content, filename, message):
    login(users["mediator"])
    _refused(client, db, content, filename, message)


def test_missing_columns_are_named(client, db, town, users, login):
    login(users["mediator"])
    r = upload(client, xlsx([["A", "2026-11-20", "内容"]], ["工单编号", "来电时间", "诉求内容"]))
    assert r.status_code == 422
    assert "The columns 联系人 / 来电人 / 当事人 were not found." in text(r)


def test_an_xlsx_that_openpyxl_cannot_read(client, db, town, users, login):
    login(users["mediator"])
    content = _with_member(xlsx(GOOD_ROWS), "xl/workbook.xml", b"<not-xml", replace=True)
    _refused(client, db, content, "x.xlsx", "could not be read as an .xlsx workbook")


def test_zip_bomb_one_huge_member(client, db, town, users, login):
    login(users["mediator"])
    content = _with_member(xlsx(GOOD_ROWS), "xl/media/image1.bin", bytes(30 * 1024 * 1024))
    assert len(content) < 1024 * 1024  # it passes the upload limit: only the unpacked size gives it away
    _refused(client, db, content, "bomb.xlsx", "compressed suspiciously well")


def test_zip_bomb_many_small_members(client, db, town, users, login, monkeypatch):
    """Each member below the ratio check's floor, together far beyond the unpacked limit (at most
    MAX_MEMBERS such members fit, 64 MiB in all: the limit is lowered here to show the check)."""
    monkeypatch.setattr(files, "MAX_UNCOMPRESSED", 20 * 1024 * 1024)
    login(users["mediator"])
    content = xlsx(GOOD_ROWS)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for i in range(400):
            dst.writestr(f"xl/media/part{i}.bin", bytes(60 * 1024), compresslevel=9)
    assert len(out.getvalue()) < 1024 * 1024
    _refused(client, db, out.getvalue(), "bomb.xlsx", "The workbook unpacks to more than 20 MiB")


def test_zip_bomb_total_size_of_ordinary_members(client, db, town, users, login, monkeypatch):
    """Even at a tame compression ratio, the unpacked total is capped."""
    login(users["mediator"])
    monkeypatch.setattr(files, "MAX_UNCOMPRESSED", 64 * 1024)
    rows = [[f"GD{i:08d}", "2026-11-20 10:00", f"内容{i}" * 5, f"姓名{i}"] for i in range(800)]
    _refused(client, db, xlsx(rows, HEADERS_12345[:4]), "big.xlsx", "unpacks to more than")


def test_zip_bomb_ratio(client, db, town, users, login):
    login(users["mediator"])
    content = _with_member(xlsx(GOOD_ROWS), "xl/media/image1.bin", bytes(5 * 1024 * 1024))
    _refused(client, db, content, "bomb.xlsx", "compressed suspiciously well (a zip bomb?)")


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def _with_entities(content: bytes, member: str) -> bytes:
    """`member` of the workbook, its XML declaration replaced by a billion-laughs DTD, and the
    entity used in its first text node."""
    if member == "xl/sharedStrings.xml":  # openpyxl writes inline strings: add a shared-string table
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            types = archive.read("[Content_Types].xml")
        types = types.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        content = _with_member(content, "[Content_Types].xml", types, replace=True)
        sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>'
        content = _with_member(content, member, sst)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read(member)
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    if b"<t>" in body:
        body = body.replace(b"<t>", b"<t>&lol9;", 1)
    return _with_member(content, member, BILLION_LAUGHS + body.lstrip(), replace=True)


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
                                    "[Content_Types].xml"])
def test_xml_entity_attack_is_refused(client, db, town, users, login, member):
    login(users["mediator"])
    content = _with_entities(xlsx(GOOD_ROWS), member)
    _refused(client, db, content, "laughs.xlsx", "contains XML entity declarations, which are refused")


def test_walk_in_is_not_an_import_channel(client, db, town, users, login):
    login(users["mediator"])
    r = upload(client, xlsx(GOOD_ROWS), channel="walk_in")
    assert r.status_code == 422 and count(db, ImportBatch) == 0


def test_no_file(client, db, town, users, login):
    login(users["mediator"])
    r = client.post(URL + "?lang=en", data={"channel": "hotline_12345"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose a file." in text(r)


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("admin", 403), ("viewer", 403), ("supervisor", 200), ("mediator", 200), ("village_mediator", 200),
    ("liaison", 200), ("lawyer", 200),
])
def test_who_may_open_the_import_page(client, db, town, users, login, role, status):
    login(users[role])
    assert client.get(URL).status_code == status


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_admin_and_viewer_may_not_upload_or_confirm(client, db, town, users, login, role):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    login(users[role])
    assert upload(client, xlsx(GOOD_ROWS)).status_code == 403
    assert client.get(f"{URL}{batch_id}").status_code == 403
    assert confirm(client, batch_id).status_code == 403
    assert client.post(f"{URL}{batch_id}/discard").status_code == 403
    assert count(db) == 0 and count(db, ImportBatch) == 1


def test_anonymous_is_sent_to_sign_in(client, db, town):
    r = client.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("role", ["other_mediator", "liaison"])
def test_someone_elses_batch_is_not_found(client, db, town, users, login, role):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    login(users[role])
    assert client.get(f"{URL}{batch_id}").status_code == 404
    assert confirm(client, batch_id).status_code == 404
    assert client.post(f"{URL}{batch_id}/discard").status_code == 404
    assert client.get(f"{URL}{batch_id + 1000}").status_code == 404
    assert "工单导出.xlsx" not in text(client.get(URL))
    assert count(db) == 0 and get_batch(db, batch_id).status == "preview"


def test_a_supervisor_may_confirm_a_mediators_batch(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    login(users["supervisor"])
    assert client.get(f"{URL}{batch_id}").status_code == 200
    assert confirm(client, batch_id).status_code == 303
    assert count(db) == 3
    assert case_by_ref(db, "GD202611200001").registered_by_id == users["supervisor"].id


# --------------------------------------------------------------------------------------------
# The importer on its own (no Flask, no database)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2026-11-20 09:30", datetime(2026, 11, 20, 9, 30)),
    ("2026/11/20 9:30", datetime(2026, 11, 20, 9, 30)),
    ("2026-11-20 09:30:15", datetime(2026, 11, 20, 9, 30, 15)),
    ("2026-11-20T09:30", datetime(2026, 11, 20, 9, 30)),
    ("2026年11月20日 9:30", datetime(2026, 11, 20, 9, 30)),
    ("2026.11.20", datetime(2026, 11, 20)),
    ("２０２６-１１-２０ ０９:３０", datetime(2026, 11, 20, 9, 30)),  # full-width digits
    (datetime(2026, 11, 20, 9, 30), datetime(2026, 11, 20, 9, 30)),
    (46346.5, datetime(2026, 11, 20, 12, 0)),  # an Excel serial number that lost its date format
])
def test_parse_when_reads_town_time(value, expected):
    assert cells.parse_when(value, SHANGHAI) == expected.replace(tzinfo=SHANGHAI)


def test_parse_when_keeps_an_explicit_zone_and_ends_a_due_date_at_night():
    assert cells.parse_when("2026-11-20T01:30:00+00:00", SHANGHAI) == datetime(2026, 11, 20, 9, 30,
                                                                                   tzinfo=SHANGHAI)
    assert cells.parse_when("2026-11-25", SHANGHAI, end_of_day=True) == datetime(2026, 11, 25, 23, 59, 59,
                                                                                     tzinfo=SHANGHAI)


@pytest.mark.parametrize("value", ["", "昨天", "2026-13-01", "25:00", True, 0])
def test_parse_when_refuses_what_is_no_time(value):
    with pytest.raises(ValueError):
        cells.parse_when(value, SHANGHAI)


@pytest.mark.parametrize("value, category", [
    ("邻里", "邻里"), ("邻里纠纷", "邻里"), ("噪音扰民", "邻里"), ("物业费", "物业"), ("拖欠工资", "劳动争议"),
    ("宅基地", "房屋宅基地"), ("交通事故赔偿", "道路交通事故"), ("工伤赔偿", "劳动争议"), ("外星人", "其他"),
    ("", "其他"),
])
def test_category_mapping(value, category):
    assert import_rows.map_category(value)[0] == category


def test_header_mapping_prefers_the_specific_name():
    columns, ignored = import_rows.map_headers(["编号", "工单编号", "来电 时间", "备注", None])
    assert columns == {"external_ref": 1, "received_at": 2}
    assert ignored == ["编号", "备注"]


@pytest.mark.parametrize("value, address, expected", [
    ("小庙村", "", 1), ("小庙", "", 1), ("小庙村村委会", "", 1), ("徐行镇钱桥村", "", 2), ("火星村", "", None),
    ("", "徐行镇钱桥村5组", 2), ("", "别处", None),
])
def test_village_matching(value, address, expected):
    assert import_rows.match_village(value, address, {"小庙村": 1, "钱桥村": 2})[0] == expected


@pytest.mark.parametrize("value, phone, problem", [
    ("13812345678", "13812345678", False), ("138-1234-5678", "13812345678", False),
    ("+86 138 1234 5678", "13812345678", False), (13812345678, "13812345678", False),
    ("１３８１２３４５６７８", "13812345678", False), ("12345", "", True), ("021-59991234", "021-59991234", False),
    ("", "", False),
])
def test_phone_cleaning(value, phone, problem):
    cleaned, found, _note = import_rows.clean_phone(value)
    assert cleaned == phone and bool(found) == problem


def test_rows_are_json_ready():
    sheet = import_rows.read_sheet("x.xlsx", xlsx(GOOD_ROWS + BAD_ROWS))
    rows = import_rows.check_rows(sheet, villages={"小庙村": 1}, tz=SHANGHAI,
                               now=datetime(2026, 11, 26, tzinfo=timezone.utc))
    assert json.loads(json.dumps(rows)) == rows
    assert import_rows.counts(rows) == {"create": 3, "skip": 0, "refuse": 5}
    import_rows.mark_existing(rows, {"GD202611200001": "XH-2026-000009"})
    assert import_rows.counts(rows) == {"create": 2, "skip": 1, "refuse": 5}


def test_cell_contents_are_escaped_in_the_preview(client, db, town, users, login):
    login(users["mediator"])
    rows = [["<b>X1</b>", "2026-11-20 10:00", "<script>alert(1)</script>", "<i>甲</i>", "<img src=x>", "", "", ""]]
    batch_id = batch_id_of(upload(client, xlsx(rows, HEADERS_12345[:8])))
    raw = client.get(f"{URL}{batch_id}?lang=en").get_data(as_text=True)
    assert "<script>alert(1)" not in raw and "<imgsrc=x>" not in raw and "<b>X1</b>" not in raw
    assert "&lt;b&gt;X1&lt;/b&gt;" in raw  # a refused row, shown with its reference
    assert "The phone number &lt;img src=x&gt; was not taken" in raw  # inside a message too


def test_overlong_values_are_refused_naming_the_column(client, db, town, users, login):
    login(users["mediator"])
    rows = [["X" * 65, "2026-11-20 10:00", "内容", "甲"], ["X2", "2026-11-20 10:00", "长" * 4001, "乙"]]
    batch_id = batch_id_of(upload(client, xlsx(rows, HEADERS_12345[:4])))
    page = text(client.get(f"{URL}{batch_id}?lang=en"))
    assert "工单编号 is longer than 64 characters." in page
    assert "诉求内容 is longer than 4000 characters." in page


# --------------------------------------------------------------------------------------------
# Large files: 50,000 rows
# --------------------------------------------------------------------------------------------

def test_only_the_import_upload_takes_a_body_over_the_apps_limit(client, db, town, users, login):
    login(users["supervisor"])
    big_form = client.post("/intake/register", data={"summary": "x" * (1024 * 1024 + 10)})
    assert big_form.status_code == 413
    rows = [[f"GD{i:08d}", "2026-11-20 10:00", "楼上漏水，邻里纠纷" * 4, f"张{i}"] for i in range(9000)]
    content = csv_bytes(rows, HEADERS_12345[:4])
    assert len(content) > 1024 * 1024
    assert batch_id_of(upload(client, content, "big.csv"))
    too_big = upload(client, content * 16, "huge.csv")  # beyond the import's own 16 MiB
    assert too_big.status_code == 413


def test_a_long_preview_lists_its_first_rows_and_sums_up_the_rest(client, db, town, users, login, monkeypatch):
    monkeypatch.setattr(import_views, "PREVIEW_ROWS", 2)
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    page = client.get(f"{URL}{batch_id}?lang=en")
    body = page.get_data(as_text=True)
    assert body.count('name="category-') == 2  # a choice for each listed row only
    assert "The first 2 of 3 rows are listed." in text(page)
    assert 'id="categories-summary"' in body
    # the rows not listed are registered all the same, with their proposed categories
    confirm(client, batch_id)
    assert count(db) == 3


def test_an_import_being_registered_says_so_and_offers_no_second_confirmation(client, db, town, users, login):
    login(users["mediator"])
    batch_id = batch_id_of(upload(client, xlsx(GOOD_ROWS)))
    batch = get_batch(db, batch_id)
    batch.status, batch.claimed_at = "importing", utcnow()  # as a confirmation in another tab leaves it
    db.session.commit()
    page = client.get(f"{URL}{batch_id}?lang=en")
    assert 'id="import-running"' in page.get_data(as_text=True)
    assert 'id="confirm-form"' not in page.get_data(as_text=True)
    r = confirm(client, batch_id)
    assert "already confirmed or discarded" in text(client.get(r.headers["Location"]))
    assert count(db) == 0
