"""Personal data on the case page: masked for everyone by default; those who work the case reveal it
with an explicit POST (CSRF-protected) that is recorded; others get 403; viewers see names masked."""
import re

import pytest
from sqlalchemy import select, update

from mediation import create_app
from mediation.auth.models import AuditEvent
from mediation.cases.models import Case
from mediation.core.lifecycle import Status

from ..factories import VALID_ID, VALID_PHONE
from ..test_access_matrix import DETAIL_PAGE, MASKED_PHONE, PERSONAL_DATA, ROLES

ADDRESS = "徐行镇小庙村88号"
MASKED_ID = "110***********002X"
SUMMARY_PHONE = "13711112222"


def reveals(db, reference=None):
    db.session.rollback()
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reveal")
                              .order_by(AuditEvent.id)).all()
    return [r for r in rows if reference is None or r.object_id == reference]


@pytest.fixture
def case(db, make_case):
    case = make_case(Status.IN_MEDIATION)
    db.session.execute(update(Case).where(Case.id == case.id).values(summary=f"申请人另留电话{SUMMARY_PHONE}"))
    db.session.commit()
    return case


@pytest.mark.parametrize("role", ROLES)
def test_case_page_is_masked_by_default_for_everyone(client, db, users, login, case, role):
    login(users[role])
    response = client.get(f"/cases/{case.reference}")
    assert response.status_code == DETAIL_PAGE[role]
    html = response.get_data(as_text=True)
    assert VALID_PHONE not in html and VALID_ID not in html and SUMMARY_PHONE not in html
    assert ADDRESS not in html
    if PERSONAL_DATA[role] is None:
        assert MASKED_PHONE not in html
        return
    assert MASKED_PHONE in html and MASKED_ID in html and "137****2222" in html
    offers = f'action="/cases/{case.reference}/reveal"' in html
    assert offers is (PERSONAL_DATA[role] == "revealable"), role
    assert ("显示完整信息" in html) is offers
    assert reveals(db) == []  # looking at masked data records nothing


@pytest.mark.parametrize("role", ROLES)
def test_reveal_shows_full_data_and_is_recorded_or_refused(client, db, users, login, case, role):
    login(users[role])
    response = client.post(f"/cases/{case.reference}/reveal")
    html = response.get_data(as_text=True)
    if PERSONAL_DATA[role] == "revealable":
        assert response.status_code == 200
        assert VALID_PHONE in html and VALID_ID in html and ADDRESS in html and SUMMARY_PHONE in html
        assert f'action="/cases/{case.reference}/reveal"' not in html
        rows = reveals(db, case.reference)
        assert len(rows) == 1
        row = rows[0]
        assert (row.user_id, row.object_type) == (users[role].id, "case")
        assert row.details["fields"] == ["address", "free_text", "id_number", "phone"]
    else:
        assert response.status_code == (404 if PERSONAL_DATA[role] is None else 403)
        assert VALID_PHONE not in html and VALID_ID not in html
        assert reveals(db) == []


def test_reveal_is_not_a_get(client, users, login, case):
    login(users["supervisor"])
    assert client.get(f"/cases/{case.reference}/reveal").status_code in (404, 405)


def test_reveal_of_an_unknown_case_is_404(client, users, login, case):
    login(users["supervisor"])
    assert client.post("/cases/XH-NO-SUCH-CASE/reveal").status_code == 404


def test_each_reveal_is_recorded(client, db, users, login, case):
    login(users["mediator"])
    client.post(f"/cases/{case.reference}/reveal")
    client.post(f"/cases/{case.reference}/reveal")
    assert len(reveals(db, case.reference)) == 2
    # Back on the page: masked again.
    assert VALID_PHONE not in client.get(f"/cases/{case.reference}").get_data(as_text=True)


@pytest.fixture(scope="module")
def csrf_app(app):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "WTF_CSRF_ENABLED": True})


def test_reveal_needs_the_csrf_token(csrf_app, db, users, case):
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": users["mediator"].username, "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 302
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert client.post(f"/cases/{case.reference}/reveal").status_code == 400
    assert reveals(db) == []
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/cases/{case.reference}/reveal", data={"csrf_token": form_token})
    assert response.status_code == 200 and VALID_PHONE in response.get_data(as_text=True)
    assert len(reveals(db, case.reference)) == 1


# Party names: masked for the viewer on every page and print; others see them.
@pytest.mark.parametrize("role,masked", [("viewer", True), ("supervisor", False), ("mediator", False),
                                         ("admin", False)])
def test_party_names_masked_for_viewers(client, db, users, login, make_case, role, masked):
    case = make_case(Status.CLOSED)  # has an agreement to print
    login(users[role])
    for url in (f"/cases/{case.reference}", f"/reports/cases/{case.reference}/file",
                f"/reports/cases/{case.reference}/agreement"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert ("张三" in html) is not masked, url
        assert ("李四" in html) is not masked, url
        assert ("张*" in html and "李*" in html) is masked, url
