"""The contract in `schemas.py`: pydantic's errors read as the API's messages, each named by its
field path; valid input comes out typed; the OpenAPI document is generated from the same models;
and `schemas.py` stays framework-free."""
import ast
import copy
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic.json_schema import models_json_schema
from werkzeug.datastructures import MultiDict

from mediation.api import openapi, schemas
from mediation.core.lifecycle import Status

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
BODY = {
    "external_id": "GD1", "received_at": "2026-11-26T08:15:00+08:00", "category": "邻里", "summary": "噪音",
    "parties": [{"name": "张三", "role": "applicant"}],
}
API = Path(schemas.__file__).parent


def _errors(body) -> dict[str, str]:
    with pytest.raises(schemas.Invalid) as caught:
        schemas.parse_submission(body, NOW)
    return caught.value.errors


def _nested(depth: int):
    value = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("change, errors", [
    ({"received_at": "2026-11-26"},
     {"received_at": "Give the time and the UTC offset too, e.g. 2026-11-26T08:15:00+08:00."}),
    ({"received_at": "2026-11-26T08:15:00"},
     {"received_at": "Give the UTC offset, e.g. 2026-11-26T08:15:00+08:00 (or Z for UTC)."}),
    ({"received_at": "1999-12-31T23:00:00Z"}, {"received_at": "Must lie between the years 2000 and 2100."}),
    ({"received_at": "2026-11-26T20:15:00+08:00"}, {"received_at": "The received time cannot be in the future."}),
    ({"received_at": 20261126}, {"received_at": "Must be a string: a date and time in ISO 8601 with an offset."}),
    ({"received_at": None, "external_id": None, "category": None, "summary": None, "parties": None},
     dict.fromkeys(["received_at", "external_id", "category", "summary", "parties"], "This field is required.")),
    ({"external_id": 5}, {"external_id": "Must be a string."}),
    ({"external_id": "x" * 65}, {"external_id": "At most 64 characters."}),
    ({"external_id": " " * 64}, {"external_id": "This field is required."}),
    ({"summary": "a\ud800"}, {"summary": "Contains characters that are not valid Unicode text."}),
    ({"category": "a\ud800"},
     {"category": "Not a known category; use one of the categories listed in the API document."}),
    ({"category": ["邻里"]},
     {"category": "Not a known category; use one of the categories listed in the API document."}),
    ({"amount": 10 ** 400}, {"amount": "At most 999999999999.99."}),
    ({"amount": -(10 ** 400)}, {"amount": "Cannot be negative."}),
    ({"amount": True}, {"amount": "Must be a number."}),
    ({"people_involved": 2.5}, {"people_involved": "Must be a whole number."}),
    ({"people_involved": 100_001}, {"people_involved": "Must be between 1 and 100000."}),
    ({"parties": [None, {"name": "李四", "role": 3, "vulnerable": 1}]},
     {"parties[0]": "Must be an object with at least `name` and `role`.",
      "parties[1].role": "Must be one of applicant, respondent, third_party.",
      "parties[1].vulnerable": "Must be true or false."}),
    ({"parties": {"name": "张三"}}, {"parties": "Must be a list of parties."}),
    ({"parties": [{"name": "张三", "role": "applicant", "phone": "x" * 21}] * 101}, {"parties": "At most 100 parties."}),
    ({"location": ["小庙村"]}, {"location": "Must be an object with `address` and, if known, `village`."}),
    ({"location": {"village": 5}}, {"location.village": "Must be a string."}),
    ({"details": {"a": _nested(10)}}, {"details": "Nested more than 10 levels deep."}),
    ({"details": {"\x00": 1, "injury": "yes"}}, {"details": "A key: Contains a NUL character."}),
    ({"details": {"work_order_type": "x" * 256, "grid_id": 7}},
     {"details.work_order_type": "At most 255 characters.", "details.grid_id": "Must be a string."}),
    ({"details": {"work_order_type": "表扬"}}, {"details.work_order_type": "Must be one of 咨询, 求助, 投诉, 建议."}),
])
def test_errors_read_as_the_api_words_them(change, errors):
    assert _errors({**copy.deepcopy(BODY), **change}) == errors


def test_a_body_that_is_not_an_object():
    assert _errors([BODY]) == {"body": "The body must be a JSON object."}


def test_missing_fields_are_required():
    assert _errors({}) == dict.fromkeys(["external_id", "received_at", "category", "summary", "parties"],
                                        "This field is required.")


def test_a_valid_submission_comes_out_typed():
    body = {**BODY, "external_id": " GD1 ", "amount": 1234.565, "people_involved": 6.0,
            "location": {"address": " 钱桥村5组 ", "village": "  "},
            "parties": [{"name": " 王五 ", "role": "applicant", "phone": "139-0000-2222", "vulnerable": None}],
            "details": {"injury": True, "officer": {"name": "陈警官", "ids": [1, None]}}, "sent_by": "GW-3"}
    sub = schemas.parse_submission(body, NOW)
    assert sub.external_id == "GD1" and sub.received_at == datetime(2026, 11, 26, 0, 15, tzinfo=timezone.utc)
    assert sub.amount_yuan == Decimal("1234.57") and sub.people_involved == 6
    assert (sub.location.address, sub.location.village) == ("钱桥村5组", None)
    party = sub.parties[0]
    assert (party.name, party.phone, party.id_number, party.vulnerable) == ("王五", "139-0000-2222", "", False)  # as sent
    assert sub.details.as_sent() == {"injury": True, "officer": {"name": "陈警官", "ids": [1, None]}}
    assert sub.violence_for("police_110") is True and sub.violence_for("hotline_12345") is False
    assert schemas.content_hash(body) == schemas.content_hash({k: v for k, v in body.items() if k != "sent_by"})


def test_list_query():
    query = schemas.parse_list_query(MultiDict({"updated_since": "2026-11-20T17:00:00 08:00", "per_page": "3"}))
    assert query.updated_since == datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert (query.page, query.per_page, query.updated_since_text) == (1, 3, "2026-11-20T17:00:00+08:00")
    assert schemas.parse_list_query(MultiDict()).per_page == schemas.DEFAULT_PER_PAGE
    with pytest.raises(schemas.Invalid) as caught:
        schemas.parse_list_query(MultiDict({"updated_after": "x", "": "1", "page": "-1", "per_page": "101"}))
    unknown = "Unknown parameter; use updated_since, page, per_page."
    assert caught.value.errors == {"updated_after": unknown, "(empty)": unknown,
                                   "page": "Must be a whole number between 1 and 1000000.",
                                   "per_page": "Must be between 1 and 100."}


def test_the_document_is_generated_from_the_models():
    document = openapi.document()
    assert document["openapi"].startswith("3.1")
    models = [schemas.CaseSubmission, schemas.Case, schemas.CaseList, schemas.Conflict, schemas.Error,
              schemas.ValidationErrors, schemas.BatchSubmission, schemas.BatchAnswer]
    _refs, definitions = models_json_schema([(m, "validation") for m in models], ref_template=openapi.REF)
    assert document["components"]["schemas"] == definitions["$defs"]
    submit = document["paths"]["/cases"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseSubmission"}
    batch = document["paths"]["/cases/batch"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BatchSubmission"}
    assert document["components"]["schemas"]["BatchSubmission"]["properties"]["cases"]["items"] == {
        "$ref": "#/components/schemas/CaseSubmission"}
    listing = document["paths"]["/cases"]["get"]["parameters"]
    assert [p["name"] for p in listing] == list(schemas.ListQuery.model_fields)
    assert listing[0]["schema"] == {"type": "string", "format": "date-time"}
    assert listing[2]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}


def test_answers_are_what_the_models_describe(client, db, make_case, hotline):
    for status in Status:
        case = make_case(status, channel="hotline_12345")
        schemas.Case.model_validate(client.get(f"/api/v1/cases/{case.reference}", headers=hotline).get_json())
    schemas.CaseList.model_validate(client.get("/api/v1/cases", headers=hotline).get_json())


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_schemas_is_framework_free():
    imports = _imports(ast.parse((API / "schemas.py").read_text()))
    allowed_roots = {"hashlib", "json", "math", "re", "sys", "collections.abc", "datetime", "decimal", "typing",
                     "pydantic", "pydantic_core"}
    assert {name for name in imports if not name.startswith("..core.")} <= allowed_roots, imports


def test_no_imports_inside_functions():
    for path in API.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert not _imports(node), (path.name, node.name)
