"""Joint meetings (联席会议): agenda, decisions, minutes. Supervisors edit; attendees read.

Each reader sees the agenda items of the cases it may see (a liaison: its office's), filtered in
SQL; every change of a meeting is recorded in the audit trail."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..organisation.models import Office
from ..auth import audit
from ..auth.permissions import may, page_required
from ..core.permissions import Page
from ..cases.access import case_in_scope, visible_cases
from ..cases.models import Case
from ..core.errors import DomainError
from ..db import utcnow
from ..extensions import db
from ..organisation.town import current_town
from .forms import AddCaseForm, CloseMeetingForm, DecisionForm
from .models import AgendaItem, Meeting
from .services import add_to_agenda, build_agenda, close_meeting, next_meeting, record_decision, remove_from_agenda

bp = Blueprint("meetings", __name__, url_prefix="/meetings")



def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _agenda(meeting: Meeting) -> list[AgendaItem]:
    """The meeting's items on cases the signed-in user may see, in the agenda's order: one query."""
    return db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, case_in_scope(current_user, AgendaItem.case_id))
        .options(joinedload(AgendaItem.case).joinedload(Case.lead_office)).order_by(AgendaItem.id)).all()


def _audit(action: str, meeting: Meeting, now, **details) -> None:
    audit.record(action, current_user, "meeting", meeting.id, at=now, ip=request.remote_addr, **details)


def _error(err: DomainError) -> str:
    return _(err.message, **err.params)


@bp.route("/")
@page_required(Page.MEETINGS)
def index():
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.scheduled_at.desc()).limit(60)).all()
    counts = dict(db.session.execute(select(AgendaItem.meeting_id, func.count()).where(
        AgendaItem.meeting_id.in_([m.id for m in meetings]), case_in_scope(current_user, AgendaItem.case_id))
        .group_by(AgendaItem.meeting_id)).all())
    return render_template("meetings/index.html", meetings=meetings, counts=counts)


@bp.route("/build", methods=["POST"])
@page_required(Page.RUN_MEETINGS)
def build():
    """Build (or top up) the next meeting's agenda now, as the pre-meeting job does."""
    now = utcnow()
    town = current_town()
    added = build_agenda(now, town)
    meeting = next_meeting(now, town)
    _audit("meeting_build_agenda", meeting, now, added=added)
    db.session.commit()
    flash(_("%(n)s cases added to the agenda.", n=added), "success")
    return redirect(url_for(".show", meeting_id=meeting.id), 303)


@bp.route("/<int(max=2147483647):meeting_id>", methods=["GET", "POST"])
@page_required(Page.MEETINGS)
def show(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    items = _agenda(meeting)
    editing = may(current_user, Page.RUN_MEETINGS) and meeting.held_at is None
    add_form, close_form = AddCaseForm(prefix="add"), CloseMeetingForm(prefix="close")
    offices = db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id)).all()
    decision_forms = {}
    for item in items:
        form = DecisionForm(prefix=f"item{item.id}")
        form.lead_office.choices = [("", _("Unchanged"))] + [(o.id, o.name) for o in offices]
        form.tz = current_town().tz
        decision_forms[item.id] = form
    if request.method == "POST":
        if not editing:
            abort(403)
        return _handle_post(meeting, items, add_form, close_form, decision_forms)
    close_form.minutes.data = close_form.minutes.data or meeting.minutes
    return render_template("meetings/show.html", meeting=meeting, items=items, editing=editing, add_form=add_form,
                           close_form=close_form, decision_forms=decision_forms, now=utcnow())


def _handle_post(meeting, items, add_form, close_form, decision_forms):
    now, town = utcnow(), current_town()
    anchor = None  # after a decision, back to its item: a long agenda keeps its place
    try:
        if add_form.add.data and add_form.validate():
            case = db.session.scalar(visible_cases(current_user).where(
                Case.reference == add_form.reference.data.strip().upper()))
            if case is None:
                add_form.reference.errors = [_("No case with that reference.")]
            else:
                add_to_agenda(meeting, case, current_user, now)
                _audit("meeting_agenda_add", meeting, now, case=case.reference)
        elif close_form.close.data and close_form.validate():
            close_meeting(meeting, now, close_form.minutes.data, close_form.attendees.data or "")
            _audit("meeting_close", meeting, now, minutes_chars=len(meeting.minutes))
        elif request.form.get("remove"):
            item = next((i for i in items if str(i.id) == request.form["remove"]), None) or abort(404)
            reference = item.case.reference
            remove_from_agenda(item)
            _audit("meeting_agenda_remove", meeting, now, case=reference)
        else:
            item = next((i for i in items if decision_forms[i.id].save.data), None)
            if item is None or not decision_forms[item.id].validate():
                db.session.rollback()
                return render_template("meetings/show.html", meeting=meeting, items=items, editing=True,
                                       add_form=add_form, close_form=close_form, decision_forms=decision_forms,
                                       now=now), 422
            form = decision_forms[item.id]
            anchor = f"item-{item.id}"
            record_decision(item, current_user, now, town, decision=form.decision.data,
                            lead_office_id=form.lead_office.data, due_at=form.due_at.aware(town.tz))
            _audit("meeting_decision", meeting, now, case=item.case.reference,
                   lead_office_id=form.lead_office.data or None, due=bool(form.due_at.data))
        if add_form.errors or close_form.errors:
            return render_template("meetings/show.html", meeting=meeting, items=items, editing=True,
                                   add_form=add_form, close_form=close_form, decision_forms=decision_forms,
                                   now=now), 422
        db.session.commit()
        flash(_("Saved."), "success")
    except DomainError as err:
        db.session.rollback()
        flash(_error(err), "danger")
    return redirect(url_for(".show", meeting_id=meeting.id, _anchor=anchor), 303)
