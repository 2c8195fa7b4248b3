"""The queue: my cases, my office's, all; filters and search. Its routes hang on the cases blueprint
(`register`), so their endpoints stay `cases.queue` and friends."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import exists, or_, select

from ..organisation.models import Village
from ..auth.permissions import may
from ..core.permissions import Page
from ..core.vocab import Role
from ..db import utcnow
from ..extensions import db
from .access import visible_cases
from .forms import QueueFilterForm
from .models import Case, case_co_offices
from .queries import QueuePage, queue_page
from .search import search_cases

SCOPES = {
    Role.MEDIATOR: ("mine", "office"),
    Role.LIAISON: ("office",),
    Role.SUPERVISOR: ("all", "mine", "office"),
    Role.ADMIN: ("all",),
    Role.VIEWER: ("all",),
}
MAX_PAGE = 10_000  # past any real queue; a larger number would overflow the OFFSET
SEARCH_RESULTS = 50  # a search shows the best matches, ranked; narrow it with the filters
SCOPE_LABELS = {"mine": _l("My cases"), "office": _l("My office's queue"), "all": _l("All cases")}


def _office_clause(office_id: int):
    co = exists().where(case_co_offices.c.case_id == Case.id, case_co_offices.c.office_id == office_id)
    return or_(Case.lead_office_id == office_id, Case.intake_office_id == office_id, co)


@login_required
def queue():
    form = QueueFilterForm(request.args)
    scopes = SCOPES[current_user.role_enum]
    form.scope.choices = [(s, SCOPE_LABELS[s]) for s in scopes]
    villages = db.session.scalars(select(Village).order_by(Village.id)).all()
    form.village.choices = [("", _("Any village"))] + [(v.id, v.name) for v in villages]
    form.validate()
    scope = form.scope.data if form.scope.data in scopes else scopes[0]
    form.scope.data = scope

    filters = _queue_filters(form, scope)
    per_page = current_app.config["PAGE_SIZE"]
    text = (form.q.data or "").strip() if not form.q.errors else ""
    if text:
        page = QueuePage.of_search(search_cases(current_user, text, SEARCH_RESULTS, filters), SEARCH_RESULTS)
    else:
        number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
        page = queue_page(visible_cases(current_user).where(*filters), number, per_page)
    filter_args = {k: v for k, v in request.args.items() if k not in ("page", "lang") and v}
    return render_template("cases/queue.html", form=form, page=page, scope=scope, now=utcnow(),
                           filter_args=filter_args, may_register=may(current_user, Page.REGISTER), searching=bool(text))


def _queue_filters(form: QueueFilterForm, scope: str) -> list:
    filters = []
    if scope == "mine":
        filters.append(Case.mediator_id == current_user.id)
    elif scope == "office":
        filters.append(_office_clause(current_user.office_id))
    for field, column in ((form.status, Case.status), (form.channel, Case.channel), (form.category, Case.category),
                          (form.village, Case.village_id)):
        if field.data and not field.errors:
            filters.append(column == field.data)
    return filters



def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=queue)
