"""Hotspot warnings (热点预警): transparent rules that find clusters of disputes for the joint meeting.

Four rules, each a threshold an admin edits (table `hotspot_rules`; a rule without a row uses its
default here). Every warning says which rule fired, on what (a village and a category, an address
or compound and a category, a category, a respondent), how many cases, and why, in words built
from the same figures:

- `village_category`: one village, one category, N or more cases received within W weeks;
- `address_category`: one address or compound (core/addresses.py), one category, N or more within W weeks;
- `category_rising`: a category's cases in the last W weeks at least `factor` times those of the W
  weeks before, and at least N;
- `same_respondent`: the same organisation is the respondent in N or more cases within W weeks,
  a sign of a group dispute (群体性纠纷).

Rejected and merged cases are not counted: a rejected one was no dispute of ours, a merged one is
counted in the case it was merged into. Windows end at the moment of the scan.

Respondents are matched only when they are organisations (a company, factory, property manager,
cooperative …): two people of the same name are not the same person, and a person's repeated
disputes are the escalation-risk rule "repeat dispute" (same parties within 180 days), with the ID
number and phone to tell them apart. An organisation's name is no personal data, so a warning may
show it; people stay masked.

Plain Python (no Flask, no SQLAlchemy): mediation/hotspots/services.py runs the rules in SQL.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from .errors import N_
from .schedules import Weekly
from .town import MeetingSchedule


class Rule:
    VILLAGE_CATEGORY = "village_category"
    ADDRESS_CATEGORY = "address_category"
    CATEGORY_RISING = "category_rising"
    SAME_RESPONDENT = "same_respondent"


RULE_CODES: tuple[str, ...] = (Rule.VILLAGE_CATEGORY, Rule.ADDRESS_CATEGORY, Rule.CATEGORY_RISING,
                               Rule.SAME_RESPONDENT)
NOT_COUNTED_STATUSES = ("rejected", "merged")  # core.lifecycle.Status values
CASES_KEPT = 100  # case ids a warning keeps (with the total): the detail lists them


@dataclass(frozen=True)
class RuleSettings:
    code: str
    min_count: int
    window_weeks: int
    factor: Decimal | None = None  # category_rising only
    active: bool = True

    @property
    def window(self) -> timedelta:
        return timedelta(weeks=self.window_weeks)


DEFAULTS: dict[str, RuleSettings] = {
    Rule.VILLAGE_CATEGORY: RuleSettings(Rule.VILLAGE_CATEGORY, 3, 4),
    Rule.ADDRESS_CATEGORY: RuleSettings(Rule.ADDRESS_CATEGORY, 3, 4),
    Rule.CATEGORY_RISING: RuleSettings(Rule.CATEGORY_RISING, 5, 1, Decimal("2.00")),
    Rule.SAME_RESPONDENT: RuleSettings(Rule.SAME_RESPONDENT, 3, 8),
}

# Bounds an admin's edit must keep: 1 case is no cluster; a window longer than half a year is history.
MIN_COUNT_RANGE = (2, 1000)
WINDOW_WEEKS_RANGE = (1, 26)
FACTOR_RANGE = (Decimal("1.00"), Decimal("20.00"))

# What each rule does, with the thresholds in force (admin page, warning pages, handout).
EXPLANATIONS: dict[str, str] = {
    Rule.VILLAGE_CATEGORY: N_("Warns when one village has %(n)s or more disputes of the same category "
                              "received within %(weeks)s weeks."),
    Rule.ADDRESS_CATEGORY: N_("Warns when one address or residential compound (小区, lane, house number) has "
                              "%(n)s or more disputes of the same category received within %(weeks)s weeks."),
    Rule.CATEGORY_RISING: N_("Warns when a category's disputes of the last %(weeks)s weeks are at least "
                             "%(factor)s times those of the %(weeks)s weeks before, and at least %(n)s."),
    Rule.SAME_RESPONDENT: N_("Warns when the same organisation (a company, factory, property manager …) is the "
                             "respondent in %(n)s or more cases received within %(weeks)s weeks: a sign of a "
                             "group dispute (群体性纠纷). People are not matched by name."),
}

# Why one warning fired, from its own figures.
WHY: dict[str, str] = {
    Rule.VILLAGE_CATEGORY: N_("%(count)s disputes of category %(category)s in %(village)s received from %(since)s "
                              "to %(until)s (%(weeks)s weeks); the threshold is %(threshold)s."),
    Rule.ADDRESS_CATEGORY: N_("%(count)s disputes of category %(category)s at %(place)s received from %(since)s "
                              "to %(until)s (%(weeks)s weeks); the threshold is %(threshold)s."),
    Rule.CATEGORY_RISING: N_("%(count)s disputes of category %(category)s received from %(since)s to %(until)s, "
                             "against %(previous)s in the %(weeks)s weeks before: at least %(factor)s times as "
                             "many, and at least %(threshold)s."),
    Rule.SAME_RESPONDENT: N_("%(count)s cases against %(name)s received from %(since)s to %(until)s "
                             "(%(weeks)s weeks); the threshold is %(threshold)s: a sign of a group dispute."),
}


def effective_rules(stored: dict[str, RuleSettings]) -> list[RuleSettings]:
    """Every rule in RULE_CODES order: the stored settings, else the default."""
    return [stored.get(code, DEFAULTS[code]) for code in RULE_CODES]


@dataclass(frozen=True)
class Window:
    """[since, until) for counting; for the rising rule also the period before, [previous_since, since)."""

    since: datetime
    until: datetime
    previous_since: datetime | None = None


def window_of(rule: RuleSettings, now: datetime) -> Window:
    since = now - rule.window
    if rule.code == Rule.CATEGORY_RISING:
        return Window(since, now, since - rule.window)
    return Window(since, now)


@dataclass
class Warning:
    """One cluster found: `key` identifies it within its week and rule; `case_ids` are the newest
    CASES_KEPT of its `count` cases; `details` holds what the sentence (WHY) needs."""

    rule: str
    key: str
    count: int
    case_ids: list[int] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def village_category_key(village_id: int, category: str) -> str:
    return f"{village_id}|{category}"


def address_category_key(address_key: str, category: str) -> str:
    return f"{address_key}|{category}"


def scan_schedule(meeting: MeetingSchedule) -> Weekly:
    """The weekly scan: an hour before the joint meeting's agenda is built, so its warnings are
    in place when the agenda notice goes out and the handout is printed."""
    day, at = meeting.agenda_build_time()
    moment = datetime.combine(datetime(2026, 1, 5).date() + timedelta(days=day), at) - timedelta(hours=1)
    return Weekly(moment.weekday(), time(moment.hour, moment.minute))


# --------------------------------------------------------------------------------------------
# Respondents: organisations, one way of writing their name
# --------------------------------------------------------------------------------------------

# A respondent whose name ENDS with one of these is an organisation, not a person: what a name is,
# its last word says (上海嘉定物流有限公司, 小庙村股份经济合作社, 某某物业管理中心, 张记饭店; a branch,
# 有限公司徐行分公司 or 工商银行徐行支行, ends the same way). A person's name may hold the same
# characters anywhere (王店生, 李厂华) or be a surname and a given name that happens to be one of
# them (陈中心, 赵银行): hence the suffix, and at least two characters before it and four in all.
ORGANISATION_SUFFIXES = (
    # Companies, firms and their branches
    "公司", "集团", "企业", "商行", "银行", "支行", "分行", "信用社", "事务所", "工作室", "经营部", "门市部",
    "服务部", "营业部", "项目部", "工程队", "施工队", "车队", "开发商", "厂", "店", "超市", "商场", "市场",
    "宾馆", "酒楼", "餐厅", "加油站", "农场", "养殖场", "合作社", "联合社",
    # Property managers
    "物业", "管理处",
    # Services, schools, hospitals
    "中心", "医院", "卫生院", "诊所", "门诊", "学校", "幼儿园", "驾校", "培训", "机构", "俱乐部",
    # Committees, associations, offices
    "委员会", "村委会", "居委会", "管委会", "协会", "办事处", "政府",
)
MIN_BEFORE_SUFFIX = 2  # characters naming it before the suffix: 赵银行 is a person, 金地物业 a firm
MIN_ORGANISATION_LENGTH = 4  # in all: 五金店 names no one firm, 徐行五金店 does
_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")  # 某某投资中心(有限合伙), 某某物流有限公司(徐行分公司)
# Legal forms at the end of a name, longest first: "嘉定物流有限责任公司" and "嘉定物流公司" are one company.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "责任公司", "公司")
NAME_KEY_MAX = 64  # parties.name_key's length
_MUNICIPALITY_CITY = re.compile(r"^(北京|上海|天津|重庆)市")


def _plain_name(name: str) -> str:
    """Half-width (NFKC: full-width letters, digits, brackets), no spaces, Latin letters in lower case."""
    text = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"\s+", "", text).lower()


def is_organisation(name: str | None) -> bool:
    """Whether a respondent's name is an organisation's: it ends with one of ORGANISATION_SUFFIXES
    (once a trailing bracketed note is set aside), at least MIN_BEFORE_SUFFIX characters before it
    and MIN_ORGANISATION_LENGTH in all. Written half-width, without spaces (_plain_name)."""
    text = _TRAILING_BRACKET.sub("", _plain_name(name or ""))
    return len(text) >= MIN_ORGANISATION_LENGTH and any(
        text.endswith(suffix) and len(text) - len(suffix) >= MIN_BEFORE_SUFFIX for suffix in ORGANISATION_SUFFIXES)


def respondent_key(name: str | None) -> str | None:
    """An organisation's name written one way ("上海市 嘉定物流有限责任公司" → "上海嘉定物流"); None for a
    person, or a name that is no more than a legal form."""
    if not is_organisation(name):
        return None
    text = _MUNICIPALITY_CITY.sub(r"\1", _plain_name(name or ""))
    for suffix in LEGAL_FORMS:
        if text.endswith(suffix):
            text = text[:-len(suffix)]
            break
    return text[:NAME_KEY_MAX] if len(text) >= 2 else None


def party_name_key(role: str, name: str | None) -> str | None:
    """What `parties.name_key` stores: the respondent key of an organisation that is a respondent."""
    return respondent_key(name) if role == "respondent" else None
