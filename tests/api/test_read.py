"""GET /api/v1/cases/<reference> and GET /api/v1/cases: a channel follows its own cases only."""
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

from sqlalchemy import update

from mediation.cases.models import Case
from mediation.core.lifecycle import Status
from mediation.db import utcnow

from .conftest import submission


def _submit(client, headers, external_id, **overrides):
    r = client.post("/api/v1/cases", headers=headers, json=submission(external_id, **overrides))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["reference"]


def test_get_shape_with_local_deadlines(client, db, town, hotline):
    reference = _submit(client, hotline, "GD1")
    r = client.get(f"/api/v1/cases/{reference}", headers=hotline)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"reference", "external_id", "channel", "status", "status_note", "received_at",
                         "updated_at", "deadlines", "merged_into", "outcome", "url"}
    assert body["reference"] == reference and body["external_id"] == "GD1" and body["status"] == "registered"
    assert body["merged_into"] is None and body["outcome"] is None
    accept_by = datetime.fromisoformat(body["deadlines"]["accept_by"])
    assert body["deadlines"]["accept_by"].endswith("+08:00") and accept_by.utcoffset() == timedelta(hours=8)
    assert (accept_by.hour, accept_by.minute) == (23, 59)  # end of the first working day, town time
    assert body["updated_at"].endswith("+08:00") and body["received_at"].endswith("+08:00")
    assert "前决定是否受理" in body["status_note"]  # Chinese unless English is asked for
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Content-Language"] == "zh-CN"
    english = client.get(f"/api/v1/cases/{reference}", headers={**hotline, "Accept-Language": "en-US,en;q=0.9"})
    assert "accepted or rejected by" in english.get_json()["status_note"]
    assert english.headers["Content-Language"] == "en" and "Accept-Language" in english.headers["Vary"]


def test_another_channels_case_is_not_found(client, db, town, hotline, police):
    police_ref = _submit(client, police, "JJ1", category="损害赔偿")
    hotline_ref = _submit(client, hotline, "GD1")
    r = client.get(f"/api/v1/cases/{police_ref}", headers=hotline)
    assert r.status_code == 404 and r.is_json and "error" in r.get_json()
    assert client.get(f"/api/v1/cases/{hotline_ref}", headers=police).status_code == 404
    assert client.get("/api/v1/cases/XH-2026-999999", headers=hotline).status_code == 404
    assert client.get("/api/v1/cases/%00", headers=hotline).status_code == 404
    listed = client.get("/api/v1/cases", headers=hotline).get_json()
    assert [item["reference"] for item in listed["items"]] == [hotline_ref] and listed["total"] == 1
    listed = client.get("/api/v1/cases", headers=police).get_json()
    assert [item["reference"] for item in listed["items"]] == [police_ref]


def test_accepted_case_has_a_conclude_by(client, db, make_case, hotline):
    case = make_case(Status.IN_MEDIATION, channel="hotline_12345")
    body = client.get(f"/api/v1/cases/{case.reference}", headers=hotline).get_json()
    assert body["status"] == "in_mediation"
    assert body["deadlines"]["conclude_by"].endswith("T23:59:59+08:00")
    assert body["status_note"].startswith("徐行镇司法所正在调解，预计")


def test_closed_case_shows_its_outcome(client, db, make_case, hotline):
    case = make_case(Status.CLOSED, channel="hotline_12345")
    body = client.get(f"/api/v1/cases/{case.reference}", headers=hotline).get_json()
    assert body["status"] == "closed"
    outcome = body["outcome"]
    assert outcome["code"] == "agreement_written" and outcome["amount"] == 500.0
    assert outcome["agreement_summary"] == "赔偿500元" and outcome["closed_at"].endswith("+08:00")
    assert body["status_note"] == "已结案：达成书面调解协议。"
    english = client.get(f"/api/v1/cases/{case.reference}", headers={**hotline, "Accept-Language": "en"})
    assert english.get_json()["status_note"] == "Closed: settled by a written agreement."


def test_rejected_case_gives_the_reason(client, db, make_case, hotline):
    case = make_case(Status.REJECTED, channel="hotline_12345")
    body = client.get(f"/api/v1/cases/{case.reference}", headers=hotline).get_json()
    assert body["status"] == "rejected" and body["status_note"] == "不予受理：不属于受理范围"
    assert body["outcome"] is None


def test_merged_case_names_the_survivor(client, db, make_case, hotline):
    case = make_case(Status.MERGED, channel="hotline_12345")
    body = client.get(f"/api/v1/cases/{case.reference}", headers=hotline).get_json()
    assert body["status"] == "merged"
    assert body["merged_into"] == case.merged_into.reference
    assert case.merged_into.reference in body["status_note"]


def test_list_changed_since_in_pages(client, db, town, hotline, police):
    refs = [_submit(client, hotline, f"GD{i}") for i in range(5)]
    _submit(client, police, "JJ1", category="损害赔偿")
    base = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    # updated_at: GD0 oldest … GD4 newest; GD0 falls before the cut-off.
    for i, ref in enumerate(refs):
        db.session.execute(update(Case).where(Case.reference == ref).values(updated_at=base + timedelta(hours=i)))
    db.session.commit()
    since = "2026-11-20T17:00:00+08:00"  # = 09:00 UTC: GD1 onwards
    r = client.get("/api/v1/cases", headers=hotline, query_string={"updated_since": since, "per_page": 3})
    assert r.status_code == 200
    page1 = r.get_json()
    assert [i["reference"] for i in page1["items"]] == refs[1:4]
    assert (page1["page"], page1["per_page"], page1["total"]) == (1, 3, 4)
    nxt = urlparse(page1["next"])
    assert nxt.path == "/api/v1/cases"
    assert parse_qs(nxt.query) == {"updated_since": [since], "page": ["2"], "per_page": ["3"]}
    page2 = client.get(page1["next"], headers=hotline).get_json()
    assert [i["reference"] for i in page2["items"]] == refs[4:] and page2["next"] is None
    everything = client.get("/api/v1/cases", headers=hotline).get_json()
    assert everything["total"] == 5 and everything["per_page"] == 50 and everything["next"] is None
    # An unencoded "+" in the offset arrives as a space; it still means +08:00.
    r = client.get("/api/v1/cases?updated_since=2026-11-20T17:00:00+08:00&per_page=3", headers=hotline)
    assert r.status_code == 200 and r.get_json()["total"] == 4
    assert parse_qs(urlparse(r.get_json()["next"]).query)["updated_since"] == [since]
    late = client.get("/api/v1/cases", headers=hotline,
                      query_string={"updated_since": (utcnow() + timedelta(days=1)).isoformat()}).get_json()
    assert late["items"] == [] and late["total"] == 0


def test_list_refuses_bad_parameters(client, db, town, hotline):
    for params, field in (({"updated_since": "last week"}, "updated_since"),
                          ({"updated_since": "2026-11-20T17:00:00"}, "updated_since"),
                          ({"page": "0"}, "page"), ({"page": "x"}, "page"),
                          ({"per_page": "101"}, "per_page"), ({"per_page": "-1"}, "per_page")):
        r = client.get("/api/v1/cases", headers=hotline, query_string=params)
        assert r.status_code == 422, params
        assert field in r.get_json()["errors"]


def test_status_note_is_chinese_in_every_state(client, db, make_case, hotline):
    """Every state's note, in the default language and when Chinese is asked for: no English word.
    A browser-like Accept-Language preferring Chinese over English also gets Chinese."""
    import re

    notes = {}
    for status in Status:
        case = make_case(status, channel="hotline_12345")
        for accept in (None, "zh-CN,zh;q=0.9,en;q=0.8", "*"):
            headers = {**hotline, **({"Accept-Language": accept} if accept else {})}
            body = client.get(f"/api/v1/cases/{case.reference}", headers=headers).get_json()
            notes[(status.value, accept)] = body["status_note"]
    english = {k: v for k, v in notes.items() if re.search(r"[A-Za-z]{3,}", re.sub(r"XH-\d{4}-\d+", "", v))}
    assert english == {}
    assert len(set(notes.values())) >= 5  # the states say different things
