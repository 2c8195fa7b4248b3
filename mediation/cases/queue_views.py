"""The queue: my cases, my office's, all; filters and search, counts per status, saved filters.
Its routes hang on the cases blueprint (`register`), so their endpoints stay `cases.queue` and
friends. The filters themselves are built in queue_forms.py, for this page and its Excel export.

Work queues start at the open cases ("my cases" = open cases assigned to me); `status=` (empty)
asks for any status, and a search looks at every status unless a status is chosen."""
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..auth.permissions import may
from ..core.errors import DomainError
from ..core.lifecycle import Status
from ..core.permissions import Page
from ..db import utcnow
from ..extensions import db
from ..organisation.town import current_town
from .access import visible_cases
from .models import Case, ReturnVisit
from .queries import QueuePage, queue_page
from .queue_forms import (EXPORT_LIMIT, FILTER_KEYS, OPEN_VALUES, STATUS_ORDER, SaveFilterForm, queue_query,
                          status_counts)
from .saved_filters import clean_query, delete_filter, save_filter, saved_filters
from .search import search_cases

MAX_PAGE = 10_000  # past any real queue; a larger number would overflow the OFFSET
SEARCH_RESULTS = 50  # a search shows the best matches, ranked; narrow it with the filters


@login_required
def queue():
    now = utcnow()
    query = queue_query(current_user, request.args, now)
    per_page = current_app.config["PAGE_SIZE"]
    counts = None
    if query.text:
        page = QueuePage.of_search(search_cases(current_user, query.text, SEARCH_RESULTS, query.filters),
                                   SEARCH_RESULTS)
    else:
        number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
        mine = query.scope == "mine"
        visible = visible_cases(current_user, assigned_only=mine)
        page = queue_page(visible.where(*query.filters), number, per_page, counted=visible.where(*query.count_filters))
        counts = status_counts(current_user, query.other_filters, assigned_only=mine)
    save_form = SaveFilterForm(formdata=None, query=query.query_string)
    today = now.astimezone(current_town().tz).date()
    visits = return_visits_due(current_user.id, today) if query.scope == "mine" else []
    return render_template("cases/queue.html", form=query.form, page=page, scope=query.scope, now=now,
                           filter_args=query.args, query_string=query.query_string, counts=counts,
                           status_order=[s for s in STATUS_ORDER if counts and counts.get(s)],
                           open_total=sum((counts or {}).get(s, 0) for s in OPEN_VALUES), status=query.form.status.data,
                           saved=saved_filters(current_user.id), save_form=save_form,
                           export_limit=EXPORT_LIMIT, may_register=may(current_user, Page.REGISTER),
                           searching=bool(query.text), visits_due=visits, today=today)


VISITS_AHEAD_DAYS = 7  # "my cases" lists the return visits due within a week, and those overdue
VISITS_SHOWN = 50


def return_visits_due(user_id: int, today: date) -> list[ReturnVisit]:
    """Scheduled return visits not yet made on my closed cases, due within the week or overdue; one query."""
    until = today + timedelta(days=VISITS_AHEAD_DAYS)
    return list(db.session.scalars(
        select(ReturnVisit).join(Case, Case.id == ReturnVisit.case_id)
        .where(Case.mediator_id == user_id, Case.status == Status.CLOSED.value, ReturnVisit.visited_at.is_(None),
               ReturnVisit.due_on.is_not(None), ReturnVisit.due_on <= until)
        .options(contains_eager(ReturnVisit.case)).order_by(ReturnVisit.due_on, ReturnVisit.id).limit(VISITS_SHOWN)))


def _back(query: str = ""):
    return redirect(url_for("cases.queue") + (f"?{query}" if query else ""), 303)


@login_required
def save_filter_view():
    form = SaveFilterForm(request.form)
    query = clean_query(request.form.get("query", ""), FILTER_KEYS)
    if not form.validate():
        field, errors = next(iter(form.errors.items()))
        flash(f"{getattr(form, field).label.text if field != 'csrf_token' else ''}: {errors[0]}", "danger")
        return _back(query)
    try:
        saved = save_filter(current_user.id, form.name.data, query, utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(_(err.message, **err.params), "danger")
        return _back(query)
    except IntegrityError:  # the same name saved at the same moment elsewhere: that one stands
        db.session.rollback()
        flash(_("A filter with that name was just saved; try again."), "warning")
        return _back(query)
    flash(_("Filter “%(name)s” saved.", name=saved.name), "success")
    return _back(query)


@login_required
def delete_filter_view(filter_id: int):
    if not delete_filter(current_user.id, filter_id):
        abort(404)  # none, or another user's: the same answer
    db.session.commit()
    flash(_("Filter deleted."), "success")
    return _back()


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=queue)
    bp.add_url_rule("/saved-filters", view_func=save_filter_view, methods=["POST"], endpoint="save_filter")
    bp.add_url_rule("/saved-filters/<int(max=2147483647):filter_id>/delete", view_func=delete_filter_view,
                    methods=["POST"], endpoint="delete_filter")
