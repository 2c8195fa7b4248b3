"""The queue's filter form, what it selects (`queue_query`: WHERE clauses on Case, for the queue
page and its Excel export, reports/queue_export.py), and the form that saves a filter under a name.

Work queues start at the open cases ("my cases" = open cases assigned to me); `status=` (empty)
asks for any status, and a search looks at every status unless a status is chosen."""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..auth.models import User
from ..core.deadlines import DueState, DueWindow
from ..core.lifecycle import OPEN_STATUSES, Status
from ..core.vocab import CATEGORIES, Channel, Role
from ..extensions import db
from ..forms_common import Form, choices, not_blank, optional_int
from ..labels import LABELS
from ..organisation.models import Village
from ..organisation.town import current_town
from .access import visible_cases
from .models import Case, case_co_offices
from .queries import COUNT_CAP, is_due

OPEN = "open"  # the status filter's "any open status" (registered, accepted, in mediation)
FILTER_KEYS = ("scope", "status", "due", "channel", "category", "village", "q")  # what a saved filter keeps


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    scope = SelectField(_l("Cases"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[(OPEN, _l("Open cases")), ("", _l("Any status"))]
                         + choices("status", LABELS["status"]), validators=[Optional()])
    due = SelectField(_l("Deadline"), choices=[("", _l("Any deadline"))] + [
        (s.value, LABELS["dashboard"][s.value]) for s in (DueState.OVERDUE, DueState.DUE_SOON)],
        validators=[Optional()])
    channel = SelectField(_l("Channel"), choices=[("", _l("Any channel"))] + choices("channel", Channel),
                          validators=[Optional()])
    category = SelectField(_l("Category"), choices=[("", _l("Any category"))] + [(c, c) for c in CATEGORIES],
                           validators=[Optional()])
    village = SelectField(_l("Village"), coerce=optional_int, validators=[Optional()])
    q = StringField(_l("Phone, reference, name or word"), validators=[Optional(), Length(max=64)])


class SaveFilterForm(Form):
    name = StringField(_l("Name of this filter"), validators=[not_blank, Length(max=60)])
    query = HiddenField(validators=[Length(max=1000)])
    save_filter = SubmitField(_l("Save filter"))


SCOPES = {
    Role.MEDIATOR: ("mine", "office"),
    Role.LIAISON: ("office",),
    Role.SUPERVISOR: ("all", "mine", "office"),
    Role.ADMIN: ("all",),
    Role.VIEWER: ("all",),
}
EXPORT_LIMIT = 10_000  # rows in the queue's Excel export (reports/queue_export.py), said on the page
SCOPE_LABELS = {"mine": _l("My cases"), "office": _l("My office's queue"), "all": _l("All cases")}
STATUS_ORDER = [s.value for s in Status]
OPEN_VALUES = [s.value for s in Status if s in OPEN_STATUSES]
NOT_OPEN_VALUES = [s.value for s in Status if s not in OPEN_STATUSES]
STATUS_VALUES = [s.value for s in Status]


@dataclass
class QueueQuery:
    form: QueueFilterForm
    scope: str
    filters: list  # WHERE clauses on Case, status included
    count_filters: list  # the same, as the capped count is served best (open statuses by IN: the status index)
    other_filters: list  # the same without the status filter (for the counts per status)
    text: str  # the search text, "" when not searching
    args: dict  # the filter arguments as links carry them (status kept even when empty)

    @property
    def query_string(self) -> str:
        return urlencode(self.args)


def _office_clause(office_id: int):
    co = exists().where(case_co_offices.c.case_id == Case.id, case_co_offices.c.office_id == office_id)
    return or_(Case.lead_office_id == office_id, Case.intake_office_id == office_id, co)


def queue_query(user: User, args: MultiDict, now) -> QueueQuery:
    """The queue's filters from the request's arguments, for the page and for its export alike."""
    data = MultiDict(args)
    if "status" not in data and not (data.get("q") or "").strip():
        data["status"] = OPEN  # work queues start at the open cases
    form = QueueFilterForm(data)
    scopes = SCOPES[user.role_enum]
    form.scope.choices = [(s, SCOPE_LABELS[s]) for s in scopes]
    villages = db.session.scalars(select(Village).order_by(Village.id)).all()
    form.village.choices = [("", _("Any village"))] + [(v.id, v.name) for v in villages]
    form.validate()
    scope = form.scope.data if form.scope.data in scopes else scopes[0]
    form.scope.data = scope

    others = []
    if scope == "mine":
        others.append(Case.mediator_id == user.id)
    elif scope == "office":
        others.append(_office_clause(user.office_id))
    for field, column in ((form.channel, Case.channel), (form.category, Case.category), (form.village, Case.village_id)):
        if field.data and not field.errors:
            others.append(column == field.data)
    if form.due.data and not form.due.errors:
        others.append(is_due(DueState(form.due.data), DueWindow.at(now, current_town().calendar, current_town().tz)))
    status = form.status.data if not form.status.errors else ""
    form.status.data = status
    filters, count_filters = list(others), list(others)
    if status == OPEN:
        # As NOT IN the finished statuses (the same cases: the status column is checked): the queue's
        # order index then serves the page, where IN would pick the status index and sort. The count
        # wants the opposite: NOT IN walks the order index past a million closed cases to find 1,001
        # open ones, IN reads them off the status index.
        filters.append(Case.status.not_in(NOT_OPEN_VALUES))
        count_filters.append(Case.status.in_(OPEN_VALUES))
    elif status:
        filters.append(Case.status == status)
        count_filters.append(Case.status == status)
    text = (form.q.data or "").strip() if not form.q.errors else ""
    link_args = {"scope": scope, "status": status}
    link_args.update({k: str(args[k]) for k in FILTER_KEYS if k not in link_args and args.get(k)
                      and not getattr(form, k).errors})
    return QueueQuery(form, scope, filters, count_filters, others, text, link_args)


def status_counts(user: User, filters: list, assigned_only: bool = False) -> dict[str, int]:
    """Cases per status under `filters` (the queue's, without its status filter), each counted only as
    far as COUNT_CAP + 1 (the page says "1,000+" beyond): one statement of a capped count per status, each
    read off an index that starts with the status, where an exact GROUP BY reads every case."""
    base = visible_cases(user, assigned_only).where(*filters).with_only_columns(Case.id)
    columns = [select(func.count()).select_from(base.where(Case.status == status).limit(COUNT_CAP + 1).subquery())
               .scalar_subquery().label(status) for status in STATUS_VALUES]
    row = db.session.execute(select(*columns)).one()
    return {status: n for status, n in zip(STATUS_VALUES, row) if n}
