"""The OpenAPI 3.1 document of the channel API, served at /api/v1/openapi.json.

Generated from the pydantic models in `schemas.py`, the ones that validate the requests:
their JSON Schemas (2020-12, which OpenAPI 3.1 uses as it is) are the components, and the
table of operations below says which models each endpoint takes and answers with. The
schemathesis test in tests/api/test_openapi.py checks every answer against this document.
"""
import copy
from dataclasses import dataclass, field
from functools import cache

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..outbox.services import OPENAPI_WEBHOOKS
from . import schemas
from .auth import REALM

REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Answer:
    model: type[BaseModel]
    description: str
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    operation_id: str
    summary: str
    answers: dict[int, Answer | str]  # a str names one of _SHARED's answers
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_parameters: type[BaseModel] | None = None


def _header(schema: dict, description: str = "") -> dict:
    return {"required": True, "schema": schema, **({"description": description} if description else {})}


_SHARED = {
    "Unauthorized": Answer(schemas.Error, "No bearer token, or an unknown or revoked one.",
                           {"WWW-Authenticate": _header({"type": "string"}, REALM)}),
    "NotFound": Answer(schemas.Error, "No such case among this channel's cases."),
    "Invalid": Answer(schemas.ValidationErrors, "Some fields are invalid; each is named by its path."),
}

OPERATIONS = (
    Operation("/cases", "post", "submitCase", "Submit a case (idempotent per external_id)",
              body=schemas.CaseSubmission, answers={
                  201: Answer(schemas.Case, "Registered.",
                              {"Location": _header({"type": "string", "format": "uri"})}),
                  200: Answer(schemas.Case, "Already registered with the same content: the existing case."),
                  400: Answer(schemas.Error, "The body is not valid JSON, or not a JSON object."),
                  401: "Unauthorized",
                  409: Answer(schemas.Conflict, "This external_id is already registered with different content; "
                                                "`reference` names the existing case."),
                  413: Answer(schemas.Error, "The body is larger than 1 MiB."),
                  415: Answer(schemas.Error, "The body is not sent as application/json."),
                  422: "Invalid",
                  503: Answer(schemas.Error, "Too many registrations at the same moment; try again.",
                              {"Retry-After": _header({"type": "integer"})}),
              }),
    Operation("/cases/batch", "post", "submitCases",
              f"Submit up to {schemas.MAX_BATCH} cases at once, each answered as submitCase would",
              body=schemas.BatchSubmission, answers={
                  200: Answer(schemas.BatchAnswer, "Each case's result, in the order sent; the registered ones "
                                                   "were stored together."),
                  400: Answer(schemas.Error, "The body is not valid JSON, or not a JSON object."),
                  401: "Unauthorized",
                  413: Answer(schemas.Error, "The body is larger than 1 MiB."),
                  415: Answer(schemas.Error, "The body is not sent as application/json."),
                  422: "Invalid",
                  503: Answer(schemas.Error, "The database is busy; nothing was saved. Send the same batch again "
                                             "after Retry-After seconds.",
                              {"Retry-After": _header({"type": "integer"})}),
              }),
    Operation("/cases", "get", "listCases", "This channel's cases changed since a time, oldest change first",
              query=schemas.ListQuery, answers={
                  200: Answer(schemas.CaseList, "One page, ordered by updated_at, then by registration."),
                  401: "Unauthorized",
                  422: "Invalid",
              }),
    Operation("/cases/{reference}", "get", "getCase", "One of this channel's cases",
              path_parameters=schemas.CasePath, answers={
                  200: Answer(schemas.Case, "The case."),
                  401: "Unauthorized",
                  404: "NotFound",
              }),
)


def document() -> dict:
    """A fresh copy each time: callers (schemathesis among them) may change what they get."""
    return copy.deepcopy(_document())


@cache
def _document() -> dict:
    models = {answer.model for answer in _SHARED.values()}
    for operation in OPERATIONS:
        models.update(a.model for a in operation.answers.values() if isinstance(a, Answer))
        if operation.body is not None:
            models.add(operation.body)
    refs, definitions = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                           ref_template=REF)
    refs = {model: ref for (model, _mode), ref in refs.items()}
    paths: dict[str, dict] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method] = _operation(operation, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dispute mediation: channel API",
            "version": "1.0.0",
            "description": "12345, 110, grid and platform systems submit cases and follow them. Each "
                           "system holds a bearer token for its channel and sees only its channel's cases. "
                           "Times are RFC 3339 with an offset; answers give them in the town's zone. "
                           "Language: the texts meant to be read to a person (`status_note`) are in Simplified "
                           "Chinese (zh-CN) unless the request's Accept-Language prefers English (en); the "
                           "answer's Content-Language says which. Codes, field names and error messages are "
                           "for developers and are in English.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "webhooks": OPENAPI_WEBHOOKS,  # the signed callbacks a channel receives (mediation/outbox)
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token an administrator creates on the channel tokens page "
                                                              "or with `flask channel-token create --channel ...`"}},
            "responses": {name: _answer(answer, refs) for name, answer in _SHARED.items()},
            "schemas": definitions["$defs"],
        },
    }


def _operation(operation: Operation, refs: dict) -> dict:
    result = {"operationId": operation.operation_id, "summary": operation.summary}
    parameters = []
    if operation.path_parameters is not None:
        parameters += _parameters(operation.path_parameters, "path")
    if operation.query is not None:
        parameters += _parameters(operation.query, "query")
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": refs[operation.body]}}}
    result["responses"] = {str(status): {"$ref": f"#/components/responses/{answer}"} if isinstance(answer, str)
                           else _answer(answer, refs) for status, answer in operation.answers.items()}
    return result


def _answer(answer: Answer, refs: dict) -> dict:
    response = {"description": answer.description,
                "content": {"application/json": {"schema": refs[answer.model]}}}
    if answer.headers:
        response["headers"] = answer.headers
    return response


def _parameters(model: type[BaseModel], where: str) -> list[dict]:
    """One parameter for each field of `model`, its schema the field's."""
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = _when_sent(prop)
        prop.pop("title", None)
        parameter = {"name": name, "in": where, "required": where == "path" or name in required}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        parameters.append({**parameter, "schema": prop})
    return parameters


def _when_sent(schema: dict) -> dict:
    """A parameter not sent is null: describe the value it has when it is sent."""
    variants = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if "anyOf" not in schema or len(variants) != 1:
        return dict(schema)
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**variants[0], **rest}
