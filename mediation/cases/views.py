"""Queue, case detail, and one form per lifecycle action. Thin: rules live in core/ and services."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..organisation.models import Office
from ..auth import audit
from ..auth.permissions import may
from ..auth.queries import assignable_users
from ..core.errors import DomainError, StaleVersion
from ..core.lifecycle import (ANSWER_CAPACITIES, OPEN_STATUSES, TRANSITIONS, Action, Status, available_actions,
                              may_answer_supervision)
from ..core.permissions import Page
from ..core.risk import RULES_BY_CODE
from ..db import utcnow
from ..extensions import db
from ..forms_common import MAX_ID
from ..labels import LABELS, label
from ..organisation.town import current_town
from .access import actor_for, get_visible_case_or_404, sees_personal_data, visible_cases
from .forms import (ACTION_FORMS, AnswerSupervisionForm, AssignForm, CloseForm, FollowUpForm, LogSessionForm,
                    RouteForm, TransferForm)
from .models import Case, MediationSession, ReturnVisit, Supervision, TimelineEvent
from .duplicates import find_duplicates, link_cases, linked_cases
from .routing import propose_for
from .services import answer_supervision, default_return_visit_on, facts_for, perform
from .similar import similar_cases
from .queue_views import register as register_queue
from .consultation_views import register as register_consultations
from .consultations import consultation_panel
from .appointment_views import appointments_panel, register as register_appointments

bp = Blueprint("cases", __name__, url_prefix="/cases")

# Lifecycle payload fields named by a refusal, and the form fields that show them.
FORM_FIELD = {"mediator_id": "mediator", "lead_office_id": "lead_office", "co_office_ids": "co_offices",
              "merge_target": "target"}


register_queue(bp)
register_consultations(bp)
register_appointments(bp)


@bp.route("/<reference>")
@login_required
def detail(reference: str):
    """Personal data masked for everyone by default; those who work the case reveal it with a click."""
    case = get_visible_case_or_404(current_user, reference)
    return _detail_page(case, full=False)


@bp.route("/<reference>/reveal", methods=["POST"])
@login_required
def reveal(reference: str):
    """Show this case's phone numbers, ID numbers, addresses and free text in full, and record it.

    A POST (with CSRF) so that a link, a prefetch or a crawler never reveals anything."""
    case = get_visible_case_or_404(current_user, reference)
    if not sees_personal_data(current_user, case):
        abort(403)
    page = _detail_page(case, full=True)
    fields = _revealed_fields(case)
    # Recorded after rendering: the commit would expire what the page loaded.
    audit.record("reveal", current_user, "case", case.reference, fields=fields, at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    return page


def _revealed_fields(case: Case) -> list[str]:
    fields = {"free_text"}
    for party in case.parties:
        fields.update(name for name, value in (("phone", party.phone), ("id_number", party.id_number),
                                               ("address", party.address)) if value)
    if case.address:
        fields.add("address")
    return sorted(fields)


def _detail_page(case: Case, *, full: bool) -> str:
    _load_case_parts(case)
    may_reveal = sees_personal_data(current_user, case)
    actions = available_actions(facts_for(case), actor_for(current_user, case))
    supervising = may(current_user, Page.SUPERVISION)
    absorbed_ids = [c.id for c in case.absorbed]
    timeline = case.timeline if not absorbed_ids else db.session.scalars(
        select(TimelineEvent).options(joinedload(TimelineEvent.actor), joinedload(TimelineEvent.case))
        .where(TimelineEvent.case_id.in_([case.id, *absorbed_ids])).order_by(TimelineEvent.at, TimelineEvent.id)).all()
    duplicates = find_duplicates(case) if supervising and case.status_enum in OPEN_STATUSES else []
    answer_form = None
    if may_answer_supervision(facts_for(case), actor_for(current_user, case)):
        answer_form = AnswerSupervisionForm(formdata=None, version=case.version)
    return render_template("cases/detail.html", case=case, full=full, may_reveal=may_reveal, actions=actions,
                           now=utcnow(), timeline=timeline, duplicates=duplicates, linked=linked_cases(case),
                           supervising=supervising, risk_rules=RULES_BY_CODE, answer_form=answer_form,
                           details=shown_details(case), scheduled_visit=_scheduled_visit(case),
                           similar=similar_cases(case, user=current_user) if case.status_enum in OPEN_STATUSES else None,
                           mergeable={Status.REGISTERED.value, Status.ACCEPTED.value},
                           consultations=consultation_panel(case, current_user),
                           appointments=appointments_panel(case))


def shown_details(case: Case) -> list[tuple[str, object]]:
    """What the channel sent, as far as it has a label ("detail" labels): bookkeeping an import or a
    channel leaves behind (batch and row numbers, its own category) never reaches the page."""
    known = LABELS["detail"]
    return [(key, value) for key, value in (case.details or {}).items() if key in known]


def _scheduled_visit(case: Case):
    return next((v for v in reversed(case.return_visits) if not v.done), None)


@bp.route("/<reference>/supervision/answer", methods=["GET", "POST"])
@login_required
def answer(reference: str):
    """督办反馈: the assigned mediator (or a participating office's liaison) answers the open instructions."""
    case = get_visible_case_or_404(current_user, reference)
    actor = actor_for(current_user, case)
    if not actor.capacities & ANSWER_CAPACITIES:
        abort(403)
    form = AnswerSupervisionForm()
    if request.method == "GET":
        if not may_answer_supervision(facts_for(case), actor):
            flash(_("This case has no open supervision to answer."), "warning")
            return redirect(url_for(".detail", reference=case.reference))
        form.version.data = case.version
        return render_template("cases/answer.html", case=case, form=form)
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            answer_supervision(case, current_user, form.answer.data, now=utcnow(), town=current_town(),
                               expected_version=version)
            db.session.commit()
        except (StaleVersion, StaleDataError):
            db.session.rollback()
            case = get_visible_case_or_404(current_user, reference)
            form.version.data = case.version
            flash(_("Someone else changed this case after you opened it. "
                    "Nothing was saved: check the case, then send your answer again."), "warning")
            return render_template("cases/answer.html", case=case, form=form), 409
        except DomainError as err:
            db.session.rollback()
            case = get_visible_case_or_404(current_user, reference)
            if err.field == "answer":
                form.answer.errors = list(form.answer.errors) + [_message(err)]
            else:
                flash(_message(err), "danger")
            return render_template("cases/answer.html", case=case, form=form), 422
        flash(_("Your answer was sent to the judicial office."), "success")
        return redirect(url_for(".detail", reference=case.reference), 303)
    return render_template("cases/answer.html", case=case, form=form), 422


@bp.route("/<reference>/link", methods=["POST"])
@login_required
def link(reference: str):
    """Cross-reference this case with another about the same dispute (both stay open)."""
    if not may(current_user, Page.SUPERVISION):
        abort(403)
    case = get_visible_case_or_404(current_user, reference)
    other = get_visible_case_or_404(current_user, (request.form.get("other") or "").strip().upper())
    try:
        link_cases(case, other, current_user, utcnow())
        db.session.commit()
        flash(_("Linked with %(reference)s.", reference=other.reference), "success")
    except DomainError as err:
        db.session.rollback()
        flash(_message(err), "warning")
    return redirect(url_for(".detail", reference=case.reference), 303)


def _load_case_parts(case: Case) -> None:
    """Load every collection the detail page shows in a fixed number of queries."""
    db.session.scalars(
        select(Case).where(Case.id == case.id).options(
            selectinload(Case.parties), selectinload(Case.co_offices),
            selectinload(Case.timeline).joinedload(TimelineEvent.actor),
            selectinload(Case.sessions).joinedload(MediationSession.logged_by),
            selectinload(Case.outcome), selectinload(Case.return_visits).joinedload(ReturnVisit.visited_by),
            selectinload(Case.supervisions).options(joinedload(Supervision.created_by),
                                                    joinedload(Supervision.answered_by)),
            joinedload(Case.lead_office), joinedload(Case.village), joinedload(Case.mediator),
            joinedload(Case.merged_into), selectinload(Case.absorbed), joinedload(Case.routing_rule))
    ).all()


def _offices():
    return db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id)).all()


def _mediator_choices(office_ids=None) -> list[tuple[int, str]]:
    return [(u.id, f"{u.display_name} ({u.office.name})") for u in assignable_users(office_ids)]


def _prepare(form, case: Case):
    """Fill choice lists that come from the database; return the routing proposal, if any."""
    if isinstance(form, AssignForm):
        form.mediator.choices = _mediator_choices(case.office_ids)
        if request.method == "GET" and case.mediator_id:
            form.mediator.data = case.mediator_id
        return None
    if isinstance(form, RouteForm):
        offices = _offices()
        form.lead_office.choices = [(o.id, o.name) for o in offices]
        form.co_offices.choices = [(o.id, o.name) for o in offices]
        form.mediator.choices = [(0, _("Not yet"))] + _mediator_choices()
        proposal = propose_for(case)
        if request.method == "GET" and proposal is not None:
            form.lead_office.data = proposal.lead_office_id
            form.co_offices.data = list(proposal.co_office_ids)
        elif request.method == "GET" and case.lead_office_id:
            form.lead_office.data = case.lead_office_id
        return proposal
    if isinstance(form, TransferForm):
        form.lead_office.choices = [(o.id, o.name) for o in _offices() if o.id != case.lead_office_id]
    if isinstance(form, CloseForm):
        # 反馈 is asked for only while a 督办 is open; the return visit defaults to the policy's day.
        if "answer" in form and not any(s.done_at is None for s in case.supervisions):
            del form.answer
        if request.method == "GET":
            form.return_visit_on.data = default_return_visit_on(case, utcnow(), current_town())
    if isinstance(form, FollowUpForm) and request.method == "GET":
        visit = _scheduled_visit(case)
        form.visit_method.data = visit.method if visit is not None and visit.method else None
    if isinstance(form, LogSessionForm) and request.method == "GET" and form.held_at.data is None:
        # Now, on the town's clock, to the minute (what a datetime-local input shows).
        form.held_at.data = utcnow().astimezone(current_town().tz).replace(tzinfo=None, second=0, microsecond=0)
    return None


def _last_event_id(case: Case) -> int:
    """The newest timeline event when the form was shown: a stale submission lists what came after."""
    return db.session.scalar(select(func.max(TimelineEvent.id)).where(TimelineEvent.case_id == case.id)) or 0


STALE_CHANGES_SHOWN = 20


def _changes_since(case: Case, seen: int | None) -> list[TimelineEvent]:
    """The timeline events after `seen` (the newest one the user's form was built on), oldest first;
    without a usable `seen` (a form from before this field), the last few."""
    stmt = select(TimelineEvent).options(joinedload(TimelineEvent.actor)).where(TimelineEvent.case_id == case.id)
    if seen is not None and 0 <= seen <= MAX_ID:
        return db.session.scalars(stmt.where(TimelineEvent.id > seen).order_by(TimelineEvent.id)
                                  .limit(STALE_CHANGES_SHOWN)).all()
    recent = db.session.scalars(stmt.order_by(TimelineEvent.id.desc()).limit(5)).all()
    return list(reversed(recent))


def _message(err: DomainError) -> str:
    params = {k: label("status", v) if k == "status" else v for k, v in err.params.items()}
    return _(err.message, **params)


@bp.route("/<reference>/<action_name>", methods=["GET", "POST"])
@login_required
def act(reference: str, action_name: str):
    try:
        action = Action(action_name)
    except ValueError:
        abort(404)
    case = get_visible_case_or_404(current_user, reference)
    actor = actor_for(current_user, case)
    if not actor.capacities & TRANSITIONS[action].capacities:
        abort(403)
    form = ACTION_FORMS[action]()
    form.tz = current_town().tz
    proposal = _prepare(form, case)
    seen = None
    if request.method == "GET":
        if action not in available_actions(facts_for(case), actor):
            flash(_("This action is not possible while the case is %(status)s.",
                    status=label("status", case.status)), "warning")
            return redirect(url_for(".detail", reference=case.reference))
        form.version.data = case.version
    elif form.validate_on_submit():
        try:
            payload = form.payload()
            if action == Action.MERGE:
                target = db.session.scalar(visible_cases(current_user).where(
                    Case.reference == (form.target.data or "").strip().upper()))
                if target is None:
                    raise DomainError("No case with that reference.", field="target")
                payload.merge_target_id = target.id
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            now, town = utcnow(), current_town()
            perform(case, action, current_user, payload, now=now, town=town,
                    expected_version=version, session_details=form.session_details(town.tz))
            if form.then is not None:
                perform(case, form.then, current_user, form.payload(), now=now, town=town)
            db.session.commit()
        except (StaleVersion, StaleDataError):
            # Someone saved first: nothing of theirs is overwritten, nothing this user typed is lost.
            # The form comes back as typed, on the case's current version, with what changed since.
            db.session.rollback()
            case = get_visible_case_or_404(current_user, reference)
            seen_before = request.form.get("seen", type=int)
            changes = _changes_since(case, seen_before)
            form.version.data = case.version
            proposal = _prepare(form, case)
            return render_template("cases/action.html", case=case, form=form, action=action, proposal=proposal,
                                   seen=_last_event_id(case), stale_changes=changes, stale=True), 409
        except DomainError as err:
            db.session.rollback()
            case = get_visible_case_or_404(current_user, reference)
            field = getattr(form, FORM_FIELD.get(err.field, err.field), None) if err.field else None
            if field is not None and field.name != "version":
                field.errors = list(field.errors) + [_message(err)]
            else:
                flash(_message(err), "danger")
            proposal = _prepare(form, case)
            return render_template("cases/action.html", case=case, form=form, action=action,
                                   proposal=proposal, seen=request.form.get("seen", "")), 422
        flash(_("%(action)s: done.", action=label("action", action.value)), "success")
        return redirect(url_for(".detail", reference=case.reference), 303)
    else:
        seen = request.form.get("seen", "")
    status = 422 if request.method == "POST" else 200
    if seen is None:
        seen = _last_event_id(case)
    return render_template("cases/action.html", case=case, form=form, action=action, proposal=proposal,
                           seen=seen), status
