"""The daily screening sweep: remind the village committees that have not reported.

`screening_reminders(now, town)` is a job (mediation/jobs: `job(now, town) -> rows`), safe to run
twice and at any hour: each notice has a dedupe key, so it is written once whatever the runs.

- From `remind_days` before the due day to the due day itself, each active user of a committee
  that has not reported this month gets one "screening_due" notice (once per committee and month).
- Past the due day, while the month is still open (its own month and the one after), each active
  user of a committee still without a report gets one "screening_overdue" notice, and each
  supervisor one notice for the month listing the committees overdue when it was written.

Five statements whatever the number of committees: the rules, the committees with their report
(or none) for the months concerned, their users, the supervisors, one INSERT."""
import logging
from datetime import date, datetime

from sqlalchemy import and_, select

from ..auth.models import User
from ..core.screening import (due_at, in_reminder_window, is_past_due, month_text, open_months)
from ..core.town import Town
from ..core.vocab import OfficeKind
from ..extensions import db
from ..notifications.services import notify_once, supervisor_ids
from ..organisation.models import Office
from .models import ScreeningReport
from .services import REPORTING_ROLES, load_rules

log = logging.getLogger(__name__)

DUE = "screening_due"  # notice kinds (labels.py "notice")
OVERDUE = "screening_overdue"
LISTED = 50  # committees named in a supervisor's notice; the count says how many in all


def screening_reminders(now: datetime, town: Town) -> int:
    """Write the due and overdue notices the day calls for; return how many were new."""
    rules = load_rules()
    today = now.astimezone(town.tz).date()
    this_month, last_month = open_months(today)
    wanted: list[tuple[date, str]] = []  # (month, kind) this run looks at
    if in_reminder_window(this_month, today, rules):
        wanted.append((this_month, DUE))
    if is_past_due(this_month, today, rules):
        wanted.append((this_month, OVERDUE))
    wanted.append((last_month, OVERDUE))  # always past due, and open until this month ends
    months = sorted({m for m, _kind in wanted})
    rows = db.session.execute(
        select(Office.id, Office.name, ScreeningReport.month)
        .outerjoin(ScreeningReport, and_(ScreeningReport.office_id == Office.id, ScreeningReport.month.in_(months)))
        .where(Office.kind == OfficeKind.VILLAGE_COMMITTEE.value, Office.active.is_(True))
        .order_by(Office.name, Office.id)).all()
    names: dict[int, str] = {}
    reported: set[tuple[int, date]] = set()
    for office_id, name, month in rows:
        names[office_id] = name
        if month is not None:
            reported.add((office_id, month))
    missing = {(month, kind): [o for o in names if (o, month) not in reported] for month, kind in wanted}
    offices = sorted({o for ids in missing.values() for o in ids})
    members: dict[int, list[int]] = {}
    if offices:
        for user_id, office_id in db.session.execute(
                select(User.id, User.office_id).where(User.office_id.in_(offices), User.active.is_(True),
                                                      User.role.in_([r.value for r in REPORTING_ROLES]))
                .order_by(User.id)):
            members.setdefault(office_id, []).append(user_id)
    notices = []
    supervisors: list[int] | None = None
    for (month, kind), office_ids in missing.items():
        key_month, due = month_text(month), due_at(month, rules, town.tz).isoformat()
        for office_id in office_ids:
            for user_id in members.get(office_id, []):
                notices.append({"user_id": user_id, "kind": kind, "dedupe_key": f"{kind}:{month_text(month)}:"
                                f"{office_id}:{user_id}",
                                "details": {"month": key_month, "due": due, "office_id": office_id,
                                            "reason": names[office_id]}})
        if kind == OVERDUE and office_ids:
            supervisors = supervisor_ids() if supervisors is None else supervisors
            listed = [names[o] for o in office_ids]
            text = "、".join(listed[:LISTED]) + ("…" if len(listed) > LISTED else "")
            for user_id in supervisors:
                notices.append({"user_id": user_id, "kind": kind, "dedupe_key": f"{kind}:{key_month}:town:{user_id}",
                                "details": {"month": key_month, "due": due, "count": len(listed),
                                            "committees": listed[:LISTED], "reason": f"{key_month}: {text}"}})
    written = notify_once(notices, now)
    log.info("screening reminders: %s notices written, %s committees missing a report", written,
             len({o for ids in missing.values() for o in ids}))
    return written
