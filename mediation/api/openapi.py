"""The OpenAPI 3 document of the channel API, served at /api/v1/openapi.json.

Written out by hand next to the code it describes; the schemathesis test in
tests/api/test_openapi.py checks that every answer the endpoints give is documented here.
Limits come from `schemas.py`, so the two cannot drift apart.
"""
import copy

from ..core.lifecycle import Status
from ..core.vocab import CATEGORIES, Channel, Outcome, PartyRole
from . import schemas


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_name: str, description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}
    if headers:
        response["headers"] = headers
    return response


_TIMESTAMP = {"type": "string", "format": "date-time"}
_NULLABLE_TIMESTAMP = {**_TIMESTAMP, "nullable": True}

_ERRORS = {
    "Unauthorized": {
        "description": "No bearer token, or an unknown or revoked one.",
        "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"},
                                         "description": 'Bearer realm="mediation"'}},
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "NotFound": _json("Error", "No such case among this channel's cases."),
    "Invalid": _json("ValidationErrors", "Some fields are invalid; each is named by its path."),
}

_PARTY = {
    "type": "object",
    "required": ["name", "role"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": schemas.MAX_NAME},
        "role": {"type": "string", "enum": [r.value for r in PartyRole]},
        "phone": {"type": "string", "maxLength": 20, "nullable": True,
                  "description": "Mainland mobile number: 11 digits starting 13 to 19 (spaces, dashes ignored)."},
        "id_number": {"type": "string", "maxLength": 18, "nullable": True,
                      "description": "18-character resident ID number (GB 11643), check digit verified."},
        "address": {"type": "string", "maxLength": schemas.MAX_ADDRESS, "nullable": True},
        "vulnerable": {"type": "boolean", "nullable": True, "description": "Elderly, minor or disabled."},
        "has_petitioned": {"type": "boolean", "nullable": True, "description": "Has petitioned (信访) before."},
    },
}

_DETAILS = {
    "type": "object",
    "nullable": True,
    "description": "What the channel knows beyond the common fields, kept verbatim. Known keys are checked: "
                   "12345 `work_order_type` (咨询/求助/投诉/建议); 110 "
                   "`incident_number`, `violence`, `injury` (either true marks the case as involving "
                   "violence); grid `grid_id`; platform `application_number`. Other keys are kept as sent "
                   f"(at most {schemas.MAX_DETAILS_DEPTH} levels deep).",
    "properties": {
        "work_order_type": {"type": "string", "enum": [*schemas.WORK_ORDER_TYPES, None], "nullable": True},
        "incident_number": {"type": "string", "maxLength": schemas.MAX_DETAIL_TEXT, "nullable": True},
        "violence": {"type": "boolean", "nullable": True},
        "injury": {"type": "boolean", "nullable": True},
        "grid_id": {"type": "string", "maxLength": schemas.MAX_DETAIL_TEXT, "nullable": True},
        "application_number": {"type": "string", "maxLength": schemas.MAX_DETAIL_TEXT, "nullable": True},
    },
}

_SUBMISSION = {
    "type": "object",
    "required": ["external_id", "received_at", "category", "summary", "parties"],
    "description": "Unknown top-level fields are ignored. The content (the fields below that are not null) "
                   "decides whether a repeated `external_id` is the same submission (200) or a different "
                   "one (409).",
    "properties": {
        "external_id": {"type": "string", "minLength": 1, "maxLength": schemas.MAX_EXTERNAL_ID,
                        "description": "The channel's own reference (work order, incident or platform "
                                       "number); unique per channel."},
        "received_at": {**_TIMESTAMP, "description": "When the channel received the case: RFC 3339 with an "
                                                     "offset, not in the future."},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "summary": {"type": "string", "minLength": 1, "maxLength": schemas.MAX_SUMMARY},
        "location": {
            "type": "object", "nullable": True,
            "properties": {
                "address": {"type": "string", "maxLength": schemas.MAX_ADDRESS, "nullable": True},
                "village": {"type": "string", "maxLength": schemas.MAX_VILLAGE, "nullable": True,
                            "description": "Village or community name or code. An unknown one is not an "
                                           "error: the case keeps the address and no village."},
            },
        },
        "parties": {"type": "array", "minItems": 1, "maxItems": schemas.MAX_PARTIES, "items": _ref("Party")},
        "amount": {"type": "number", "minimum": 0, "maximum": float(schemas.MAX_AMOUNT), "nullable": True,
                   "description": "The sum in dispute, yuan."},
        "people_involved": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_PEOPLE, "nullable": True},
        "violence": {"type": "boolean", "nullable": True,
                     "description": "Violence, injury or threats reported."},
        "due_at": {**_NULLABLE_TIMESTAMP, "description": "The channel's own deadline for the case, if it has one."},
        "details": _ref("Details"),
    },
}

_OUTCOME = {
    "type": "object",
    "nullable": True,
    "description": "How the case was closed; null until it is.",
    "required": ["code", "amount", "closed_at", "agreement_summary", "referred_to"],
    "properties": {
        "code": {"type": "string", "enum": [o.value for o in Outcome]},
        "amount": {"type": "number", "nullable": True},
        "closed_at": _TIMESTAMP,
        "agreement_summary": {"type": "string", "nullable": True},
        "referred_to": {"type": "string", "nullable": True},
    },
}

_CASE = {
    "type": "object",
    "required": ["reference", "external_id", "channel", "status", "status_note", "received_at", "updated_at",
                 "deadlines", "merged_into", "outcome", "url"],
    "properties": {
        "reference": {"type": "string", "example": "XH-2026-000123"},
        "external_id": {"type": "string", "nullable": True},
        "channel": {"type": "string", "enum": [c.value for c in Channel]},
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "status_note": {"type": "string", "description": "A short text for the caller: what is happening."},
        "received_at": _TIMESTAMP,
        "updated_at": _TIMESTAMP,
        "deadlines": {
            "type": "object",
            "required": ["accept_by", "conclude_by"],
            "description": "In the town's time zone (+08:00). `conclude_by` is Open311's expected_datetime; "
                           "null until the case is accepted.",
            "properties": {"accept_by": _NULLABLE_TIMESTAMP, "conclude_by": _NULLABLE_TIMESTAMP},
        },
        "merged_into": {"type": "string", "nullable": True,
                        "description": "The reference of the case this one was merged into."},
        "outcome": _OUTCOME,
        "url": {"type": "string", "format": "uri"},
    },
}

_CASE_LIST = {
    "type": "object",
    "required": ["items", "page", "per_page", "total", "next"],
    "properties": {
        "items": {"type": "array", "items": _ref("Case")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0},
        "next": {"type": "string", "format": "uri", "nullable": True},
    },
}

_REFERENCE_PARAM = {"name": "reference", "in": "path", "required": True,
                    "schema": {"type": "string", "maxLength": 24}, "description": "The town's case reference."}


def document() -> dict:
    """A fresh copy each time: callers (schemathesis among them) may change what they get."""
    return copy.deepcopy(_document())


def _document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Dispute mediation: channel API",
            "version": "1.0.0",
            "description": "12345, 110, grid and platform systems submit cases and follow them. Each "
                           "system holds a bearer token for its channel and sees only its channel's cases. "
                           "Times are RFC 3339 with an offset; answers give them in the town's zone.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/cases": {
                "post": {
                    "operationId": "submitCase",
                    "summary": "Submit a case (idempotent per external_id)",
                    "requestBody": {"required": True,
                                    "content": {"application/json": {"schema": _ref("CaseSubmission")}}},
                    "responses": {
                        "201": _json("Case", "Registered.", headers={
                            "Location": {"required": True, "schema": {"type": "string", "format": "uri"}}}),
                        "200": _json("Case", "Already registered with the same content: the existing case."),
                        "400": _json("Error", "The body is not valid JSON, or not a JSON object."),
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "409": _json("Conflict", "This external_id is already registered with different "
                                                 "content; `reference` names the existing case."),
                        "413": _json("Error", "The body is larger than 1 MiB."),
                        "415": _json("Error", "The body is not sent as application/json."),
                        "422": {"$ref": "#/components/responses/Invalid"},
                        "503": _json("Error", "Too many registrations at the same moment; try again.",
                                     headers={"Retry-After": {"required": True, "schema": {"type": "integer"}}}),
                    },
                },
                "get": {
                    "operationId": "listCases",
                    "summary": "This channel's cases changed since a time, oldest change first",
                    "parameters": [
                        {"name": "updated_since", "in": "query", "required": False, "schema": _TIMESTAMP,
                         "description": "Cases with updated_at at or after this time. Encode the offset's "
                                        "`+` as %2B (or use Z)."},
                        {"name": "page", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_PAGE, "default": 1}},
                        {"name": "per_page", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_PER_PAGE,
                                    "default": schemas.DEFAULT_PER_PAGE}},
                    ],
                    "responses": {
                        "200": _json("CaseList", "One page, ordered by updated_at, then by registration."),
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "422": {"$ref": "#/components/responses/Invalid"},
                    },
                },
            },
            "/cases/{reference}": {
                "get": {
                    "operationId": "getCase",
                    "summary": "One of this channel's cases",
                    "parameters": [_REFERENCE_PARAM],
                    "responses": {
                        "200": _json("Case", "The case."),
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "`flask channel-token create --channel ...`"}},
            "responses": _ERRORS,
            "schemas": {
                "CaseSubmission": _SUBMISSION,
                "Party": _PARTY,
                "Details": _DETAILS,
                "Case": _CASE,
                "CaseList": _CASE_LIST,
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Conflict": {"type": "object", "required": ["error", "reference"],
                             "properties": {"error": {"type": "string"}, "reference": {"type": "string"}}},
                "ValidationErrors": {
                    "type": "object", "required": ["errors"],
                    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"},
                                              "example": {"parties[0].phone": "A mobile number has 11 digits "
                                                                              "and starts with 13 to 19."}}},
                },
            },
        },
    }
