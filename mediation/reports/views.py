"""Printouts and statistics (filled in by the reports work)."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/weekly")
def weekly():
    return "", 204
