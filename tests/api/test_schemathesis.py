"""Schemathesis over the channel API, from the OpenAPI document the app serves (fetched through
the WSGI app, as a channel system would): valid and invalid requests, NUL bytes allowed in every
string, to every operation with a valid token. None may be answered with a server error, on
SQLite and on PostgreSQL (issue #10, item 6). test_openapi.py checks conformance in depth; this
file is the net for 500s, with more examples and both generation modes named explicitly.

The document is loaded at collection from an app of the testing configuration (serving it needs
no database); each request goes to the session's `app`, whose database the fixtures fill.
"""
import itertools
from datetime import timedelta

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from mediation import create_app
from mediation.db import utcnow

from .conftest import local_iso

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app("testing"))
# The token is sent by the test itself; schemathesis's own variations of it would drop it from a
# request that still carries ours.
SCHEMA.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], allow_x00=True,
                                with_security_parameters=False)


def test_the_document_is_the_one_served():
    assert set(SCHEMA.raw_schema["paths"]) == {"/cases", "/cases/batch", "/cases/{reference}"}


@SCHEMA.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_request_gets_a_server_error(case, app, town, hotline):
    case.call_and_validate(app=app, headers=hotline, checks=[not_a_server_error])


SERIAL = itertools.count()


def map_body(ctx, body):
    """Generated submissions rarely pass every rule beyond the schema (a real mobile number and ID
    check digit, a received time in the past), so few would reach the database with their text.
    These do: the generated strings (NUL included) are kept, the rules the document cannot say are
    met, so what is stored is what was generated."""
    if not isinstance(body, dict):
        return body
    if isinstance(body.get("cases"), list):  # a batch: each of its cases
        return {**body, "cases": [map_body(ctx, item) for item in body["cases"]]}
    external_id = body.get("external_id")
    body = {**body, "received_at": local_iso(utcnow() - timedelta(hours=1)), "category": "邻里", "due_at": None,
            # unique: a repeated one is answered 409 before anything is stored
            "external_id": f"{external_id[:50]}-{next(SERIAL)}" if isinstance(external_id, str) else external_id}
    if isinstance(body.get("parties"), list):
        body["parties"] = [{**p, "phone": "", "id_number": "", "role": "applicant"} if isinstance(p, dict) else p
                           for p in body["parties"]]
    return body


@SCHEMA.hooks.apply(map_body)
@SCHEMA.include(method="POST").parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_generated_text_that_reaches_the_database_gets_no_server_error(case, app, town, hotline):
    case.call_and_validate(app=app, headers=hotline, checks=[not_a_server_error])
