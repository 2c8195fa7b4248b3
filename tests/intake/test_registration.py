"""Manual registration: validation messages, and nothing saved when input is bad."""
import html

import pytest
from sqlalchemy import func, select

from mediation.cases.models import Case

from ..factories import VALID_ID, VALID_PHONE


def _form(town, **overrides):
    data = {
        "channel": "hotline_12345", "external_ref": "GD2026112600001", "received_at": "2026-11-26T08:15",
        "category": "物业", "summary": "小区物业停车收费争议", "village": town["villages"]["qianqiao"].id,
        "address": "钱桥村5组", "parties-0-name": "孙七", "parties-0-role": "applicant",
        "parties-0-phone": VALID_PHONE, "parties-0-id_number": VALID_ID,
        "parties-1-name": "", "parties-1-role": "respondent",
    }
    data.update(overrides)
    return data


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("field, value, message", [
    ("parties-0-phone", "1381234567", "A mobile number has 11 digits"),
    ("parties-0-phone", "12812345678", "A mobile number has 11 digits"),
    ("parties-0-id_number", "11010519491231002", "An ID number has 18 characters"),
    ("parties-0-id_number", "110105194912310021", "check digit is wrong"),
    ("parties-0-id_number", "110105194902310027", "not a real date"),
    ("parties-0-name", "", "Give the party's name."),
    ("summary", "   ", "This field is required."),
    ("received_at", "yesterday", "Not a valid datetime value."),
    ("external_ref", "", "Cases from a channel need the channel's own reference."),
    ("category", "不存在的类别", "Not a valid choice."),
])
def test_bad_input_gets_a_message_and_saves_nothing(client, db, town, users, login, field, value, message):
    login(users["mediator"])
    r = client.post("/intake/register?lang=en", data=_form(town, **{field: value}))
    assert r.status_code == 422
    assert message in html.unescape(r.get_data(as_text=True))
    assert _count(db) == 0


def test_messages_in_chinese_by_default(client, db, town, users, login):
    login(users["mediator"])
    r = client.post("/intake/register", data=_form(town, **{"parties-0-phone": "123"}))
    assert r.status_code == 422
    assert "手机号" in r.get_data(as_text=True)


def test_at_least_one_party(client, db, town, users, login):
    login(users["mediator"])
    r = client.post("/intake/register?lang=en", data=_form(
        town, **{"parties-0-name": "", "parties-0-phone": "", "parties-0-id_number": ""}))
    assert r.status_code == 422
    assert "Add at least one party." in r.get_data(as_text=True)
    assert _count(db) == 0


def test_future_received_time_refused(client, db, town, users, login):
    login(users["mediator"])
    r = client.post("/intake/register?lang=en", data=_form(town, received_at="2099-01-01T00:00"))
    assert r.status_code == 422
    assert "cannot be in the future" in r.get_data(as_text=True)


def test_same_channel_reference_twice_is_refused(client, db, town, users, login):
    login(users["mediator"])
    assert client.post("/intake/register", data=_form(town)).status_code == 303
    r = client.post("/intake/register?lang=en", data=_form(town))
    assert r.status_code == 422
    assert "already registered as XH-" in r.get_data(as_text=True)
    assert _count(db) == 1


def test_walk_in_needs_no_reference_and_any_number_of_parties(client, db, town, users, login):
    login(users["mediator"])
    data = _form(town, channel="walk_in", external_ref="")
    r = client.post("/intake/register", data={**data, "add_party": "1"})
    assert r.status_code == 200 and 'name="parties-2-name"' in r.get_data(as_text=True)
    data.update({"parties-1-name": "周八", "parties-2-name": "吴九", "parties-2-role": "third_party"})
    r = client.post("/intake/register", data=data)
    assert r.status_code == 303
    case = db.session.scalar(select(Case))
    assert [p.name for p in case.parties] == ["孙七", "周八", "吴九"]
    assert case.intake_office_id == users["mediator"].office_id


def test_references_are_sequential_and_unique(client, db, town, users, login):
    login(users["supervisor"])
    refs = []
    for n in range(3):
        r = client.post("/intake/register", data=_form(town, external_ref=f"GD{n}"))
        refs.append(r.headers["Location"].rsplit("/", 1)[-1])
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert all(len(ref) == len("XH-2026-000001") for ref in refs)


def test_each_party_may_state_an_ethnicity(client, db, town, users, login):
    """民族 (printed on the agreement): optional, suggested from the 56, as the party states it."""
    login(users["mediator"])
    page = client.get("/intake/register").get_data(as_text=True)
    assert 'name="parties-0-ethnicity"' in page and 'list="ethnicities"' in page
    assert page.count('<option value="') >= 56 and '<option value="柯尔克孜族">' in page
    r = client.post("/intake/register", data=_form(town, **{
        "parties-0-ethnicity": " 回 ", "parties-1-name": "周八", "parties-1-ethnicity": "",
        "parties-2-name": "吴九", "parties-2-role": "third_party", "parties-2-ethnicity": "外国血统"}))
    assert r.status_code == 303, r.get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert [(p.name, p.ethnicity) for p in case.parties] == [("孙七", "回族"), ("周八", None), ("吴九", "外国血统")]


def test_an_ethnicity_longer_than_its_column_is_a_message(client, db, town, users, login):
    login(users["mediator"])
    r = client.post("/intake/register?lang=en", data=_form(town, **{"parties-0-ethnicity": "族" * 17}))
    assert r.status_code == 422
    assert "Field cannot be longer than 16 characters." in r.get_data(as_text=True)
    assert _count(db) == 0
