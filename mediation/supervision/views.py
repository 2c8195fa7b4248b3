"""The judicial office's dashboard: the whole queue at a glance, and actions on many cases at once."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from ..organisation.models import Office
from ..auth.permissions import page_required
from ..core.permissions import Page
from ..auth.queries import assignable_users
from ..cases.queries import (OPEN_STATUS_VALUES, SUPERVISION_STATES, is_due, is_open, supervision_counts,
                             supervision_list)
from ..core.deadlines import DueState, DueWindow
from ..core.errors import DomainError
from ..core.lifecycle import Action, Payload, Status
from ..core.risk import RiskLevel
from ..db import utcnow
from ..extensions import db
from ..forms_common import MAX_ID, has_unstorable, parse_local, whole_number
from ..hotspots.services import dashboard_panel
from ..meetings.services import add_many_to_agenda, next_meeting
from ..organisation.town import current_town
from ..cases.models import Case
from ..cases.services import perform_many

bp = Blueprint("dashboard", __name__, url_prefix="/supervision")

BULK_ACTIONS = {"assign": Action.ASSIGN, "transfer": Action.TRANSFER, "supervise": Action.SUPERVISE}
LISTS = ("overdue", "due_soon", "high_risk", "unassigned", "supervised", "suspended")
AGE_BUCKETS = ((0, 7), (8, 15), (16, 30), (31, None))


def _list_clause(name: str, window: DueWindow):
    return {
        "overdue": is_due(DueState.OVERDUE, window),
        "due_soon": is_due(DueState.DUE_SOON, window),
        "high_risk": Case.risk_level == RiskLevel.HIGH.value,
        "unassigned": and_(Case.status.in_([Status.ACCEPTED.value, Status.IN_MEDIATION.value]),
                           Case.mediator_id.is_(None)),
        "supervised": Case.supervision_due_at.is_not(None),
        "suspended": Case.suspended_at.is_not(None),
    }[name]


@bp.route("/")
@page_required(Page.SUPERVISION)
def index():
    now, town = utcnow(), current_town()
    window = DueWindow.at(now, town.calendar, town.tz)
    # One aggregate for the headline counts.
    counts = db.session.execute(select(*[
        func.count().filter(_list_clause(name, window)).label(name) for name in LISTS
    ], func.count().label("open")).where(is_open())).one()._asdict()
    # Office × status, one GROUP BY.
    by_office = db.session.execute(
        select(Case.lead_office_id, Case.status, func.count()).where(is_open())
        .group_by(Case.lead_office_id, Case.status)).all()
    offices = {o.id: o for o in db.session.scalars(select(Office))}
    table: dict = {}
    for office_id, status, n in by_office:
        table.setdefault(office_id, {})[status] = n
    # Age since received, one query: bucket edges are computed here, so the SQL only compares dates.
    def aged(lo, hi):
        older_than_lo = Case.received_at <= now - timedelta(days=lo)
        return older_than_lo if hi is None else and_(older_than_lo, Case.received_at > now - timedelta(days=hi + 1))
    ages = db.session.execute(select(*[func.count().filter(aged(lo, hi)) for lo, hi in AGE_BUCKETS])
                              .where(is_open())).one()

    shown = request.args.get("list") if request.args.get("list") in LISTS else "overdue"
    cases = db.session.scalars(
        select(Case).where(is_open(), _list_clause(shown, window))
        .options(joinedload(Case.lead_office), joinedload(Case.mediator), joinedload(Case.village))
        .order_by(Case.next_deadline.is_(None), Case.next_deadline, Case.id).limit(200)).all()
    mediators = assignable_users()
    # 督办: answered, awaited, late; one aggregate and one list.
    sv_shown = request.args.get("supervision") if request.args.get("supervision") in SUPERVISION_STATES \
        else "unanswered"
    return render_template("cases/dashboard.html", counts=counts, table=table, offices=offices,
                           statuses=OPEN_STATUS_VALUES, ages=list(zip(AGE_BUCKETS, ages)), shown=shown, lists=LISTS,
                           cases=cases, now=now, mediators=mediators,
                           office_choices=[o for o in offices.values() if o.active],
                           sv_counts=supervision_counts(now), sv_states=SUPERVISION_STATES, sv_shown=sv_shown,
                           supervisions=supervision_list(sv_shown, now), hotspots=dashboard_panel(now, town))


@bp.route("/bulk", methods=["POST"])
@page_required(Page.SUPERVISION)
def bulk():
    """One action on the selected cases. Each case succeeds or is refused on its own, with its reason."""
    now, town = utcnow(), current_town()
    references = [r for r in request.form.getlist("case")[:200] if not has_unstorable(r)]  # no NUL into SQL
    operation = request.form.get("operation")
    if not references or operation not in (*BULK_ACTIONS, "agenda"):
        flash(_("Choose cases and an action."), "warning")
        return redirect(request.referrer or url_for(".index"), 303)
    try:
        payload, due = _bulk_payload(operation, town)
    except DomainError as err:
        flash(_(err.message, **err.params), "danger")
        return redirect(request.referrer or url_for(".index"), 303)
    cases = db.session.scalars(select(Case).where(Case.reference.in_(references)).order_by(Case.id)).all()
    try:
        if operation == "agenda":
            changed, refusals = add_many_to_agenda(next_meeting(now, town), cases, current_user, now)
        else:
            changed, refusals = perform_many(cases, BULK_ACTIONS[operation], current_user, Payload(**payload),
                                             now=now, town=town)
    except DomainError as err:  # the choice itself is refused (say, not a mediator): nothing changed
        db.session.rollback()
        flash(_(err.message, **err.params), "danger")
        return redirect(request.referrer or url_for(".index"), 303)
    done = [case.reference for case in changed]  # read before the commit expires them
    refused = [f"{case.reference}: {_(err.message, **err.params)}" for case, err in refusals]
    db.session.commit()
    if done:
        flash(_("Done for %(n)s cases: %(refs)s", n=len(done), refs="、".join(done)), "success")
    for line in refused:
        flash(line, "warning")
    return redirect(request.referrer or url_for(".index"), 303)


def _bulk_payload(operation: str, town):
    form = request.form
    if has_unstorable(form.get("reason")):
        raise DomainError("Remove the control characters (such as NUL) from this text.")
    if operation == "assign":
        mediator = whole_number(form.get("mediator"), 1, MAX_ID)  # not isdigit(): int("²") raises
        if mediator is None:
            raise DomainError("Choose the mediator.")
        return {"mediator_id": mediator}, None
    if operation == "transfer":
        office = whole_number(form.get("office"), 1, MAX_ID)
        if office is None:
            raise DomainError("Choose the new lead office.")
        return {"lead_office_id": office, "reason": form.get("reason", "")}, None
    if operation == "supervise":
        try:
            due = parse_local(form.get("due_at", ""), town.tz)
        except ValueError:
            raise DomainError("Give the instruction's due date.") from None
        return {"reason": form.get("reason", ""), "due_at": due}, due
    return {}, None
