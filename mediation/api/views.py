"""The channel API (/api/v1): 12345, 110, grid and platform systems push and poll cases.

JSON in and out, every answer described in the OpenAPI document (`openapi.py`, generated from
the models in `schemas.py`). A token sees only its own channel's cases: every query filters
on the token's channel, so another channel's case is not found (404) rather than forbidden,
which would confirm that it exists.

Submissions are idempotent per (channel, external_id): the database's unique constraint
decides races, and whoever loses one re-reads the winner's case and answers as for a repeat
(200 when the content is the same, 409 when it differs).

A busy database (a write lock held elsewhere, a deadlock, a serialization failure: see
`auth.database_busy`) is not an error of the request. A registration tries again a couple of
times within about a second, after a short random pause; then it answers 503 with
`Retry-After: 1`, having written nothing, and the channel's retry of the same submission is
answered as above. Busy anywhere else in the API gives the same 503 (the factory's handler).
"""
import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, tzinfo

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

from ..organisation.models import Village
from ..auth import audit
from ..cases.models import Case
from ..core.errors import N_, DomainError
from ..core.identity import scrub_identifiers
from ..core.lifecycle import Status
from ..core.town import Town
from ..db import utcnow
from ..extensions import db
from ..intake.services import CaseData, PartyData, register_cases
from ..labels import label
from ..organisation.town import current_town
from . import openapi, schemas
from .auth import ApiClient, current_client, database_busy, token_required

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# A registration that loses a race on something other than its own external_id (the first
# reference number of a year, handed out to two different cases at once) tries again.
REGISTER_ATTEMPTS = 3
# A registration that finds the database busy tries again at most BUSY_RETRIES times, after a
# random pause of up to BUSY_PAUSE seconds times the retry's number, and only while less than
# BUSY_RETRY_WITHIN seconds have passed since it started: one that already waited out SQLite's
# busy timeout answers 503 at once instead of holding the worker for another round.
BUSY_RETRIES = 2
BUSY_PAUSE = 0.1
BUSY_RETRY_WITHIN = 1.0
_REFERENCE = re.compile(rf"[A-Za-z0-9-]{{1,{schemas.MAX_REFERENCE}}}")
# register_case's field names where they differ from the API's.
_FIELD_PATHS = {"external_ref": "external_id", "village_id": "location.village", "address": "location.address",
                "channel_due_at": "due_at", None: "body"}
_CLOSED = {Status.CLOSED.value, Status.FOLLOWED_UP.value, Status.ARCHIVED.value}
# How a closed case ended, as `status_note` says it (English msgids, translated per request).
_OUTCOME_TEXT = {
    "agreement_written": N_("settled by a written agreement"),
    "agreement_oral": N_("settled by an oral agreement"),
    "failed_referred": N_("no agreement; the parties were referred on"),
    "withdrawn": N_("the application was withdrawn"),
    "transferred_out": N_("transferred out of mediation"),
}
_HTTP_MESSAGES = {
    400: "The request could not be understood.",
    404: "No such endpoint; see /api/v1/openapi.json.",
    405: "This method is not allowed here; see /api/v1/openapi.json.",
    413: "The request body is larger than 1 MiB.",
    500: "Something went wrong on our side; nothing was saved.",
    503: "The database is busy; nothing was saved. Try again after Retry-After seconds.",
}


def error(status: int, message: str, **extra):
    response = jsonify(error=message, **extra)
    response.status_code = status
    return response


def busy(message: str = _HTTP_MESSAGES[503]):
    """503 with `Retry-After: 1`: nothing was written, the same request may be sent again."""
    response = error(503, message)
    response.headers["Retry-After"] = "1"
    return response


def invalid(errors: dict[str, str]):
    response = jsonify(errors=errors)
    response.status_code = 422
    return response


# The app renders its error pages as HTML; inside the API every error is JSON. Handlers are
# registered per code because Flask prefers the app's code-specific handlers to a
# blueprint's catch-all HTTPException one.
def _http_error(exc: HTTPException):
    response = error(exc.code or 500, _HTTP_MESSAGES.get(exc.code, exc.description or exc.name))
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _server_error(exc):
    db.session.rollback()
    if database_busy(getattr(exc, "original_exception", None)):  # raised where no handler caught it
        log.warning("database busy in the channel API (%s %s): %s", request.method, request.path,
                    exc.original_exception.orig)
        return busy()
    log.exception("unhandled error in the channel API")
    return error(500, _HTTP_MESSAGES[500])


for _code in (400, 403, 404, 405, 413, 415):
    bp.register_error_handler(_code, _http_error)
bp.register_error_handler(HTTPException, _http_error)
bp.register_error_handler(500, _server_error)


@bp.after_request
def _content_language(response):
    """Which language `status_note` is in (answer_locale): caches keep one per Accept-Language."""
    response.headers["Content-Language"] = "en" if answer_locale() == "en" else "zh-CN"
    response.headers.add("Vary", "Accept-Language")
    return response


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


def _json_body() -> tuple[object, object]:
    """(the parsed JSON body, None), or (None, the error answer) when there is no usable one."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and request.content_length is not None and request.content_length > limit:
        return None, error(413, _HTTP_MESSAGES[413])
    if not request.is_json:
        return None, error(415, "Send the case as JSON, with Content-Type: application/json.")
    raw = request.get_data(cache=False)
    if limit is not None and request.content_length is None and len(raw) >= limit:
        request.stream.read(1)  # a streamed (chunked) body cut at the limit: 413 if it went on
    try:
        body = schemas.loads(raw)
    except ValueError:
        return None, error(400, "The body is not valid JSON (UTF-8, no NaN or Infinity).")
    if not isinstance(body, dict):
        return None, error(400, "The body must be a JSON object.")
    return body, None


@bp.post("/cases")
@token_required
def submit_case():
    client = current_client()
    body, refusal = _json_body()
    if refusal is not None:
        return refusal
    now, town = utcnow(), current_town()
    try:
        submission = schemas.parse_submission(body, now)
    except schemas.Invalid as exc:
        return invalid(exc.errors)
    data = _case_data(client.channel, submission, schemas.content_hash(body), _villages([submission]))
    answers = _register(client, [data], now, town)
    if not isinstance(answers, list):
        return answers  # busy
    (answer,) = answers
    if answer.status == 422:
        return invalid(answer.errors)
    if answer.status == 409:
        return _conflict(answer)
    payload = case_json(answer.case, town.tz)
    response = jsonify(payload)
    response.status_code = answer.status
    if answer.status == 201:
        response.headers["Location"] = payload["url"]
    return response


@bp.post("/cases/batch")
@token_required
def submit_cases():
    """Up to schemas.MAX_BATCH cases: each checked and answered on its own, the good ones
    registered in one transaction (a busy database: 503 for the whole batch, nothing written;
    sending it again is answered case by case as a repeat or a registration)."""
    client = current_client()
    body, refusal = _json_body()
    if refusal is not None:
        return refusal
    now, town = utcnow(), current_town()
    try:
        raw_cases = schemas.parse_batch(body)
    except schemas.Invalid as exc:
        return invalid(exc.errors)
    answers: list[_Answer | None] = [None] * len(raw_cases)
    submissions, positions = [], []
    for n, raw in enumerate(raw_cases):
        try:
            submissions.append(schemas.parse_submission(raw, now))
        except schemas.Invalid as exc:
            answers[n] = _Answer(422, errors=exc.errors)
            continue
        positions.append(n)
    villages = _villages(submissions)
    items = [_case_data(client.channel, submission, schemas.content_hash(raw_cases[n]), villages)
             for n, submission in zip(positions, submissions)]
    if items:
        registered = _register(client, items, now, town)
        if not isinstance(registered, list):
            return registered  # busy
        for n, answer in zip(positions, registered):
            answers[n] = answer
    with force_locale(answer_locale()):
        results = [_batch_item(n, answer, town.tz) for n, answer in enumerate(answers)]
    counts = {"created": 0, "repeated": 0, "conflicts": 0, "invalid": 0}
    for answer in answers:
        counts[_COUNTED[answer.status]] += 1
    return jsonify(results=results, counts=counts)


_COUNTED = {201: "created", 200: "repeated", 409: "conflicts", 422: "invalid"}


@dataclass
class _Answer:
    """What one submission comes to: 201 registered, 200 a repeat, 409 a conflict (`case` the
    existing one), 422 invalid (`errors` by field path)."""

    status: int
    case: Case | None = None
    errors: dict[str, str] | None = None


def _conflict(answer: _Answer):
    return error(409, _conflict_message(answer), reference=answer.case.reference)


def _conflict_message(answer: _Answer) -> str:
    return (f"external_id {answer.case.external_ref!r} is already registered as {answer.case.reference} "
            "with different content.")


def _batch_item(index: int, answer: _Answer, tz: tzinfo) -> dict:
    item: dict = {"index": index, "status": answer.status}
    if answer.status in (200, 201):
        item["case"] = _case_json(answer.case, tz)
    elif answer.status == 409:
        item.update(reference=answer.case.reference, error=_conflict_message(answer))
    else:
        item["errors"] = answer.errors
    return item


def _register(client: ApiClient, items: list[CaseData], now: datetime, town: Town) -> list[_Answer] | object:
    """Register the items in one transaction and commit: one answer per item, in order; or the
    503 answer when the database stays busy (nothing written)."""
    started, races, busy_retries = time.monotonic(), 0, 0
    while races < REGISTER_ATTEMPTS:
        try:
            answers = _answers(client.channel, items, register_cases(items, None, now=now, town=town))
            for answer in answers:
                if answer.status == 201:
                    audit.record("api_register", None, "case", answer.case.reference, channel=client.channel,
                                 token_id=client.token_id, external_id=answer.case.external_ref, at=now,
                                 ip=request.remote_addr)
            case_ids = {a.case.id for a in answers if a.case is not None}
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # lost a race to a concurrent registration; look again
            races += 1
            log.info("channel %s: concurrent registration of %d case(s), re-reading", client.channel, len(items))
            continue
        except DBAPIError as exc:
            db.session.rollback()
            if not database_busy(exc):
                raise
            if busy_retries >= BUSY_RETRIES or time.monotonic() - started >= BUSY_RETRY_WITHIN:
                log.warning("channel %s: database busy, answering 503 for %d case(s) (%s)",
                            client.channel, len(items), exc.orig)
                return busy()
            busy_retries += 1
            log.info("channel %s: database busy, retry %d", client.channel, busy_retries)
            time.sleep(random.uniform(0, BUSY_PAUSE * busy_retries))
            continue
        stored = _reload(case_ids)
        answers = [_Answer(a.status, stored[a.case.id], a.errors) if a.case is not None else a for a in answers]
        created = [a.case.reference for a in answers if a.status == 201]
        if created:
            log.info("channel %s registered %d case(s): %s", client.channel, len(created),
                     ", ".join(created[:5]) + (" …" if len(created) > 5 else ""))
        return answers
    log.warning("channel %s: gave up on %d case(s) after %d attempts", client.channel, len(items),
                races + busy_retries)
    return busy("Too many registrations at the same moment; try again.")


def _reload(case_ids: set[int]) -> dict[int, Case]:
    """The cases answered with, as committed, read in one statement with what case_json shows."""
    if not case_ids:
        return {}
    return {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(case_ids)).options(
        selectinload(Case.outcome), selectinload(Case.merged_into), selectinload(Case.lead_office)))}


def _answers(channel: str, items: list[CaseData], results: list) -> list[_Answer]:
    """register_cases' results as answers: a refused channel reference is a repeat or a conflict
    with the case that holds it (read in one statement, this batch's own new cases included)."""
    taken = [data.external_ref for data, result in zip(items, results)
             if isinstance(result, DomainError) and result.field == "external_ref"]
    holders = {}
    if taken:
        holders = {case.external_ref: case for case in db.session.scalars(
            select(Case).where(Case.channel == channel, Case.external_ref.in_(set(taken))))}
    answers = []
    for data, result in zip(items, results):
        if not isinstance(result, DomainError):
            answers.append(_Answer(201, result))
        elif result.field == "external_ref" and data.external_ref in holders:
            holder = holders[data.external_ref]
            answers.append(_Answer(200 if holder.content_hash == data.content_hash else 409, holder))
        else:
            path = _FIELD_PATHS.get(result.field, result.field)
            answers.append(_Answer(422, errors={path: result.message % result.params}))
    return answers


def _case_data(channel: str, sub: schemas.CaseSubmission, content_hash: str, villages: dict[str, int]) -> CaseData:
    """What register_cases takes, from a valid submission; `villages` from _villages."""
    location = sub.location or schemas.Location()
    return CaseData(
        channel=channel, external_ref=sub.external_id, received_at=sub.received_at, category=sub.category,
        summary=sub.summary, village_id=villages.get(location.village or ""), address=location.address,
        parties=[PartyData(**party.model_dump()) for party in sub.parties],
        details=sub.details.as_sent() if sub.details is not None else {}, channel_due_at=sub.due_at,
        amount=sub.amount_yuan, people_involved=sub.people_involved, violence=sub.violence_for(channel),
        content_hash=content_hash)


def _villages(submissions: list[schemas.CaseSubmission]) -> dict[str, int]:
    """name or code -> village id, for the villages these submissions name (one statement); an
    unknown one is simply not set. A name or code two villages share goes to the first."""
    named = {s.location.village for s in submissions if s.location is not None and s.location.village}
    found: dict[str, int] = {}
    if named:
        for village_id, name, code in db.session.execute(
                select(Village.id, Village.name, Village.code)
                .where(or_(Village.name.in_(named), Village.code.in_(named))).order_by(Village.id.desc())):
            for key in (name, code):
                if key in named:
                    found[key] = village_id  # descending ids: the first village is written last
    return found


@bp.get("/cases/<reference>")
@token_required
def get_case(reference):
    client = current_client()
    case = None
    if _REFERENCE.fullmatch(reference):
        case = db.session.scalar(select(Case).where(Case.reference == reference, Case.channel == client.channel))
    if case is None:
        return error(404, "No case with this reference among this channel's cases.")
    return jsonify(case_json(case, current_town().tz))


@bp.get("/cases")
@token_required
def list_cases():
    client = current_client()
    try:
        query = schemas.parse_list_query(request.args)
    except schemas.Invalid as exc:
        return invalid(exc.errors)
    conditions = [Case.channel == client.channel]
    if query.updated_since is not None:
        conditions.append(Case.updated_at >= query.updated_since)
    total = db.session.scalar(select(func.count()).select_from(Case).where(*conditions))
    cases = db.session.scalars(
        select(Case).where(*conditions)
        .options(selectinload(Case.merged_into), selectinload(Case.outcome), selectinload(Case.lead_office))
        .order_by(Case.updated_at, Case.id)
        .limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    next_url = None
    if query.page * query.per_page < total:
        args = {"updated_since": query.updated_since_text} if query.updated_since is not None else {}
        next_url = url_for("api.list_cases", page=query.page + 1, per_page=query.per_page, _external=True, **args)
    tz = current_town().tz
    return jsonify(items=[case_json(c, tz) for c in cases], page=query.page, per_page=query.per_page,
                   total=total, next=next_url)


_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.route("/", defaults={"path": ""}, methods=_ALL_METHODS)
@bp.route("/<path:path>", methods=_ALL_METHODS)
def unknown(path):
    """Anything else under /api/v1 answers in JSON too: 405 on a known path, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _args = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != "api.unknown":
            allowed.append(method)
    if allowed:
        response = error(405, _HTTP_MESSAGES[405])
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return error(404, _HTTP_MESSAGES[404])


# ---------------------------------------------------------------------------------------------
# What a channel sees of a case


def case_json(case: Case, tz: tzinfo) -> dict:
    with force_locale(answer_locale()):
        return _case_json(case, tz)


def _case_json(case: Case, tz: tzinfo) -> dict:
    """case_json inside the answer's locale."""
    return {
        "reference": case.reference,
        "external_id": case.external_ref,
        "channel": case.channel,
        "status": case.status,
        "status_note": _status_note(case, tz),
        "received_at": _iso(case.received_at, tz),
        "updated_at": _iso(case.updated_at, tz),
        "deadlines": {"accept_by": _iso(case.accept_by, tz), "conclude_by": _iso(case.conclude_by, tz),
                      "reply_by": _iso(case.reply_by, tz)},
        "merged_into": case.merged_into.reference if case.merged_into_id else None,
        "outcome": _outcome(case, tz),
        "url": url_for("api.get_case", reference=case.reference, _external=True),
    }


def answer_locale() -> str:
    """The language of the API's texts meant for people (`status_note`): English when the
    request's Accept-Language prefers it, else Chinese (zh_CN), the default. Codes, field names
    and error messages are for the channel's developers and stay as the OpenAPI document says."""
    best = request.accept_languages.best_match(("zh-CN", "zh", "en"), default="zh-CN")
    return "en" if best.startswith("en") else "zh_CN"


def _status_note(case: Case, tz: tzinfo) -> str:
    """One line a 12345 operator can read to the caller, in the current locale (answer_locale's)."""
    status = case.status
    if status == Status.REGISTERED.value:
        return _("Registered; to be accepted or rejected by %(day)s.", day=_day(case.accept_by, tz))
    if status == Status.ACCEPTED.value:
        return _("Accepted; mediation is being arranged, to conclude by %(day)s.", day=_day(case.conclude_by, tz))
    if status == Status.REJECTED.value:
        return _("Rejected: %(reason)s", reason=scrub_identifiers(case.reject_reason))
    if status == Status.IN_MEDIATION.value:
        if case.lead_office is not None:
            return _("In mediation with %(office)s; to conclude by %(day)s.", office=case.lead_office.name,
                     day=_day(case.conclude_by, tz))
        return _("In mediation; to conclude by %(day)s.", day=_day(case.conclude_by, tz))
    if status == Status.MERGED.value:
        survivor = case.merged_into
        if survivor.closed_at is not None and survivor.outcome is not None:
            return _("Merged into %(reference)s, which handles the same dispute; it is closed: %(outcome)s.",
                     reference=survivor.reference, outcome=_outcome_text(survivor.outcome))
        return _("Merged into %(reference)s, which handles the same dispute.", reference=survivor.reference)
    if status in _CLOSED and case.outcome is not None:
        outcome = _outcome_text(case.outcome)
        if status == Status.FOLLOWED_UP.value:
            return _("Closed: %(outcome)s; return visit made.", outcome=outcome)
        if status == Status.ARCHIVED.value:
            return _("Closed: %(outcome)s; archived.", outcome=outcome)
        return _("Closed: %(outcome)s.", outcome=outcome)
    return label("status", status)


def _outcome_text(outcome) -> str:
    text = _OUTCOME_TEXT.get(outcome.outcome)
    text = _(text) if text is not None else label("outcome", outcome.outcome)
    if outcome.referred_to:
        text = _("%(outcome)s (%(referred_to)s)", outcome=text, referred_to=scrub_identifiers(outcome.referred_to))
    return text


def _outcome(case: Case, tz: tzinfo) -> dict | None:
    outcome = case.outcome
    if case.status not in _CLOSED or outcome is None:
        return None
    # Scrubbed before it is cut: a number cut in half would no longer be recognised.
    summary = scrub_identifiers(outcome.agreement_text) if outcome.agreement_text is not None else None
    if summary and len(summary) > 200:
        summary = summary[:199] + "…"
    return {"code": outcome.outcome, "amount": float(outcome.amount) if outcome.amount is not None else None,
            "closed_at": _iso(outcome.closed_at, tz), "agreement_summary": summary,
            "referred_to": scrub_identifiers(outcome.referred_to) if outcome.referred_to is not None else None}


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None


def _day(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d") if value is not None else _("a date still to be set")
