"""难题会诊 pages: ask an office a question on a case, the office's answer, and the consultation queue.
The routes hang on the cases blueprint (`register`): endpoints `cases.consultations` (the queue, at
/cases/consultations/: a static segment, which Werkzeug matches before `/cases/<reference>`, as it does
/cases/saved-filters), `cases.ask_consultation` and `cases.answer_consultation`. Thin: the rules are in
cases/consultations.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from ..clock import request_now
from ..core.lifecycle import OPEN_STATUSES
from ..extensions import db
from ..organisation.town import current_town
from .access import get_visible_case_or_404, sees_case
from .consultation_forms import AnswerConsultationForm, AskConsultationForm
from .consultation_models import Consultation
from .consultations import (ConsultationRefused, answer, answers_for, ask, askable_offices, asks_on,
                            default_due_on, may_open_queue, queue_for)

FORM_FIELDS = {"question", "office", "due_on", "answer"}


def _message(err: ConsultationRefused) -> str:
    return _(err.message, **err.params)


def _refused(form, err: ConsultationRefused) -> None:
    """A refusal under its field, or at the top of the page."""
    if err.field in FORM_FIELDS and err.field in form:
        form[err.field].errors = list(form[err.field].errors) + [_message(err)]
    else:
        flash(_message(err), "danger")


def _to_case(case, anchor: str = "consultations"):
    return redirect(url_for("cases.detail", reference=case.reference) + f"#{anchor}", 303)


@login_required
def queue():
    """Open questions to my office (supervisors: all; mediators: those I asked), the oldest due first,
    then the latest answered."""
    if not may_open_queue(current_user):
        abort(403)
    return render_template("cases/consultations.html", q=queue_for(current_user), now=request_now())


@login_required
def ask_consultation(reference: str):
    case = get_visible_case_or_404(current_user, reference)
    if not asks_on(current_user, case):
        abort(403)
    if case.status_enum not in OPEN_STATUSES:
        flash(_("Questions are asked on open cases only."), "warning")
        return _to_case(case)
    now, town = request_now(), current_town()
    form = AskConsultationForm()
    offices = askable_offices(current_user)
    form.office.choices = [("", _("Choose an office"))] + [(o.id, o.name) for o in offices]
    default_day = default_due_on(now, town)
    if request.method == "GET":
        form.due_on.data = default_day
        return _ask_page(case, form, default_day)
    if form.validate_on_submit():
        try:
            ask(case, current_user, form.office.data, form.question.data, form.due_on.data, now, town)
            db.session.commit()
        except StaleDataError:  # the case changed in the same moment (another question, an action)
            db.session.rollback()
            flash(_("Someone else changed this case after you opened it. Nothing was saved: check the form and "
                    "submit it again."), "warning")
            return _ask_page(get_visible_case_or_404(current_user, reference), form, default_day), 409
        except ConsultationRefused as err:
            db.session.rollback()
            _refused(form, err)
            return _ask_page(get_visible_case_or_404(current_user, reference), form, default_day), 422
        flash(_("Your question was sent."), "success")
        return _to_case(case)
    return _ask_page(case, form, default_day), 422


def _ask_page(case, form, default_day):
    return render_template("cases/consultation_ask.html", case=case, form=form, default_day=default_day)


def _after_answer(case, consultation_id: int):
    """Back to the question on its case; to the queue for a liaison whose office no longer sees the case
    (it saw it for this question only: answered, or the case closed)."""
    if sees_case(current_user, case.id):
        return _to_case(case, f"consultation-{consultation_id}")
    return redirect(url_for("cases.consultations") + "#answered-consultations", 303)


@login_required
def answer_consultation(reference: str, consultation_id: int):
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.case.reference != reference:
        abort(404)
    case = consultation.case
    if not sees_case(current_user, case.id):
        # The asked office's liaisons see the case only while the question waits on an open case: one
        # opened before it was answered (or the case closed) is told so, not a 404; anyone else, 404.
        if answers_for(current_user, consultation.office) and (consultation.answered_at is not None
                                                               or case.status_enum not in OPEN_STATUSES):
            return _not_answerable(case, consultation)
        abort(404)
    if not answers_for(current_user, consultation.office):
        abort(403)
    if consultation.answered_at is not None or case.status_enum not in OPEN_STATUSES:
        return _not_answerable(case, consultation)
    form = AnswerConsultationForm()
    if request.method == "GET":
        return _answer_page(case, consultation, form)
    if form.validate_on_submit():
        try:
            answer(consultation, current_user, form.answer.data, request_now())
            db.session.commit()
        except StaleDataError:  # answered (or the case changed) in the same moment by someone else
            db.session.rollback()
            flash(_("Someone else changed this case after you opened it. "
                    "Nothing was saved: check the case, then send your answer again."), "warning")
            return _after_answer(case, consultation_id)
        except ConsultationRefused as err:
            db.session.rollback()
            _refused(form, err)
            consultation = db.session.get(Consultation, consultation_id)
            if not sees_case(current_user, consultation.case_id):  # answered, or closed, meanwhile
                return _not_answerable(consultation.case, consultation)
            return _answer_page(consultation.case, consultation, form), 422
        flash(_("Your answer was sent."), "success")
        return _after_answer(case, consultation_id)
    return _answer_page(case, consultation, form), 422


def _not_answerable(case, consultation):
    if consultation.answered_at is not None:
        flash(_("This question has already been answered; an answer is not changed."), "warning")
    else:
        flash(_("This case is no longer open: the question is not answered any more."), "warning")
    return _after_answer(case, consultation.id)


def _answer_page(case, consultation, form):
    return render_template("cases/consultation_answer.html", case=case, c=consultation, form=form,
                           now=request_now())


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/consultations/", view_func=queue, endpoint="consultations")
    bp.add_url_rule("/<reference>/consultations/new", view_func=ask_consultation, methods=["GET", "POST"])
    bp.add_url_rule("/<reference>/consultations/<int(max=2147483647):consultation_id>/answer",
                    view_func=answer_consultation, methods=["GET", "POST"])
