"""Admin pages: routing rules (三所联动), tried in order."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit
from ..auth.permissions import role_required
from ..cases.models import RoutingRule
from ..cases.routing import load_default_rules
from ..core.vocab import Role
from ..extensions import db
from .forms import RoutingRuleForm
from .models import Office

bp = Blueprint("admin", __name__, url_prefix="/admin")

RULE_FIELDS = ("name", "position", "active", "combine", "channels", "categories", "min_amount", "min_parties",
               "requires_violence", "min_risk_level", "lead_is_village_committee", "flag_for_meeting")


@bp.route("/routing")
@role_required(Role.ADMIN)
def routing_rules():
    rules = db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)).all()
    offices = {o.id: o for o in db.session.scalars(select(Office))}
    return render_template("admin/routing.html", rules=rules, offices=offices)


@bp.route("/routing/defaults", methods=["POST"])
@role_required(Role.ADMIN)
def routing_defaults():
    if db.session.scalar(select(RoutingRule.id).limit(1)) is not None:
        flash(_("Rules already exist; defaults are only loaded into an empty list."), "warning")
    else:
        created = load_default_rules()
        audit.record("routing_defaults", current_user, "routing_rule", None, created=created)
        db.session.commit()
        flash(_("%(n)s default rules loaded.", n=created), "success")
    return redirect(url_for(".routing_rules"))


@bp.route("/routing/new", methods=["GET", "POST"], defaults={"rule_id": None})
@bp.route("/routing/<int:rule_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def routing_rule(rule_id: int | None):
    rule = db.session.get(RoutingRule, rule_id) if rule_id else None
    if rule_id and rule is None:
        abort(404)
    form = RoutingRuleForm(obj=rule)
    offices = db.session.scalars(select(Office).where(Office.active.is_(True)).order_by(Office.id)).all()
    form.lead_office.choices = [("", _("None"))] + [(o.id, o.name) for o in offices]
    form.co_offices.choices = [(o.id, o.name) for o in offices]
    if rule is not None and not form.is_submitted():
        form.lead_office.data = rule.lead_office_id
        form.co_offices.data = list(rule.co_office_ids or [])
    if form.validate_on_submit():
        if rule is None:
            rule = RoutingRule()
            db.session.add(rule)
        for name in RULE_FIELDS:
            setattr(rule, name, getattr(form, name).data)
        rule.channels = list(form.channels.data or [])
        rule.categories = list(form.categories.data or [])
        rule.lead_office_id = None if form.lead_is_village_committee.data else form.lead_office.data
        rule.co_office_ids = [i for i in form.co_offices.data or [] if i != rule.lead_office_id]
        db.session.flush()
        audit.record("routing_rule_saved", current_user, "routing_rule", rule.id, name=rule.name)
        db.session.commit()
        flash(_("Rule saved."), "success")
        return redirect(url_for(".routing_rules"))
    return render_template("admin/routing_rule.html", form=form, rule=rule), 422 if form.errors else 200


@bp.route("/routing/<int:rule_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def delete_routing_rule(rule_id: int):
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    audit.record("routing_rule_deleted", current_user, "routing_rule", rule.id, name=rule.name)
    db.session.delete(rule)  # cases keep their history; their routing_rule_id becomes NULL
    db.session.commit()
    flash(_("Rule deleted."), "success")
    return redirect(url_for(".routing_rules"))
