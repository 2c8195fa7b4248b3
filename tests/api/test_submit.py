"""POST /api/v1/cases: registered (201), repeated (200), conflicting (409), invalid (422),
unauthenticated (401), too large (413), not JSON (400/415)."""
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mediation.api.models import ChannelToken
from mediation.auth.models import AuditEvent
from mediation.cases.models import Case
from mediation.db import utcnow

from ..factories import VALID_ID
from .conftest import local_iso, submission

URL = "/api/v1/cases"


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Case))


def test_registers_a_case(client, db, town, hotline):
    r = client.post(URL, json=submission(), headers=hotline)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["reference"].startswith("XH-") and body["status"] == "registered"
    assert body["external_id"] == "GD20261126000123" and body["channel"] == "hotline_12345"
    assert body["deadlines"]["accept_by"].endswith("+08:00") and body["deadlines"]["conclude_by"] is None
    assert body["url"] == f"http://localhost/api/v1/cases/{body['reference']}"
    assert r.headers["Location"] == body["url"]
    case = db.session.scalar(select(Case))
    assert case.reference == body["reference"] and case.channel == "hotline_12345"
    assert case.external_ref == "GD20261126000123" and case.registered_by_id is None
    assert case.village_id == town["villages"]["xiaomiao"].id and case.address == "徐行镇小庙村88号"
    assert [(p.name, p.role) for p in case.parties] == [("张三", "applicant"), ("李四", "respondent")]
    assert case.parties[0].id_number == VALID_ID
    assert case.details == {"work_order_type": "投诉"}
    assert len(case.content_hash) == 64
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_register"))
    assert audit.object_id == case.reference and audit.user_id is None
    assert audit.details["channel"] == "hotline_12345"


def test_optional_fields_reach_the_case(client, db, town, police):
    due = utcnow() + timedelta(days=3)
    r = client.post(URL, headers=police, json=submission(
        "JJ2026112600042", category="损害赔偿", amount=1234.5, people_involved=6, due_at=local_iso(due),
        location={"address": "钱桥村5组", "village": "qianqiao"},
        parties=[{"name": "王五", "role": "applicant", "vulnerable": True, "has_petitioned": True,
                  "phone": "139-0000-2222"}],
        details={"incident_number": "JJ2026112600042", "injury": True, "officer": "陈警官"}))
    assert r.status_code == 201, r.get_json()
    case = db.session.scalar(select(Case))
    assert case.channel == "police_110" and case.violence is True  # 110 reported an injury
    assert case.amount == Decimal("1234.50") and case.people_involved == 6
    assert case.channel_due_at == due.replace(microsecond=0)
    assert case.village_id == town["villages"]["qianqiao"].id  # matched by code
    party = case.parties[0]
    assert party.vulnerable and party.has_petitioned and party.phone == "13900002222"
    assert case.details["officer"] == "陈警官"  # kept verbatim


def test_unknown_village_keeps_address_and_unknown_fields_are_ignored(client, db, town, hotline):
    body = submission(location={"address": "某某路1号", "village": "不存在村"})
    r = client.post(URL, headers=hotline, json={**body, "sent_by": "GW-3", "priority": {"level": 2}})
    assert r.status_code == 201, r.get_json()
    case = db.session.scalar(select(Case))
    assert case.village_id is None and case.address == "某某路1号"
    # Unknown fields are not content: the same work order sent again with others is a repeat.
    again = client.post(URL, headers=hotline, json={**body, "sent_by": "GW-4", "amount": None})
    assert again.status_code == 200 and again.get_json()["reference"] == case.reference


def test_violence_in_details_counts_only_for_110(client, db, town, hotline):
    r = client.post(URL, headers=hotline, json=submission(details={"work_order_type": "求助", "violence": True}))
    assert r.status_code == 201
    assert db.session.scalar(select(Case.violence)) is False


def test_same_external_id_same_content_is_the_same_case(client, db, town, hotline):
    body = submission()
    first = client.post(URL, headers=hotline, json=body)
    again = client.post(URL, headers=hotline, json=body)
    assert again.status_code == 200
    assert again.get_json() == client.get(first.get_json()["url"], headers=hotline).get_json()
    assert "Location" not in again.headers
    assert _count(db) == 1


def test_same_external_id_different_content_conflicts(client, db, town, hotline):
    body = submission()
    first = client.post(URL, headers=hotline, json=body)
    r = client.post(URL, headers=hotline, json={**body, "summary": "另一件事"})
    assert r.status_code == 409
    assert r.get_json()["reference"] == first.get_json()["reference"]
    assert first.get_json()["reference"] in r.get_json()["error"]
    assert _count(db) == 1


def test_same_external_id_on_another_channel_is_another_case(client, db, town, hotline, police):
    body = submission()
    a = client.post(URL, headers=hotline, json=body)
    b = client.post(URL, headers=police, json=body)
    assert a.status_code == b.status_code == 201
    assert a.get_json()["reference"] != b.get_json()["reference"]


def test_a_case_registered_by_hand_with_the_same_reference_conflicts(client, db, make_case, hotline):
    case = make_case(channel="hotline_12345")  # external_ref EXT00001, no content hash
    r = client.post(URL, headers=hotline, json=submission(case.external_ref))
    assert r.status_code == 409 and r.get_json()["reference"] == case.reference


@pytest.mark.parametrize("change, path, message", [
    ({"parties": [{"name": "张三", "role": "applicant", "phone": "1381234567"}]},
     "parties[0].phone", "A mobile number has 11 digits"),
    ({"parties": [{"name": "张三", "role": "applicant"},
                  {"name": "李四", "role": "respondent", "id_number": "110105194912310021"}]},
     "parties[1].id_number", "check digit is wrong"),
    ({"parties": [{"name": "张三", "role": "applicant", "id_number": "11010519491231002"}]},
     "parties[0].id_number", "18 characters"),
    ({"parties": [{"name": " ", "role": "applicant"}]}, "parties[0].name", "required"),
    ({"parties": [{"name": "张三", "role": "victim"}]}, "parties[0].role", "applicant, respondent, third_party"),
    ({"parties": [{"name": "张三", "role": "applicant", "vulnerable": "yes"}]}, "parties[0].vulnerable",
     "true or false"),
    ({"parties": ["张三"]}, "parties[0]", "object"),
    ({"parties": []}, "parties", "at least one party"),
    ({"external_id": ""}, "external_id", "required"),
    ({"external_id": 123}, "external_id", "string"),
    ({"external_id": "x" * 65}, "external_id", "At most 64"),
    ({"received_at": "2026-11-26T08:15:00"}, "received_at", "UTC offset"),
    ({"received_at": "2026-11-26"}, "received_at", "UTC offset"),
    ({"received_at": "yesterday"}, "received_at", "ISO 8601"),
    ({"received_at": "2026-02-30T08:15:00+08:00"}, "received_at", "real date"),
    ({"category": "不存在的类别"}, "category", "category"),
    ({"summary": "   "}, "summary", "required"),
    ({"summary": "噪音\x00"}, "summary", "NUL"),
    ({"location": "小庙村"}, "location", "object"),
    ({"amount": -1}, "amount", "negative"),
    ({"amount": "500"}, "amount", "number"),
    ({"amount": 10 ** 13}, "amount", "At most"),
    ({"people_involved": 0}, "people_involved", "between 1"),
    ({"people_involved": 2.5}, "people_involved", "whole number"),
    ({"people_involved": True}, "people_involved", "whole number"),
    ({"violence": "yes"}, "violence", "true or false"),
    ({"due_at": "next week"}, "due_at", "ISO 8601"),
    ({"details": ["投诉"]}, "details", "object"),
    ({"details": {"work_order_type": "表扬"}}, "details.work_order_type", "咨询"),
    ({"details": {"injury": "yes"}}, "details.injury", "true or false"),
])
def test_invalid_fields_are_named_by_path(client, db, town, hotline, change, path, message):
    r = client.post(URL, headers=hotline, json=submission(**change))
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert message in errors[path], errors
    assert _count(db) == 0


def test_future_received_at_and_missing_fields(client, db, town, hotline):
    body = submission(received_at=local_iso(utcnow() + timedelta(hours=1)))
    for name in ("category", "summary", "parties"):
        del body[name]
    r = client.post(URL, headers=hotline, json=body)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert "future" in errors["received_at"]
    assert {"category", "summary", "parties"} <= set(errors)


def test_all_problems_are_reported_at_once(client, db, town, hotline):
    r = client.post(URL, headers=hotline, json=submission(parties=[
        {"name": "张三", "role": "applicant", "phone": "123"},
        {"name": "李四", "role": "respondent", "id_number": "110105194912310021"}]))
    assert set(r.get_json()["errors"]) == {"parties[0].phone", "parties[1].id_number"}


def test_missing_bad_and_revoked_tokens_are_refused(client, db, town, make_token):
    token = make_token("hotline_12345")
    r = client.post(URL, json=submission())
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error" in r.get_json()
    for header in ("Bearer med_not-a-real-token", f"Basic {token}", "Bearer", token):
        r = client.post(URL, json=submission(), headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    row = db.session.scalar(select(ChannelToken))
    row.revoked_at = utcnow()
    db.session.commit()
    r = client.post(URL, json=submission(), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    for path in ("/api/v1/cases", "/api/v1/cases/XH-2026-000001"):
        assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _count(db) == 0


def test_use_is_recorded(client, db, town, make_token):
    token = make_token("hotline_12345")
    assert db.session.scalar(select(ChannelToken.last_used_at)) is None
    before = utcnow()
    client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    db.session.expire_all()
    used = db.session.scalar(select(ChannelToken.last_used_at))
    assert used is not None and used >= before.replace(microsecond=0)


def test_too_large_body_is_413_json(client, db, town, hotline):
    body = submission(summary="噪" * (400 * 1024))  # 1.2 MB in UTF-8
    r = client.post(URL, headers=hotline, data=json.dumps(body, ensure_ascii=False).encode(),
                    content_type="application/json")
    assert r.status_code == 413
    assert r.is_json and "1 MiB" in r.get_json()["error"]
    assert _count(db) == 0


def test_too_large_streamed_body_is_413_json(client, db, town, hotline):
    """A chunked body has no Content-Length: the limit is enforced while reading it."""
    raw = json.dumps(submission(summary="x" * (2 * 1024 * 1024))).encode()
    r = client.post(URL, headers={**hotline, "Transfer-Encoding": "chunked"}, input_stream=io.BytesIO(raw),
                    content_type="application/json", environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413 and r.is_json
    assert _count(db) == 0


def test_not_json_is_refused(client, db, town, hotline):
    r = client.post(URL, headers=hotline, data="external_id=1", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and r.is_json
    for raw in (b"{not json", b"", b'{"amount": NaN}', b"\xff\xfe", b"[" * 100_000):
        r = client.post(URL, headers=hotline, data=raw, content_type="application/json")
        assert r.status_code == 400 and r.is_json, raw[:20]
    r = client.post(URL, headers=hotline, json=[submission()])
    assert r.status_code == 400 and "object" in r.get_json()["error"]
    assert _count(db) == 0


def test_unknown_api_paths_answer_json(client, db, hotline):
    r = client.get("/api/v1/nothing-here", headers=hotline)
    assert r.status_code == 404 and r.is_json
    r = client.delete("/api/v1/cases", headers=hotline)
    assert r.status_code == 405 and r.is_json and "POST" in r.headers["Allow"]
