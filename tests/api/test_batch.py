"""POST /api/v1/cases/batch: many cases in one request, each answered as POST /cases would
answer it, the good ones registered together; a fixed number of statements whatever the size."""
import json

from sqlalchemy import func, select

from mediation.auth.models import AuditEvent
from mediation.cases.models import Case, CaseSearchTerm, Party, TimelineEvent
from mediation.api.schemas import MAX_BATCH

from .conftest import submission


def _batch(client, headers, cases):
    return client.post("/api/v1/cases/batch", headers=headers, json={"cases": cases})


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_each_case_of_a_batch_gets_its_own_answer(client, db, town, hotline):
    old = submission("GD-B-OLD")
    first = client.post("/api/v1/cases", headers=hotline, json=old)
    assert first.status_code == 201
    once = submission("GD-B-1")
    cases = [
        once,
        old,                                                      # a repeat, same content
        {**old, "summary": "另一件事"},                            # the same reference, other content
        submission("GD-B-2", parties=[{"name": "王五", "role": "applicant", "phone": "12345"}]),
        submission("GD-B-3", parties=[{"name": "赵六", "role": "applicant", "phone": "+86 139 0000 2222"}]),
        once,                                                     # given twice in this batch
        submission("GD-B-3", summary="又一件事"),                  # twice, different content
        "not an object",
    ]
    r = _batch(client, hotline, cases)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert [item["index"] for item in body["results"]] == list(range(len(cases)))
    assert [item["status"] for item in body["results"]] == [201, 200, 409, 422, 201, 200, 409, 422]
    assert body["counts"] == {"created": 2, "repeated": 2, "conflicts": 2, "invalid": 2}
    results = body["results"]
    assert results[1]["case"]["reference"] == first.get_json()["reference"]
    assert results[2]["reference"] == first.get_json()["reference"] and "GD-B-OLD" in results[2]["error"]
    assert results[3]["errors"] == {"parties[0].phone": results[3]["errors"]["parties[0].phone"]}
    assert results[5]["case"]["reference"] == results[0]["case"]["reference"]
    assert results[6]["reference"] == results[4]["case"]["reference"]
    assert results[7]["errors"] == {"body": "The body must be a JSON object."}
    # the case as GET answers it, status note in Chinese by default
    one = client.get(f"/api/v1/cases/{results[0]['case']['reference']}", headers=hotline).get_json()
    assert results[0]["case"] == one and "受理" in one["status_note"]

    assert _count(db, Case) == 3
    new_ids = [c.id for c in db.session.scalars(select(Case).where(Case.external_ref.in_(["GD-B-1", "GD-B-3"])))]
    assert _count(db, TimelineEvent, TimelineEvent.case_id.in_(new_ids), TimelineEvent.action == "register") == 2
    assert _count(db, Party, Party.case_id.in_(new_ids)) == 3
    stored = db.session.scalar(select(Party).join(Case).where(Case.external_ref == "GD-B-3"))
    assert (stored.phone, stored.phone_typed) == ("13900002222", "+86 139 0000 2222")
    assert _count(db, AuditEvent, AuditEvent.action == "api_register") == 3  # one per registration
    # found by the search box at once
    assert _count(db, CaseSearchTerm, CaseSearchTerm.case_id.in_(new_ids), CaseSearchTerm.term == "p:13900002222") == 1
    references = sorted(r["case"]["reference"] for r in (results[0], results[4]))
    assert references[0] != references[1]


def test_sending_the_same_batch_again_stores_nothing_twice(client, db, town, hotline):
    cases = [submission(f"GD-R-{n}") for n in range(5)]
    first = _batch(client, hotline, cases).get_json()
    assert first["counts"]["created"] == 5
    again = _batch(client, hotline, cases).get_json()
    assert again["counts"] == {"created": 0, "repeated": 5, "conflicts": 0, "invalid": 0}
    assert [i["case"]["reference"] for i in again["results"]] == [i["case"]["reference"] for i in first["results"]]
    assert _count(db, Case) == 5


def test_a_batch_takes_a_fixed_number_of_statements(client, db, town, hotline, count_queries):
    def post(prefix, n):
        cases = [submission(f"{prefix}-{k}", parties=[
            {"name": f"张{k}", "role": "applicant", "phone": f"139{k:08d}"},
            {"name": "李四", "role": "respondent", "phone": "13900001111"}]) for k in range(n)]
        with count_queries() as statements:
            r = _batch(client, hotline, cases)
        assert r.status_code == 200 and r.get_json()["counts"]["created"] == n
        return len(statements)

    post("WARM", 2)  # the year's reference counter, the token's last use
    small, large = post("S", 5), post("L", 200)
    assert small == large, (small, large)
    assert _count(db, Case) == 207


def test_what_is_not_a_batch_is_refused_with_the_field_named(client, db, town, hotline):
    def post(body):
        return client.post("/api/v1/cases/batch", headers=hotline, data=json.dumps(body),
                           content_type="application/json")

    assert post({"cases": []}).get_json() == {"errors": {"cases": "Send at least one case."}}
    assert post({}).get_json() == {"errors": {"cases": "This field is required."}}
    assert post({"cases": {"a": 1}}).get_json() == {"errors": {"cases": "A list of cases."}}
    too_many = post({"cases": [{}] * (MAX_BATCH + 1)})
    assert too_many.status_code == 422
    assert too_many.get_json() == {"errors": {"cases": f"At most {MAX_BATCH} cases in one batch."}}
    assert post([submission()]).status_code == 400
    assert client.post("/api/v1/cases/batch", headers=hotline, data="x", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/cases/batch", json={"cases": [submission()]}).status_code == 401
    assert _count(db, Case) == 0


def test_a_batch_sees_only_its_own_channel(client, db, town, hotline, police):
    assert client.post("/api/v1/cases", headers=police, json=submission("SAME-1")).status_code == 201
    r = _batch(client, hotline, [submission("SAME-1")]).get_json()
    assert r["results"][0]["status"] == 201  # another channel's reference is not this one's
    assert r["results"][0]["case"]["channel"] == "hotline_12345"
    assert _count(db, Case, Case.external_ref == "SAME-1") == 2


def test_cases_of_one_batch_are_evidence_for_each_other(client, db, town, hotline):
    """The same two sides twice in one batch: the later is a repeat dispute, as if sent one by one."""
    sides = [{"name": "王五", "role": "applicant", "phone": "13900003333"},
             {"name": "赵六", "role": "respondent", "phone": "13900004444"}]
    first = submission("GD-RPT-1", parties=sides)
    again = submission("GD-RPT-2", parties=sides, received_at=first["received_at"])
    results = _batch(client, hotline, [first, again]).get_json()["results"]
    assert [r["status"] for r in results] == [201, 201]
    db.session.expire_all()
    earlier, later = (db.session.scalar(select(Case).where(Case.external_ref == ref)) for ref in ("GD-RPT-1", "GD-RPT-2"))
    assert "repeat_dispute" in later.risk_reasons
    assert "repeat_dispute" not in earlier.risk_reasons  # the same minute: only the one registered after
    assert later.risk_evidence["repeat_dispute"] == earlier.reference
