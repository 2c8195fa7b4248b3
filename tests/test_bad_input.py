"""Bad input anywhere gets a message or a 4xx, never a 500 (found by review; kept as a net)."""
import pytest

from mediation.core.lifecycle import Status

BIG = "99999999999999999999"


@pytest.mark.parametrize("url", [
    "/cases/?page=abc", f"/cases/?page={BIG}", "/cases/?page=-5",
    "/reports/weekly?week=garbage", "/reports/weekly?week=0001-01-01", "/reports/weekly?week=9999-12-31",
    "/reports/weekly.pdf?week=0001-01-01", f"/reports/weekly?meeting={BIG}", "/reports/weekly?meeting=x",
    "/reports/statistics?start=2026-13-01", "/reports/statistics?start=0001-01-01&end=0001-02-01",
    f"/meetings/{BIG}", "/meetings/999999", f"/intake/import/{BIG}", f"/admin/routing/{BIG}",
])
def test_get_never_500(client, users, login, url):
    login(users["supervisor"] if "admin" not in url else users["admin"])
    assert client.get(url).status_code < 500, url


def test_posts_never_500(client, db, users, login, make_case, town):
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    for data in ({"case": [case.reference], "operation": "transfer", "office": BIG},
                 {"case": [case.reference], "operation": "assign", "mediator": BIG},
                 {"case": [case.reference], "operation": "supervise", "reason": "x", "due_at": "9999-12-31T23:59"}):
        assert client.post("/supervision/bulk", data=data).status_code < 500
    r = client.post(f"/cases/{case.reference}/supervise", data={"version": case.version, "reason": "x",
                                                                 "due_at": "9999-12-31T23:59"})
    assert r.status_code == 422
    r = client.post("/intake/register?lang=en", data={
        "channel": "walk_in", "received_at": "0001-01-01T00:00", "category": "邻里", "summary": "x",
        "parties-0-name": "甲", "parties-0-role": "applicant", "amount": "1e20"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "between the years 2000 and 2100" in body and "Number must be between" in body
    login(users["mediator"])
    r = client.post(f"/cases/{case.reference}/close", data={
        "version": case.version, "outcome": "withdrawn", "amount": "1e20"})
    assert r.status_code == 422
