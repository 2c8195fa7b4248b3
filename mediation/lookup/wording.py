"""How the lookup page words a case for its party: plain sentences, not the staff's labels."""
from flask_babel import lazy_gettext as _l

# The stage (Case.status) as a party reads it. Every concluded status reads 已办结.
STATUS = {
    "registered": _l("Received, waiting to be accepted"),
    "accepted": _l("Accepted"),
    "in_mediation": _l("Being mediated"),
    "closed": _l("Concluded"),
    "followed_up": _l("Concluded"),
    "archived": _l("Concluded"),
    "rejected": _l("Not accepted for mediation"),
    "merged": _l("Handled together with another case"),
}

# The next step (Case.next_stage, core.deadlines.RUNNING_STAGES) and its date, as a sentence.
NEXT_STEP = {
    "accept": _l("We will decide whether to accept the case, and contact you, by %(date)s."),
    "conclude": _l("Mediation is expected to conclude by %(date)s."),
    "follow_up": _l("We will contact you by %(date)s to ask whether the agreement is being carried out."),
    "reply": _l("The 12345 hotline will be told how the case is handled by %(date)s."),
    "supervision": _l("The next step is due by %(date)s."),
    "confirmation": _l("The next step is due by %(date)s."),
}
NEXT_STEP_OTHER = _l("The next step is due by %(date)s.")
# A scheduled mediation session still to come: the next step, whatever the deadline after it.
NEXT_SESSION = _l("A mediation session is scheduled for %(date)s (%(weekday)s) at %(time)s, at %(place)s. "
                  "Please attend on time.")
# "reply" of a case from another channel than 12345 (one that sent its own due date).
NEXT_STEP_REPLY_OTHER = _l("Where you first raised the dispute will be told how the case is handled by %(date)s.")
HOTLINE = "hotline_12345"


def next_step(stage: str | None, channel: str):
    """The sentence for the next step, with a %(date)s to fill in."""
    if stage == "reply" and channel != HOTLINE:
        return NEXT_STEP_REPLY_OTHER
    return NEXT_STEP.get(stage, NEXT_STEP_OTHER)

# A concluded case's outcome (CaseOutcome.outcome) in plain words.
OUTCOME = {
    "agreement_written": _l("The parties reached a written mediation agreement."),
    "agreement_oral": _l("The parties reached an oral agreement, recorded by the mediator."),
    "failed_referred": _l("No agreement was reached. You were told of other ways to resolve the dispute, "
                          "such as a lawsuit, arbitration or the competent department."),
    "withdrawn": _l("The application was withdrawn and mediation ended."),
    "transferred_out": _l("The case was handed over to another department."),
}
