"""Phone and ID numbers typed into free text are masked for those who may not see them in full."""
from sqlalchemy import update

from mediation.cases.models import Case
from mediation.core.lifecycle import Status

PHONE, ID = "13812341234", "310114198001011234"
TEXT = f"申请人电话{PHONE}，身份证{ID}"


def test_summary_numbers_masked_for_viewer_and_in_lists(client, db, users, login, make_case):
    case = make_case(Status.IN_MEDIATION)
    db.session.execute(update(Case).where(Case.id == case.id).values(summary=TEXT, escalated=True))
    db.session.commit()
    login(users["viewer"])
    for url in (f"/cases/{case.reference}", f"/cases/?q={case.reference}"):
        page = client.get(url).get_data(as_text=True)
        assert PHONE not in page and ID not in page and "138****1234" in page, url
    login(users["mediator"])  # assigned: the detail masked until revealed, lists masked
    assert PHONE not in client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert PHONE in client.post(f"/cases/{case.reference}/reveal").get_data(as_text=True)
    assert PHONE not in client.get("/cases/").get_data(as_text=True)


def test_office_colleague_of_the_registrar_sees_masked(client, db, users, login, make_case):
    case = make_case(Status.REGISTERED)  # registered by the supervisor, not routed
    login(users["other_mediator"])
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "13812345678" not in page and "138****5678" in page
