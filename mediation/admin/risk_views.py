"""The escalation-risk rules as an admin sees them: every rule, its weight and every threshold."""
from flask import Blueprint, render_template

from ..auth.permissions import page_required
from ..core.permissions import Page
from ..core.risk import HIGH_SCORE, RULES, thresholds

bp = Blueprint("risk_rules", __name__, url_prefix="/admin/risk")


@bp.route("/")
@page_required(Page.ADMIN)
def index():
    return render_template("admin/risk.html", rules=RULES, thresholds=thresholds(), high_score=HIGH_SCORE)
