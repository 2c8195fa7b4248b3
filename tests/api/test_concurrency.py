"""Twenty identical submissions at the same moment, through a real threaded server: one case.

Each request runs in its own thread with its own app context, session and connection, as
under a real server; the database's unique (channel, external_ref) constraint decides the
race, and every loser answers with the winner's case.
"""
import json
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from mediation.cases.models import Case

from .conftest import submission

REQUESTS = 20


@pytest.fixture
def server(live_server):
    return live_server


def _post(url: str, body: bytes, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _race(url: str, bodies: list[bytes], token: str) -> list[tuple[int, dict]]:
    """POST every body at the same moment, one thread each; the answers, in no particular order."""
    start = threading.Barrier(len(bodies))
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def submit(body):
        start.wait()
        answer = _post(url, body, token)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def _count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("first_of_year", [True, False], ids=["first-case-of-year", "counter-exists"])
def test_twenty_identical_submissions_make_one_case(server, db, town, make_token, first_of_year):
    """With no case yet this year the losers collide on the year's reference counter (PostgreSQL)
    or on (channel, external_ref); either way they answer with the winner's case."""
    token = make_token("hotline_12345")
    if not first_of_year:
        assert _post(f"{server}/api/v1/cases", json.dumps(submission("GD-EARLIER")).encode(), token)[0] == 201
    body = json.dumps(submission("GD2026112699999")).encode()

    answers = _race(f"{server}/api/v1/cases", [body] * REQUESTS, token)

    statuses = sorted(status for status, _body in answers)
    assert len(answers) == REQUESTS
    assert statuses.count(201) == 1 and statuses.count(200) == REQUESTS - 1, answers
    assert len({answer["reference"] for _status, answer in answers}) == 1
    assert _count(db) == (1 if first_of_year else 2)


def test_different_submissions_at_once_all_register(server, db, town, make_token):
    """Ten different work orders racing for the year's first reference numbers: ten cases."""
    token = make_token("hotline_12345")
    bodies = [json.dumps(submission(f"GD-{i}")).encode() for i in range(10)]
    answers = _race(f"{server}/api/v1/cases", bodies, token)
    assert sorted(status for status, _body in answers) == [201] * 10, answers
    assert len({answer["reference"] for _status, answer in answers}) == 10
    assert _count(db) == 10
