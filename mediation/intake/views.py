from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..organisation.models import Village
from ..auth.permissions import may
from ..core.permissions import Page
from ..core.errors import DomainError
from ..core.vocab import PartyRole
from ..db import utcnow
from ..extensions import db
from ..organisation.town import current_town
from .forms import ETHNICITIES, RegistrationForm
from .services import CaseData, PartyData, register_case

bp = Blueprint("intake", __name__, url_prefix="/intake")


@bp.route("/register", methods=["GET", "POST"])
@login_required
def register():
    if not may(current_user, Page.REGISTER):
        abort(403)
    town = current_town()
    form = RegistrationForm()
    villages = db.session.scalars(select(Village).order_by(Village.id)).all()
    form.village.choices = [("", _("Not known"))] + [(v.id, v.name) for v in villages]
    if request.method == "POST" and form.add_party.data:
        if len(form.parties.entries) < form.parties.max_entries:
            form.parties.append_entry()
        return render_template("intake/register.html", form=form, ethnicities=ETHNICITIES)
    if form.validate_on_submit():
        entries = [e for e in form.parties.entries if not e.form.is_empty()]
        data = CaseData(
            channel=form.channel.data, external_ref=(form.external_ref.data or "").strip(),
            received_at=form.received_at.aware(town.tz), category=form.category.data,
            summary=form.summary.data, village_id=form.village.data, address=form.address.data or "",
            amount=form.amount.data, people_involved=form.people_involved.data, violence=form.violence.data,
            parties=[PartyData(name=e.form.name.data, role=e.form.role.data, phone=e.form.phone.data or "",
                               id_number=e.form.id_number.data or "", address=e.form.address.data or "",
                               ethnicity=e.form.ethnicity.data or "", vulnerable=e.form.vulnerable.data, has_petitioned=e.form.has_petitioned.data)
                     for e in entries])
        try:
            case = register_case(data, current_user, now=utcnow(), town=town)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            field = getattr(form, err.field, None) if err.field else None
            message = _(err.message, **err.params)
            if field is not None:
                field.errors = list(field.errors) + [message]
            else:
                flash(message, "danger")
            return render_template("intake/register.html", form=form, ethnicities=ETHNICITIES), 422
        flash(_("Registered as %(reference)s.", reference=case.reference), "success")
        return redirect(url_for("cases.detail", reference=case.reference), 303)
    if request.method == "GET":
        form.parties.entries[1].form.role.data = PartyRole.RESPONDENT.value
        form.received_at.data = utcnow().astimezone(town.tz).replace(second=0, microsecond=0, tzinfo=None)
    status = 422 if request.method == "POST" else 200
    return render_template("intake/register.html", form=form, ethnicities=ETHNICITIES), status
