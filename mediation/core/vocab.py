"""Fixed vocabularies from DESIGN.md: channels, offices, categories, outcomes, roles.

Codes are stored; labels are English msgids translated at the edge (zh_CN by default).
"""
from decimal import Decimal
from enum import StrEnum


class Channel(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    POLICE_110 = "police_110"
    GRID_PATROL = "grid_patrol"
    DISPUTE_PLATFORM = "dispute_platform"
    WALK_IN = "walk_in"
    REFERRAL = "referral"


class OfficeKind(StrEnum):
    JUDICIAL_OFFICE = "judicial_office"
    POLICE_STATION = "police_station"
    LAW_FIRM = "law_firm"
    VILLAGE_COMMITTEE = "village_committee"
    PETITION_OFFICE = "petition_office"
    SAFETY_OFFICE = "safety_office"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    MEDIATOR = "mediator"
    LIAISON = "liaison"
    VIEWER = "viewer"


class Outcome(StrEnum):
    AGREEMENT_WRITTEN = "agreement_written"
    AGREEMENT_ORAL = "agreement_oral"
    FAILED_REFERRED = "failed_referred"
    WITHDRAWN = "withdrawn"
    TRANSFERRED_OUT = "transferred_out"


SUCCESS_OUTCOMES = frozenset({Outcome.AGREEMENT_WRITTEN, Outcome.AGREEMENT_ORAL})


class PartyRole(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    THIRD_PARTY = "third_party"


class SessionMethod(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class Performance(StrEnum):
    """Return-visit finding: was the agreement carried out?"""

    PERFORMED = "performed"
    PARTLY = "partly"
    NOT_PERFORMED = "not_performed"
    NOT_APPLICABLE = "not_applicable"


class ReturnVisitMethod(StrEnum):
    """How a return visit (回访) is made: 电话, 上门, 短信."""

    PHONE = "phone"
    VISIT = "visit"
    SMS = "sms"


class Satisfaction(StrEnum):
    """The party's verdict at the return visit: 满意, 基本满意, 不满意."""

    SATISFIED = "satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    DISSATISFIED = "dissatisfied"


# Ministry of Justice statistical categories, in the ministry's order. Stored as the
# Chinese name: it is the category's official identifier and what channels send.
CATEGORIES: tuple[str, ...] = (
    "婚姻家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿", "山林土地",
    "征地拆迁", "环境污染", "劳动争议", "消费", "医疗", "道路交通事故", "物业", "其他",
)

# Bounds on what people type: dates outside these years are mistakes (and overflow date
# arithmetic); amounts beyond what NUMERIC(14, 2) holds cannot be stored.
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_AMOUNT = Decimal("999999999999.99")
