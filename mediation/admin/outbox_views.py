"""The outbox for the administrator (issue #13 item 4): the newest messages (SMS to parties,
callbacks to channels), how many are in each status, and a retry for the given-up ones.

Two queries whatever the outbox holds: the counts per status (one GROUP BY) and the newest
`SHOWN` messages. SMS numbers are masked; an SMS's text is shown cut short with numbers and ID
numbers scrubbed: it is what the party received, which the admin checks when a party says a
notice was wrong (a name in it stays: it is free text, and the admin sees every case anyway).
A filter value that is not a status or kind is ignored (the page shows every message).

Routes hang on the admin blueprint (`register`): endpoints `admin.outbox`, `admin.outbox_retry`.
"""
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import audit
from ..auth.permissions import page_required
from ..cases.appointments import notice_may_go
from ..core.permissions import Page
from ..db import utcnow
from ..extensions import db
from ..outbox.models import FAILED, KINDS, STATUSES, OutboxMessage
from ..outbox.services import recent_messages, retry_failed, status_counts

SHOWN = 100  # the newest messages the page lists

STATUS_LABELS = {"pending": _l("Waiting to be sent"), "sent": _l("Sent"),
                 "recorded": _l("Recorded (no gateway)"), "failed": _l("Given up")}
STATUS_BADGES = {"pending": "warning", "sent": "success", "recorded": "secondary", "failed": "danger"}
KIND_LABELS = {"sms": _l("Text message"), "callback": _l("Channel callback")}
EVENT_LABELS = {"accepted": _l("Accepted"), "routed": _l("Routed"), "closed": _l("Closed"),
                "rejected": _l("Rejected")}


def _filters(args) -> dict[str, str]:
    """The query string's status and kind, when they are ones the outbox knows."""
    wanted = {"status": args.get("status", ""), "kind": args.get("kind", "")}
    known = {"status": STATUSES, "kind": KINDS}
    return {name: value for name, value in wanted.items() if value in known[name]}


@page_required(Page.ADMIN)
def index():
    chosen = _filters(request.args)
    counts = status_counts(chosen.get("kind"))
    messages = recent_messages(SHOWN, chosen.get("status"), chosen.get("kind"))
    return render_template("admin/outbox.html", messages=messages, counts=counts, chosen=chosen, shown=SHOWN,
                           statuses=STATUSES, kinds=KINDS, failed=FAILED, status_labels=STATUS_LABELS,
                           status_badges=STATUS_BADGES, kind_labels=KIND_LABELS, event_labels=EVENT_LABELS)


@page_required(Page.ADMIN)
def retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    kind, event_id, delivery_id, attempts = message.kind, message.event_id, message.delivery_id, message.attempts
    given_up = message.status == FAILED
    now = utcnow()
    if retry_failed(message_id, now, may_retry=partial(notice_may_go, now=now)):
        audit.record("outbox_retry", current_user, "outbox_message", message_id, kind=kind, event_id=event_id,
                     delivery_id=delivery_id, attempts_before=attempts, at=now, ip=request.remote_addr)
        db.session.commit()
        flash(_("The message is back in the queue; the next run of the outbox job sends it."), "success")
    else:
        db.session.rollback()
        if given_up:  # refused by notice_may_go
            flash(_("This notice is for a session that was cancelled or has begun: it is not sent again."), "info")
        else:
            flash(_("Only a message that was given up can be retried; this one is not."), "info")
    return redirect(url_for(".outbox", **_filters(request.args)), 303)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/outbox", view_func=index, endpoint="outbox")
    bp.add_url_rule("/outbox/<int(max=2147483647):message_id>/retry", view_func=retry, endpoint="outbox_retry",
                    methods=["POST"])
