"""Scheduling a mediation session (time, place, who is invited) and calling it off, from the case
page. Its routes hang on the cases blueprint (`register`), so their endpoints are `cases.…`.
Thin: the rules are core/notices.py's, the changes cases/appointments.py's; this commits once."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from ..clock import request_now
from ..core.errors import DomainError
from ..core.identity import mask_name, mask_phone
from ..core.notices import SCHEDULE_CAPACITIES, may_schedule
from ..extensions import db
from ..labels import label
from ..organisation.town import current_town
from .access import actor_for, get_visible_case_or_404, masks_party_names
from .appointment_forms import AppointmentForm, CancelAppointmentForm
from .appointments import cancel, get_appointment, panel, schedule
from .models import Case

__all__ = ["register", "appointments_panel"]


def appointments_panel(case: Case):
    """What the case page's "scheduled sessions" panel shows (a fixed number of queries)."""
    return panel(case, current_user, request_now())


def _message(err: DomainError) -> str:
    params = {k: label("status", v) if k == "status" else v for k, v in err.params.items()}
    return _(err.message, **params)


def _party_choices(case: Case) -> list[tuple[int, str]]:
    """Each party by name (masked for those who read names masked), role, and phone masked."""
    masked = masks_party_names(current_user)
    no_phone = _("no phone given")
    rows = []
    for p in case.parties:
        text = f"{mask_name(p.name) if masked else p.name}（{label('party_role', p.role)}）"
        rows.append((p.id, f"{text} · {mask_phone(p.phone) if p.phone else no_phone}"))
    return rows


def _settings() -> dict:
    cfg = current_app.config
    return {"town_name": cfg["TOWN_NAME"], "enquiry_phone": cfg.get("ENQUIRY_PHONE") or ""}


def _form_page(case: Case, form: AppointmentForm, status: int = 200):
    return render_template("cases/appointment_new.html", case=case, form=form), status


@login_required
def new_appointment(reference: str):
    case = get_visible_case_or_404(current_user, reference)
    actor = actor_for(current_user, case)
    if not actor.capacities & SCHEDULE_CAPACITIES:
        abort(403)
    form = AppointmentForm()
    form.party_ids.choices = _party_choices(case)
    if request.method == "GET":
        if not may_schedule(case.status_enum, actor):
            flash(_("A session can be scheduled only while the case is accepted or in mediation."), "warning")
            return redirect(url_for(".detail", reference=case.reference))
        form.party_ids.data = [p.id for p in case.parties]
        return _form_page(case, form)
    if not form.validate_on_submit():
        return _form_page(case, form, 422)
    town = current_town()
    try:
        schedule(case, current_user, starts_at=form.starts_at.aware(town.tz), place=form.place.data or "",
                 party_ids=form.party_ids.data or [], other_invitees=form.other_invitees.data or "",
                 note=form.note.data or "", send_sms=bool(form.send_sms.data), now=request_now(), town=town,
                 **_settings())
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        case = get_visible_case_or_404(current_user, reference)
        form.party_ids.choices = _party_choices(case)
        flash(_("Someone else changed this case after you opened it. Nothing was saved: check the form and "
                "submit it again."), "warning")
        return _form_page(case, form, 409)
    except DomainError as err:
        db.session.rollback()
        case = get_visible_case_or_404(current_user, reference)
        form.party_ids.choices = _party_choices(case)
        field = getattr(form, err.field, None) if err.field else None
        if field is not None:
            field.errors = list(field.errors) + [_message(err)]
        else:
            flash(_message(err), "danger")
        return _form_page(case, form, 422)
    flash(_("The session is scheduled."), "success")
    return redirect(url_for(".detail", reference=case.reference), 303)


@login_required
def cancel_appointment(reference: str, appointment_id: int):
    case = get_visible_case_or_404(current_user, reference)
    if not actor_for(current_user, case).capacities & SCHEDULE_CAPACITIES:
        abort(403)
    appointment = get_appointment(case, appointment_id)
    if appointment is None:
        abort(404)
    form = CancelAppointmentForm()
    if form.validate_on_submit():
        try:
            cancel(appointment, current_user, form.reason.data or "", now=request_now(), town=current_town(),
                   **_settings())
            db.session.commit()
            flash(_("The session is cancelled."), "success")
            return redirect(url_for(".detail", reference=case.reference), 303)
        except (DomainError, StaleDataError) as err:
            db.session.rollback()
            case = get_visible_case_or_404(current_user, reference)
            appointment = get_appointment(case, appointment_id)
            if isinstance(err, DomainError) and err.field == "reason":
                form.reason.errors = list(form.reason.errors) + [_message(err)]
            elif isinstance(err, DomainError):
                flash(_message(err), "danger")
            else:
                flash(_("Someone else changed this case after you opened it. Nothing was saved: check the form "
                        "and submit it again."), "warning")
    return render_template("cases/appointment_cancel.html", case=case, appointment=appointment, form=form), 422


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/<reference>/appointments/new", view_func=new_appointment, methods=["GET", "POST"])
    bp.add_url_rule("/<reference>/appointments/<int(max=2147483647):appointment_id>/cancel",
                    view_func=cancel_appointment, methods=["POST"])
