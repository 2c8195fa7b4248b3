"""One form per lifecycle action; each turns itself into a lifecycle Payload."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..core.lifecycle import MAX_ANSWER, MAX_EXTENSION_DAYS, Action, Payload
from ..core.vocab import (MAX_AMOUNT, MAX_YEAR, MIN_YEAR, Outcome, Performance, ReturnVisitMethod,
                          Satisfaction, SessionMethod)
from ..forms_common import (BoundedDecimalField, BoundedIntegerField, Form, LocalDateTimeField, MultiCheckboxField,
                            choices, not_blank, optional_int, version_number)


class ActionForm(Form):
    version = HiddenField(validators=[version_number])
    submit = SubmitField(_l("Confirm"))
    then: Action | None = None  # a second action carried out in the same step
    tz = None  # the town's zone, set by the view: datetime inputs are local times

    def payload(self) -> Payload:
        return Payload()

    def session_details(self, tz) -> dict:
        return {}


class ReasonForm(ActionForm):
    reason = TextAreaField(_l("Reason"), validators=[not_blank, Length(max=2000)])

    def payload(self) -> Payload:
        return Payload(reason=self.reason.data or "")


class ProposeCloseForm(ActionForm):
    outcome = RadioField(_l("Proposed outcome"), choices=choices("outcome", Outcome), validators=[InputRequired()])
    reason = TextAreaField(_l("Why the case can be closed"), validators=[not_blank, Length(max=2000)])

    def payload(self) -> Payload:
        return Payload(outcome=Outcome(self.outcome.data) if self.outcome.data else None,
                       reason=self.reason.data or "")


class AssignForm(ActionForm):
    mediator = SelectField(_l("Mediator"), coerce=int, validators=[InputRequired()])

    def payload(self) -> Payload:
        return Payload(mediator_id=self.mediator.data or None)


class SuperviseForm(ActionForm):
    reason = TextAreaField(_l("Instruction"), validators=[not_blank, Length(max=2000)])
    due_at = LocalDateTimeField(_l("Due by"), validators=[InputRequired()])

    def payload(self) -> Payload:
        return Payload(reason=self.reason.data or "", due_at=self.due_at.aware(self.tz))


class ConfirmForm(ActionForm):
    """An action that needs nothing but a confirmation."""


class RouteForm(ActionForm):
    lead_office = SelectField(_l("Lead office"), coerce=int, validators=[InputRequired()])
    co_offices = MultiCheckboxField(_l("Co-offices"), coerce=int, validators=[Optional()])
    mediator = SelectField(_l("Mediator"), coerce=int, validators=[Optional()])

    def payload(self) -> Payload:
        return Payload(lead_office_id=self.lead_office.data, co_office_ids=list(self.co_offices.data or []),
                       mediator_id=self.mediator.data or None)


class AcceptForm(RouteForm):
    """Accept, and route in the same step unless the supervisor unticks it. The fields in the order the
    page shows them: the lead office (牵头单位) above the co-offices (协办单位)."""

    route_now = BooleanField(_l("Route now to the offices below"), default=True)
    lead_office = SelectField(_l("Lead office"), coerce=optional_int, validators=[Optional()])
    co_offices = MultiCheckboxField(_l("Co-offices"), coerce=int, validators=[Optional()])
    mediator = SelectField(_l("Mediator"), coerce=int, validators=[Optional()])

    @property
    def then(self) -> Action | None:
        return Action.ROUTE if self.route_now.data and self.lead_office.data else None


class TransferForm(ActionForm):
    lead_office = SelectField(_l("New lead office"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[not_blank, Length(max=2000)])

    def payload(self) -> Payload:
        return Payload(lead_office_id=self.lead_office.data, reason=self.reason.data or "")


class ExtendForm(ActionForm):
    extension_days = BoundedIntegerField(_l("Extra days"), default=MAX_EXTENSION_DAYS, validators=[InputRequired()],
                                         low=1, high=MAX_EXTENSION_DAYS)
    parties_consent = BooleanField(_l("Both parties consent to the extension"))
    reason = TextAreaField(_l("Reason"), validators=[not_blank, Length(max=2000)])

    def payload(self) -> Payload:
        return Payload(extension_days=self.extension_days.data, parties_consent=bool(self.parties_consent.data),
                       reason=self.reason.data or "")


class LogSessionForm(ActionForm):
    held_at = LocalDateTimeField(_l("Held at"), validators=[InputRequired()])
    method = SelectField(_l("How"), choices=choices("method", SessionMethod))
    place = StringField(_l("Place"), validators=[Length(max=128)])
    participants = TextAreaField(_l("Who took part"), validators=[Length(max=2000)])
    record = TextAreaField(_l("Record of the session"), validators=[not_blank, Length(max=20000)])
    next_steps = TextAreaField(_l("Next steps"), validators=[Length(max=4000)])

    def session_details(self, tz) -> dict:
        return {"held_at": self.held_at.aware(tz), "method": self.method.data, "place": self.place.data or "",
                "participants": self.participants.data or "", "record": self.record.data or "",
                "next_steps": self.next_steps.data or ""}


def _plausible_year(form, field):
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise ValidationError(_l("Give a date between %(low)s and %(high)s.", low=MIN_YEAR, high=MAX_YEAR))


class CloseForm(ActionForm):
    """The view drops `answer` when the case has no open 督办, and fills `return_visit_on` from the policy."""

    answer = TextAreaField(_l("Your answer to the supervision (督办反馈)"),
                           validators=[not_blank, Length(max=MAX_ANSWER)])
    outcome = RadioField(_l("Outcome"), choices=choices("outcome", Outcome), validators=[InputRequired()])
    agreement_text = TextAreaField(_l("What was agreed"), validators=[Length(max=20000)])
    amount = BoundedDecimalField(_l("Amount (yuan)"), validators=[Optional()], low=0, high=MAX_AMOUNT)
    performance_terms = TextAreaField(_l("How and when it is performed"), validators=[Length(max=4000)])
    performance_due_on = DateField(_l("Performed by (date)"), validators=[Optional(), _plausible_year])
    signed_on = DateField(_l("Signed on (written agreement)"), validators=[Optional(), _plausible_year])
    effective_on = DateField(_l("In effect from (if not the signing date)"),
                             validators=[Optional(), _plausible_year])
    referred_to = StringField(_l("Referred to (court, arbitration, administrative body, petition)"),
                              validators=[Length(max=255)])
    # Left empty (a client that does not know the field), the policy's day and a phone call.
    return_visit_on = DateField(_l("Return visit on"), validators=[Optional(), _plausible_year])
    visit_method = RadioField(_l("How to make the return visit"), choices=choices("visit_method", ReturnVisitMethod),
                              default=ReturnVisitMethod.PHONE.value, validators=[Optional()])

    def payload(self) -> Payload:
        answer = getattr(self, "answer", None)
        return Payload(outcome=Outcome(self.outcome.data) if self.outcome.data else None,
                       answer=(answer.data or "") if answer is not None else "",
                       return_visit_on=self.return_visit_on.data, visit_method=self.visit_method.data or "",
                       agreement_text=self.agreement_text.data or "",
                       amount=Decimal(self.amount.data) if self.amount.data is not None else None,
                       performance_terms=self.performance_terms.data or "",
                       performance_due_on=self.performance_due_on.data, signed_on=self.signed_on.data,
                       effective_on=self.effective_on.data,
                       referred_to=self.referred_to.data or "")


class FollowUpForm(ActionForm):
    """The return visit as made, on a phone: three sets of large choices and a note."""

    # Prefilled with the method planned at closing; satisfaction may stay unsaid (the party declined).
    visit_method = RadioField(_l("How was the visit made?"), choices=choices("visit_method", ReturnVisitMethod),
                              validators=[Optional()])
    performance = RadioField(_l("Was the agreement performed?"), choices=choices("performance", Performance),
                             validators=[InputRequired()])
    satisfaction = RadioField(_l("Is the party satisfied?"), choices=choices("satisfaction", Satisfaction),
                              validators=[Optional()])
    notes = TextAreaField(_l("Notes: is the dispute calm, any hidden risk"), validators=[Length(max=4000)])

    def payload(self) -> Payload:
        return Payload(performance=self.performance.data or "", visit_method=self.visit_method.data or "",
                       satisfaction=self.satisfaction.data or "")

    def session_details(self, tz) -> dict:
        return {"notes": self.notes.data or ""}


class AnswerSupervisionForm(Form):
    """督办反馈, on the case page and on its own page."""

    version = HiddenField(validators=[version_number])
    answer = TextAreaField(_l("Your answer to the supervision (督办反馈)"),
                           validators=[not_blank, Length(max=MAX_ANSWER)])
    submit = SubmitField(_l("Send the answer"))


class MergeForm(ActionForm):
    target = StringField(_l("Reference of the case that absorbs this one"),
                         validators=[not_blank, Length(max=24)])


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    Action.ACCEPT: AcceptForm, Action.REJECT: ReasonForm, Action.ROUTE: RouteForm,
    Action.LOG_SESSION: LogSessionForm, Action.TRANSFER: TransferForm, Action.EXTEND: ExtendForm,
    Action.ESCALATE: ReasonForm, Action.PROPOSE_CLOSE: ProposeCloseForm, Action.ASSIGN: AssignForm, Action.SUPERVISE: SuperviseForm,
    Action.SUSPEND: ReasonForm, Action.RESUME: ConfirmForm,
    Action.CLOSE: CloseForm, Action.FOLLOW_UP: FollowUpForm,
    Action.REOPEN: ReasonForm, Action.ARCHIVE: ConfirmForm, Action.MERGE: MergeForm,
}

