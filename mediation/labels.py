"""How domain values read in the UI and in exports: translated labels, badge colours, local times."""
import re
from datetime import datetime
from functools import lru_cache

from flask_babel import format_datetime, get_locale, get_timezone
from flask_babel import lazy_gettext as _l

from .core.deadlines import PROVISIONAL_REASON, STAGE_BASIS

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "registered": _l("Registered"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
        "in_mediation": _l("In mediation"), "closed": _l("Closed"), "followed_up": _l("Followed up"),
        "archived": _l("Archived"), "merged": _l("Merged"),
    },
    "channel": {
        "hotline_12345": _l("12345 hotline"), "police_110": _l("110 police"),
        "grid_patrol": _l("Grid patrol"), "dispute_platform": _l("Dispute platform"),
        "walk_in": _l("Walk-in"), "referral": _l("Referral"),
    },
    "role": {
        "admin": _l("Administrator"), "supervisor": _l("Supervisor"), "mediator": _l("Mediator"),
        "liaison": _l("Liaison"), "viewer": _l("Viewer"),
    },
    "office_kind": {
        "judicial_office": _l("Judicial office"), "police_station": _l("Police station"),
        "law_firm": _l("Law firm"), "village_committee": _l("Village mediation committee"),
        "petition_office": _l("Petition office"), "safety_office": _l("Safety office"),
    },
    "outcome": {
        "agreement_written": _l("Written agreement"), "agreement_oral": _l("Oral agreement"),
        "failed_referred": _l("No agreement, referred on"), "withdrawn": _l("Withdrawn"),
        "transferred_out": _l("Transferred out"),
    },
    "party_role": {"applicant": _l("Applicant"), "respondent": _l("Respondent"),
                   "third_party": _l("Third party")},
    "method": {"in_person": _l("In person"), "phone": _l("By phone"), "video": _l("By video")},
    "performance": {"performed": _l("Performed"), "partly": _l("Partly performed"),
                    "not_performed": _l("Not performed"), "not_applicable": _l("Not applicable")},
    "visit_method": {"phone": _l("Phone call"), "visit": _l("Home visit"), "sms": _l("Text message")},
    "satisfaction": {"satisfied": _l("Satisfied"), "fairly_satisfied": _l("Fairly satisfied"),
                     "dissatisfied": _l("Dissatisfied")},
    "supervision_state": {"unanswered": _l("Awaiting an answer"), "overdue": _l("Overdue, unanswered"),
                          "answered": _l("Answered")},
    "action": {
        "register": _l("Registered"), "accept": _l("Accept"), "reject": _l("Reject"),
        "route": _l("Route"), "log_session": _l("Log session"), "transfer": _l("Transfer"),
        "extend": _l("Extend deadline"), "escalate": _l("Escalate to joint meeting"),
        "close": _l("Close"), "follow_up": _l("Return visit"), "reopen": _l("Reopen"),
        "archive": _l("Archive"), "merge": _l("Merge"), "absorbed": _l("Absorbed a merged case"),
        "link": _l("Linked with another case"), "suspend": _l("Suspend"), "resume": _l("Resume"),
        "propose_close": _l("Propose closing"), "assign": _l("Assign mediator"), "supervise": _l("Supervise (督办)"), "decision": _l("Joint meeting decision"),
        "on_agenda": _l("Put on the joint meeting's agenda"),
        "answer_supervision": _l("Answered the supervision (督办反馈)"),
        "ask_consultation": _l("Asked for a consultation (难题会诊)"),
        "answer_consultation": _l("Consultation answered"),
        "schedule_session": _l("Scheduled a mediation session"),
        "cancel_session": _l("Cancelled a scheduled session"),
        "review_adjusted": _l("Case-file review grade adjusted (卷宗评查)"),
    },
    "review_grade": {"excellent": _l("Excellent (优秀)"), "pass": _l("Pass (合格)"), "fail": _l("Fail (不合格)")},
    "review_item": {"registration_complete": _l("Registration complete"),
                    "session_record": _l("At least one session record"),
                    "agreement_contents": _l("Agreement with the contents of art. 29"),
                    "return_visit": _l("Return visit made"),
                    "confirmation_notice": _l("Parties told of judicial confirmation (司法确认)"),
                    "deadlines_met": _l("Deadlines met")},
    "consultation_state": {"unanswered": _l("Awaiting an answer"), "overdue": _l("Overdue, unanswered"),
                           "answered": _l("Answered")},
    "risk": {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")},
    # core.hotspots.RULE_CODES: the hotspot warnings' rules (热点预警).
    "hotspot_rule": {"village_category": _l("Same village, same category"),
                     "address_category": _l("Same address or compound, same category"),
                     "category_rising": _l("Category rising week over week"),
                     "same_respondent": _l("Same respondent in several cases (possible group dispute)")},
    "dashboard": {"overdue": _l("Overdue"), "due_soon": _l("Due soon"), "high_risk": _l("High risk"),
                  "unassigned": _l("No mediator"), "supervised": _l("Supervised"), "suspended": _l("Suspended")},
    "agenda_reason": {"overdue": _l("Overdue"), "due_soon": _l("Due soon"), "high_risk": _l("High risk"),
                      "escalated": _l("Escalated"), "supervised": _l("Supervised"), "added": _l("Added by hand")},
    "notice": {"due_soon": _l("Due soon"), "overdue": _l("Overdue"), "on_agenda": _l("On the joint meeting's agenda"),
               "agenda_ready": _l("The joint meeting's agenda is ready"),
               "return_visit_due": _l("Return visit due"),
               "confirmation_window": _l("Judicial confirmation window ends soon"),
               "close_proposed": _l("A liaison proposes closing"),
               "supervised": _l("Supervised (督办): please act and answer"),
               "supervision_answered": _l("Your supervision (督办) was answered"),
               "deadline_digest": _l("Deadline reminders"), "reminder_digest": _l("Return visits and confirmation windows"),
               "meeting_decision": _l("Joint meeting decision"),
               "consultation_asked": _l("A question for your office (难题会诊)"),
               "consultation_answered": _l("Your consultation was answered"),
               "consultation_overdue": _l("A consultation is overdue, unanswered"),
               "screening_due": _l("Monthly screening report (矛盾纠纷排查) due soon"),
               "screening_overdue": _l("Monthly screening report (矛盾纠纷排查) overdue")},
    "screening_status": {"reported": _l("Screening reported"), "nil_report": _l("Nil report (零上报)"),
                         "awaiting": _l("Not yet reported"), "overdue": _l("Overdue, not reported")},
    "policy_stage": {"accept": _l("Accept or reject, from receipt"), "conclude": _l("Conclude, from acceptance"),
                     "follow_up": _l("Return visit, from closing"),
                     "confirmation": _l("Judicial confirmation window, from the agreement"),
                     "channel_reply": _l("Answer the channel, from receipt"),
                     "consultation": _l("Answer a consultation (难题会诊), from the question")},
    "stage": {"accept": _l("accept or reject"), "conclude": _l("conclude mediation"),
              "follow_up": _l("return visit"), "reply": _l("answer the channel"),
              "supervision": _l("supervision instruction"), "confirmation": _l("judicial confirmation")},
    # Each deadline's rule and basis (core.deadlines.STAGE_BASIS), shown beside it; why one is provisional.
    "stage_basis": {stage: _l(basis) for stage, basis in STAGE_BASIS.items()},
    "deadline_note": {"provisional": _l(PROVISIONAL_REASON)},
    "duplicate": {"same_phone": _l("same phone"), "same_id_number": _l("same ID number"),
                  "same_name_same_village": _l("same name in the same village"),
                  "similar_address": _l("similar address"), "two_shared_parties": _l("two parties in common"),
                  "same_category": _l("same category")},
    "detail": {"work_order_type": _l("12345 work-order type"), "incident_number": _l("110 incident number"),
               "violence": _l("Violence reported"), "injury": _l("Injury reported"), "grid_id": _l("Grid"),
               "application_number": _l("Platform application number")},
    # What an audit row is about (audit.record's object_type), on the admin audit page.
    "audit_object": {"address": _l("Address"), "calendar": _l("Working calendar"), "case": _l("Case"),
                     "channel_token": _l("Channel token"), "deadline_policy": _l("Deadline policy"),
                     "import_batch": _l("Import batch"), "queue": _l("Case queue"),
                     "routing_rule": _l("Routing rule"), "risk_rule": _l("Risk rule"),
                     "statistics": _l("Statistics"), "user": _l("Account"),
                     "weekly_summary": _l("Weekly summary"), "meeting": _l("Joint meeting"),
                     "screening_report": _l("Screening report (矛盾纠纷排查)"),
                     "screening_settings": _l("Screening report due day"),
                     "hotspot_rule": _l("Hotspot warning rule"),
                     "case_review": _l("Case-file review"), "review_rule": _l("Case-file review rules")},
    # A deadline policy row's variant (core.deadlines.DEFAULT_PERIODS): a 12345 work-order type.
    "policy_variant": {"complex": _l("Complex item (with approval)"), "咨询": _l("Consultation (咨询)")},
}

STATUS_BADGE = {
    "registered": "secondary", "accepted": "info", "in_mediation": "primary", "closed": "success",
    "followed_up": "success", "archived": "dark", "rejected": "danger", "merged": "light",
}


def label(kind: str, code) -> str:
    if code is None:
        return ""
    text = _translated(str(get_locale()), kind).get(str(code))
    return text if text is not None else str(code)


@lru_cache(maxsize=64)
def _translated(locale: str, kind: str) -> dict[str, str]:
    """A kind's labels in one locale, translated once per process: a list page shows hundreds
    of labels, and each lazy string would otherwise look its translation up again."""
    return {code: str(text) for code, text in LABELS.get(kind, {}).items()}


_NUMERIC = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_NUMERIC_PATTERN = re.compile(r"^(?:yyyy|MM|dd|HH|mm|ss|[ :./-])+$")


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """`value` in the user's time zone. All-numeric patterns go through strftime: Babel's
    formatter parses its pattern on every call, and a list shows hundreds of times."""
    if not value:
        return ""
    if _NUMERIC_PATTERN.match(fmt):
        return value.astimezone(get_timezone()).strftime(re.sub("yyyy|MM|dd|HH|mm|ss", lambda m: _NUMERIC[m.group(0)], fmt))
    return format_datetime(value, fmt)
