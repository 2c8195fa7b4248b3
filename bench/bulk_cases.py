"""Rows for generated cases, chunk by chunk: pure Python, no database, no Flask.

`Context` holds what every chunk needs (the town's villages, offices, users and routing rules,
its policy and calendar, the clock, the id and reference numbering); `make_chunk` turns one range
of case numbers into rows for every table, as tuples in the column order of `COLUMNS`.

Case number i (0-based, over the whole run) is registered at `Context.registered_at(i)`, a fixed
function rising with i (a growing caseload, weekdays and office hours busier), so ids and
references follow registration order as the app hands them out, and every chunk can be made on
its own, in any process, from its seed. Each case's history is simulated from registration with
realistic delays and cut at `now`: its status is what it would be today, so recent cases are open
and old ones archived, and its rows (timeline, sessions, outcome, return visits, notices) are
consistent with that history. What the app derives it derives with the app's own pure rules:
deadlines (`core.deadlines.compute`), risk (`core.risk.assess`), routing (`core.routing.propose`),
references (`core.references.format_reference`), phones (`core.identity.normalize_phone`) and
search terms (`core.search.case_terms`).

Times are integers, microseconds since the epoch (UTC): datetime arithmetic costs ~2 µs an
operation here, and a million cases need tens of millions of them.
"""
import bisect
import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from json.encoder import encode_basestring_ascii as jstr

from mediation.core import deadlines as core_deadlines
from mediation.core import routing as core_routing
from mediation.core.demo_people import fake_name
from mediation.core.identity import _ID_CHECK, _ID_WEIGHTS, normalize_phone
from mediation.core.lifecycle import Status
from mediation.core.references import format_reference
from mediation.core.risk import RiskFacts, assess, is_vulnerable_by_age
from mediation.core.search import PHONE, case_terms, phone_keys

import bulk_text as T

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEC = 1_000_000
MIN = 60 * SEC
HOUR = 3600 * SEC
DAY = 86400 * SEC

COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (
        "id", "reference", "channel", "external_ref", "received_at", "registered_at", "registered_by_id",
        "intake_office_id", "category", "summary", "village_id", "address", "status", "lead_office_id",
        "mediator_id", "accepted_at", "closed_at", "accept_by", "conclude_by", "follow_up_by", "confirmation_by",
        "reply_by", "supervision_due_at", "next_deadline", "next_stage", "deadline_provisional", "extension_days",
        "mediation_started_at", "suspended_at", "suspended_seconds", "due_state", "due_state_at", "details",
        "channel_due_at", "amount", "people_involved", "violence", "content_hash", "escalated", "risk_level",
        "risk_reasons", "routing_rule_id", "reject_reason", "merged_into_id", "created_at", "updated_at", "version"),
    "parties": ("case_id", "name", "role", "phone", "id_number", "address", "vulnerable", "has_petitioned"),
    "case_co_offices": ("case_id", "office_id"),
    "timeline_events": ("case_id", "at", "actor_id", "action", "from_status", "to_status", "details"),
    "mediation_sessions": ("case_id", "held_at", "logged_by_id", "office_id", "method", "place", "participants",
                           "record", "next_steps", "created_at"),
    "case_outcomes": ("case_id", "outcome", "agreement_text", "amount", "performance_terms", "referred_to",
                      "closed_at", "closed_by_id"),
    "return_visits": ("case_id", "visited_at", "visited_by_id", "performance", "notes"),
    "supervisions": ("case_id", "instruction", "due_at", "created_at", "created_by_id", "meeting_id", "done_at"),
    "notifications": ("user_id", "case_id", "kind", "details", "created_at", "read_at", "dedupe_key"),
    "case_search_terms": ("term", "case_id"),
}
TABLES = tuple(COLUMNS)  # insertion order: parents first
MAIN_TABLES = TABLES[:-1]  # all but the search terms, which are made from `Chunk.texts`
_UPDATED_AT = COLUMNS["cases"].index("updated_at")

CHANNELS = (("hotline_12345", 30), ("police_110", 15), ("grid_patrol", 14), ("dispute_platform", 12),
            ("walk_in", 19), ("referral", 10))
CATEGORY_WEIGHTS = {"婚姻家庭": 14, "邻里": 18, "房屋宅基地": 10, "合同": 7, "生产经营": 3, "损害赔偿": 8,
                    "山林土地": 3, "征地拆迁": 2, "环境污染": 3, "劳动争议": 8, "消费": 5, "医疗": 2,
                    "道路交通事故": 7, "物业": 7, "其他": 3}
# (share of cases with an amount in dispute, median amount in yuan)
AMOUNTS = {"婚姻家庭": (0.3, 20000), "邻里": (0.2, 2000), "房屋宅基地": (0.3, 10000), "合同": (0.9, 30000),
           "生产经营": (0.8, 50000), "损害赔偿": (0.8, 8000), "山林土地": (0.5, 8000), "征地拆迁": (0.6, 100000),
           "环境污染": (0.2, 5000), "劳动争议": (0.85, 15000), "消费": (0.8, 3000), "医疗": (0.7, 20000),
           "道路交通事故": (0.85, 5000), "物业": (0.5, 3000), "其他": (0.1, 3000)}
COMPANY_RESPONDENT = {"劳动争议": 0.6, "物业": 0.8, "消费": 0.6, "医疗": 0.5, "合同": 0.3, "生产经营": 0.3,
                      "环境污染": 0.5}
COMPANY_PREFIX = ["嘉定", "徐行", "嘉行", "沪嘉", "曹王", "新华", "利达", "鑫源", "恒丰", "顺发", "宏达", "金桥"]
COMPANY_KIND = {"劳动争议": ["建筑工程", "机械制造", "物流", "电子科技", "服装加工"], "物业": ["物业管理"],
                "消费": ["商贸", "家电销售", "健身管理", "教育培训"], "医疗": ["医疗美容", "口腔门诊"],
                "合同": ["装饰工程", "建材", "商贸"], "生产经营": ["农业发展", "食品", "五金"],
                "环境污染": ["化工", "塑料制品", "餐饮管理"]}
OUTCOMES = (("agreement_written", 55), ("agreement_oral", 20), ("failed_referred", 12), ("withdrawn", 8),
            ("transferred_out", 5))
WORK_ORDER_TYPES = (("咨询", 10), ("求助", 35), ("投诉", 45), ("建议", 10))
# Mediation from routing to closing, in days: (share, shortest, longest); the last row is "stuck".
DURATIONS = ((0.22, 0.5, 10), (0.40, 10, 30), (0.24, 30, 60), (0.137, 60, 150), (0.003, 400, 3000))
# Resident ID areas: Jiading and other Shanghai districts, and the provinces many workers come from.
ID_AREAS = ["310114"] * 12 + ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112",
                              "310113", "310115", "310116", "310117", "310118", "310120", "341221", "341222",
                              "320981", "320924", "412828", "413026", "511321", "513030", "362330", "420982",
                              "340826", "330327"]
OPEN = ("registered", "accepted", "in_mediation")


def _cum(weights):
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


class Pick:
    """Weighted choice by one random number and a bisect."""

    def __init__(self, pairs):
        self.values = [v for v, _w in pairs]
        self.cum = _cum([w for _v, w in pairs])
        self.cum[-1] = 1.01

    def __call__(self, rng):
        return self.values[bisect.bisect_right(self.cum, rng.random())]


@dataclass
class Office:
    id: int
    code: str
    kind: str
    village_id: int | None


@dataclass
class User:
    id: int
    username: str
    role: str
    office_id: int
    display_name: str


@dataclass
class Context:
    now: datetime  # aware
    tz: object
    prefix: str
    policy: object
    calendar: object
    villages: list  # (id, code, name, is_community)
    offices: list[Office]
    users: list[User]
    rules: list  # core.routing.Rule
    cases: int  # N
    base_id: int  # id of case number 0
    seed: int
    years: float = 5
    counter_start: dict = field(default_factory=dict)  # year -> last reference number already used
    # filled by prepare()
    now_us: int = 0
    start_us: int = 0
    bins: list = field(default_factory=list)  # cumulative share of cases registered by the end of each hour
    year_first: dict = field(default_factory=dict)  # year -> first case number registered in it

    def prepare(self) -> None:
        """The registration-time grid (growth, weekdays, office hours) and the year boundaries."""
        self.now_us = us_of(self.now)
        end = self.now_us - 5 * MIN
        start = end - int(365.25 * self.years * DAY)
        self.start_us = start - start % HOUR
        hours = (end - self.start_us) // HOUR + 1
        hour_w = [0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.2, 2.4, 3.0, 3.0, 2.6, 1.6, 2.4, 2.8, 2.8, 2.5, 2.0,
                  1.4, 1.2, 1.0, 0.8, 0.5, 0.3]
        weights = []
        for h in range(hours):
            t = self.start_us + h * HOUR
            local = dt_of(t).astimezone(self.tz)
            w = hour_w[local.hour] * (0.55 if local.weekday() >= 5 else 1.0)
            w *= 1.0 + 0.6 * h / hours  # the caseload grows by ~60 % over the period
            if h == hours - 1:
                w *= (end - t) / HOUR
            weights.append(w)
        self.bins = _cum(weights)
        self.year_first = {}
        for year in range(dt_of(self.start_us).astimezone(self.tz).year, self.now.astimezone(self.tz).year + 1):
            boundary = us_of(datetime(year, 1, 1, tzinfo=self.tz))
            lo, hi = 0, self.cases
            while lo < hi:
                mid = (lo + hi) // 2
                if self.registered_at(mid) >= boundary:
                    hi = mid
                else:
                    lo = mid + 1
            self.year_first[year] = lo

    def registered_at(self, i: int) -> int:
        q = (i + 0.5) / self.cases
        b = bisect.bisect_left(self.bins, q)
        lo = self.bins[b - 1] if b else 0.0
        frac = (q - lo) / ((self.bins[b] - lo) or 1.0)
        return self.start_us + int((b + frac) * HOUR)

    def reference_number(self, i: int, year: int) -> int:
        return self.counter_start.get(year, 0) + i - self.year_first[year] + 1


# ---- times -----------------------------------------------------------------------------------------
def us_of(dt: datetime) -> int:
    return round(dt.timestamp() * SEC)


def dt_of(t: int) -> datetime:
    return datetime.fromtimestamp(t / SEC, UTC)  # exact to the microsecond for these magnitudes


_TOD = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_DATES: dict[int, str] = {}


def _day(d: int) -> str:
    s = _DATES.get(d)
    if s is None:
        s = _DATES[d] = (date(1970, 1, 1) + timedelta(days=d)).isoformat()
    return s


def ts(t: int | None) -> str | None:
    """A time as the app stores it: naive UTC with microseconds (SQLAlchemy's SQLite format;
    PostgreSQL reads it the same)."""
    if t is None:
        return None
    d, r = divmod(t, DAY)
    s, us = divmod(r, SEC)
    return f"{_DATES.get(d) or _day(d)} {_TOD[s]}.{us:06d}"


def iso(t: int) -> str:
    """datetime.isoformat() of the aware UTC time, as the app writes into JSON details."""
    d, r = divmod(t, DAY)
    s, us = divmod(r, SEC)
    return f"{_day(d)}T{_TOD[s]}.{us:06d}+00:00" if us else f"{_day(d)}T{_TOD[s]}+00:00"


def ts_dt(dt: datetime | None) -> str | None:
    return None if dt is None else ts(us_of(dt))


class _Town:
    """Look-ups over the context, built once per process."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.office_by_code = {o.code: o for o in ctx.offices}
        self.vc_by_village = {}
        for o in ctx.offices:
            if o.kind == "village_committee" and o.village_id is not None:
                self.vc_by_village.setdefault(o.village_id, o.id)
        judicial = self.office_by_code.get("judicial_office")
        self.judicial = judicial.id if judicial else ctx.offices[0].id
        police = [o.id for o in ctx.offices if o.kind == "police_station"]
        self.police = police[0] if police else self.judicial
        self.override_leads = [o.id for o in ctx.offices if o.kind in ("judicial_office", "police_station",
                                                                       "village_committee", "law_firm")]
        self.supervisors = [u for u in ctx.users if u.role == "supervisor"] or \
            [u for u in ctx.users if u.role == "admin"]
        self.supervisor_ids = [u.id for u in ctx.users if u.role == "supervisor"]
        self.workers_by_office: dict[int, list[User]] = {}
        for u in ctx.users:
            if u.role in ("mediator", "liaison"):
                self.workers_by_office.setdefault(u.office_id, []).append(u)
        self.mediators_by_office = {k: [u for u in v if u.role == "mediator"] or v
                                    for k, v in self.workers_by_office.items()}
        fallback = self.mediators_by_office.get(self.judicial) or [u for u in ctx.users if u.role == "mediator"]
        self.fallback_mediators = fallback or self.supervisors
        self.police_liaisons = [u for u in self.workers_by_office.get(self.police, []) if u.role == "liaison"]
        rng = random.Random(ctx.seed)
        self.village_pick = Pick([(v, rng.uniform(0.5, 1.5) * (1.6 if v[3] else 1.0)) for v in ctx.villages])
        self.channel_pick = Pick(CHANNELS)
        self.category_pick = Pick(list(CATEGORY_WEIGHTS.items()))
        self.outcome_pick = Pick(OUTCOMES)
        self.work_order_pick = Pick(WORK_ORDER_TYPES)
        self.summaries = {c: T.parsed_all(ts_) for c, ts_ in T.SUMMARIES.items()}
        self.prefixes = {c: T.parsed_all(p) for c, p in T.SUMMARY_PREFIXES.items()}
        self.suffixes = T.parsed_all(T.SUMMARY_SUFFIXES)
        self.records = T.parsed_all(T.SESSION_RECORDS)
        self.agreements = T.parsed_all(T.AGREEMENTS)
        self.oral = T.parsed_all(T.ORAL_AGREEMENTS)
        # Deadlines: the app's pure rules; the working-day walk is remembered (same answers, faster).
        calendar = ctx.calendar
        calendar.add_working_days = lru_cache(maxsize=None)(calendar.add_working_days)
        self.tz = ctx.tz
        self.policy = ctx.policy
        self.calendar = calendar
        self.birth_days = [d for d in range(date(1952, 1, 1).toordinal(), date(2006, 1, 1).toordinal())]
        self.minor_days = [d for d in range(date(2009, 1, 1).toordinal(), date(2013, 1, 1).toordinal())]
        self.json_cache: dict = {}
        self.rule_names = {r.id: jstr(r.name) for r in ctx.rules}


_TOWN: _Town | None = None


def town_of(ctx: Context) -> _Town:
    global _TOWN
    if _TOWN is None or _TOWN.ctx is not ctx:
        _TOWN = _Town(ctx)
    return _TOWN


# ---- people ----------------------------------------------------------------------------------------
_ID_PART_CACHE: dict[str, int] = {}


def _weighted(digits: str, offset: int) -> int:
    key = f"{offset}:{digits}"
    v = _ID_PART_CACHE.get(key)
    if v is None:
        v = _ID_PART_CACHE[key] = sum(int(c) * _ID_WEIGHTS[offset + k] for k, c in enumerate(digits))
    return v


def fake_id_number(rng, town: _Town) -> str:
    """A valid 18-character resident ID (GB 11643 check digit), like core.demo_people's, over many areas."""
    area = ID_AREAS[int(rng.random() * len(ID_AREAS))]
    days = town.minor_days if rng.random() < 0.01 else town.birth_days
    born = date.fromordinal(days[int(rng.random() * len(days))]).strftime("%Y%m%d")
    seq = f"{int(rng.random() * 1000):03d}"
    check = _ID_CHECK[(_weighted(area, 0) + _weighted(born, 6) + _weighted(seq, 14)) % 11]
    return f"{area}{born}{seq}{check}"


def _mobile(rng) -> str:
    return f"1{'3456789'[int(rng.random() * 7)]}{int(rng.random() * 1e9):09d}"


def typed_phone(rng) -> str:
    """A phone number as people give it (stored normalized, as the app does)."""
    r = rng.random()
    if r < 0.88:
        m = _mobile(rng)
        if r < 0.55:
            return m
        if r < 0.70:
            return f"{m[:3]} {m[3:7]} {m[7:]}"
        if r < 0.80:
            return f"{m[:3]}-{m[3:7]}-{m[7:]}"
        if r < 0.85:
            return f"+86 {m}"
        return f"0086-{m}"
    line = f"{int(rng.random() * 4000 + 5900)}{int(rng.random() * 10000):04d}"
    if r < 0.93:
        return f"021-{line}"
    if r < 0.96:
        return f"021-{line[:4]} {line[4:]}"
    if r < 0.98:
        return f"{line[:4]}-{line[4:]}"
    return f"(021){line}"


def _amount(rng, category) -> float | None:
    share, median = AMOUNTS[category]
    if rng.random() >= share:
        return None
    value = median * math.exp(rng.gauss(0, 1.0))
    step = 100 if value < 100000 else 1000
    return float(min(max(round(value / step) * step, 200), 5_000_000))


def _end_of_local_day(t: int, tz) -> int:
    local = dt_of(t).astimezone(tz)
    return us_of(datetime.combine(local.date(), time(23, 59, 59), tzinfo=tz))


def _next_local(t: int, tz, hour: int) -> int:
    """The first local `hour`:00 at or after t."""
    local = dt_of(t).astimezone(tz)
    at = datetime.combine(local.date(), time(hour), tzinfo=tz)
    if at < local:
        at += timedelta(days=1)
    return us_of(at)


# ---- JSON as SQLAlchemy writes it (json.dumps defaults: ", " and ": ", ASCII escapes) ----------------
def _j(town: _Town, key, make) -> str:
    v = town.json_cache.get(key)
    if v is None:
        v = town.json_cache[key] = make()
    return v


def _jnum(v) -> str:
    return "null" if v is None else str(v)


def _jlist(values) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _jbool(v: bool) -> str:
    return "true" if v else "false"


# ---- one chunk -------------------------------------------------------------------------------------
class Chunk:
    """Rows made for one range of cases, per table, plus what the run needs to know of them."""

    def __init__(self):
        self.rows = {t: [] for t in MAIN_TABLES}
        self.texts = []  # (case_id, reference, external_ref, names, phones, summary): the search terms
        self.max_reference: dict[int, int] = {}  # year -> highest number used
        self.statuses: dict[str, int] = {}


def make_chunk(ctx: Context, chunk_no: int, first: int, count: int) -> Chunk:
    town = town_of(ctx)
    rng = random.Random(ctx.seed * 1_000_003 + chunk_no)
    out = Chunk()
    recent: list = []  # earlier cases of this chunk: merge targets, repeat applicants
    for i in range(first, first + count):
        _one_case(ctx, town, rng, i, out, recent)
    return out


class _Recent:
    __slots__ = ("id", "reference", "category", "reg", "parties", "village_id", "vname", "channel", "received",
                 "mergeable", "timeline", "row")


def _one_case(ctx: Context, town: _Town, rng: random.Random, i: int, out: Chunk, recent: list) -> None:
    now, tz = ctx.now_us, town.tz
    R = rng.random
    rows = out.rows
    case_id = ctx.base_id + i
    reg = ctx.registered_at(i)
    reg_local = dt_of(reg).astimezone(tz)
    year = reg_local.year
    number = ctx.reference_number(i, year)
    reference = format_reference(ctx.prefix, year, number)
    if number > out.max_reference.get(year, 0):
        out.max_reference[year] = number

    channel = town.channel_pick(rng)
    category = town.category_pick(rng)
    village = town.village_pick(rng) if R() < 0.98 else None
    village_id = village[0] if village else None
    vname = village[2] if village else "徐行镇"
    day = f"{reg_local.year}{reg_local.month:02d}{reg_local.day:02d}"

    # What the channel sent, and when it got it.
    external_ref = None
    channel_due_at = None
    violence = False
    variant = None
    if channel == "hotline_12345":
        received = reg - int(5 * MIN + R() * 235 * MIN)
        external_ref = f"GD{day}{case_id:07d}"
        variant = town.work_order_pick(rng)
        complex_ = R() < 0.08
        details = _j(town, ("12345", variant, complex_),
                     lambda: f'{{"work_order_type": {jstr(variant)}' + (', "complex": true}' if complex_ else "}"))
        if complex_:
            variant = "complex"
        if R() < 0.4:
            channel_due_at = _end_of_local_day(received + (3 + int(R() * 8)) * DAY, tz)
    elif channel == "police_110":
        received = reg - int(10 * MIN + R() * 23 * HOUR)
        external_ref = f"J310114{day}{case_id:07d}"
        violence = R() < 0.2
        injury = violence and R() < 0.5
        details = f'{{"incident_number": "{external_ref}", "violence": {_jbool(violence)}, ' \
                  f'"injury": {_jbool(injury)}}}'
    elif channel == "grid_patrol":
        received = reg - int(MIN + R() * 2 * HOUR)
        external_ref = f"WG{day}{case_id:07d}"
        grid = 1 + int(R() * 40)
        details = _j(town, ("grid", grid), lambda: f'{{"grid_id": "XH-G{grid:02d}"}}')
    elif channel == "dispute_platform":
        received = reg - int(10 * MIN + R() * 23 * HOUR)
        external_ref = f"JF{year}{case_id:08d}"
        details = f'{{"application_number": "{external_ref}"}}'
    elif channel == "referral":
        received = reg - int(HOUR + R() * 4 * DAY)
        if R() < 0.6:
            external_ref = f"({year})沪0114民诉前调{case_id}号"
            by = "嘉定区人民法院"
        else:
            external_ref = f"JDWT{year}{case_id:07d}"
            by = "徐行派出所" if R() < 0.5 else "徐行镇人民政府"
        details = _j(town, ("ref", by), lambda: f'{{"referred_by": {jstr(by)}}}')
    else:  # walk_in: registered while the party waits
        received = reg - int(MIN + R() * 14 * MIN)
        details = "{}"
    api = channel in ("hotline_12345", "police_110", "dispute_platform") or (channel == "grid_patrol" and R() < 0.5)

    amount = _amount(rng, category)
    people = (5, 6, 8, 12, 20, 30)[int(R() * 6)] if R() < (
        0.15 if category in ("征地拆迁", "劳动争议", "环境污染") else 0.025) else None

    # Accepted or rejected within a working day mostly; a duplicate is merged then (or after accepting).
    decide_at = reg + (int(0.2 * HOUR + R() * 19.8 * HOUR) if R() < 0.9 else int(20 * HOUR + R() * 52 * HOUR))
    repeat = recent[int(R() * len(recent))] if recent and R() < 0.03 else None
    merge_target = merge_at = None
    accept_before_merge = False
    if recent and R() < 0.025:
        accept_before_merge = R() < 0.4
        merge_at = decide_at + int(HOUR + R() * 47 * HOUR) if accept_before_merge else decide_at
        for cand in reversed(recent[-40:]):
            if cand.category == category and cand.mergeable and reg - cand.reg < 10 * DAY \
                    and _status_at(cand.timeline, merge_at) not in ("rejected", "merged", "archived"):
                merge_target = cand
                break

    # Parties: [role, name, phone, id_number, address, vulnerable, has_petitioned]
    if merge_target is not None:  # the same dispute reported again: the same people
        parties = merge_target.parties
        village_id, vname = merge_target.village_id, merge_target.vname
    else:
        if repeat is not None:
            applicant = repeat.parties[0]
        else:
            address = None
            if R() < 0.6:
                if village and not village[3]:
                    address = f"嘉定区徐行镇{vname}{1 + int(R() * 400)}号"
                else:
                    address = f"嘉定区徐行镇{T.ROADS[int(R() * len(T.ROADS))]}{1 + int(R() * 900)}弄" \
                              f"{1 + int(R() * 60)}号{101 + int(R() * 1700)}室"
            applicant = ("applicant", fake_name(rng), normalize_phone(typed_phone(rng)) if R() < 0.97 else None,
                         fake_id_number(rng, town) if R() < 0.5 else None, address, R() < 0.05, R() < 0.02)
        if R() < COMPANY_RESPONDENT.get(category, 0.0):
            kinds = COMPANY_KIND[category]
            name = f"上海{COMPANY_PREFIX[int(R() * len(COMPANY_PREFIX))]}{kinds[int(R() * len(kinds))]}有限公司"
            phone = normalize_phone(f"021-{5900 + int(R() * 4000)}{int(R() * 10000):04d}") if R() < 0.6 else None
            respondent = ("respondent", name, phone, None, None, False, False)
        else:
            respondent = ("respondent", fake_name(rng), normalize_phone(typed_phone(rng)) if R() < 0.8 else None,
                          fake_id_number(rng, town) if R() < 0.2 else None, None, R() < 0.03, R() < 0.01)
        parties = (applicant, respondent)

    # Summary: a template of the category, with variations.
    amt_text = str(int(amount)) if amount else ("2000", "5000", "8000", "10000", "30000")[int(R() * 5)]
    slots = {"amt": amt_text, "n": str(2 + int(R() * 5)),
             "vp": vname + ("居民" if village is None or village[3] else "村民")}
    bodies = town.summaries[category]
    prefixes = town.prefixes[channel]
    pieces = (T.render(prefixes[int(R() * len(prefixes))], rng, slots),
              T.render(bodies[int(R() * len(bodies))], rng, slots),
              T.render(town.suffixes[int(R() * len(town.suffixes))], rng, slots))
    summary = "".join(pieces)
    case_address = f"嘉定区徐行镇{vname}{1 + int(R() * 400)}号"

    # Who registered it: a channel's API client (nobody), or a person at the desk.
    registrar = None
    if not api or R() < 0.2:
        vc = town.vc_by_village.get(village_id)
        if channel == "walk_in" and vc and R() < 0.5 and town.mediators_by_office.get(vc):
            registrar = town.mediators_by_office[vc][0]
        else:
            registrar = town.supervisors[int(R() * len(town.supervisors))]

    # ---- the life of the case, cut at now --------------------------------------------------------
    sup = town.supervisors[int(R() * len(town.supervisors))]
    life = _Life(reg, registrar.id if registrar else None,
                 f'{{"channel": "{channel}", "external_ref": {jstr(external_ref or "")}}}')
    if merge_target is not None:
        if accept_before_merge and decide_at <= now:
            life.accepted_at = life.mediation_started_at = decide_at
            life.ev(decide_at, sup.id, "accept", "accepted", "{}")
        if merge_at <= now:
            life.merged_into_id = merge_target.id
            life.ev(merge_at, sup.id, "merge", "merged", f'{{"merged_into": "{merge_target.reference}"}}')
            target_status = _status_at(merge_target.timeline, merge_at)
            rows["timeline_events"].append((merge_target.id, ts(merge_at), sup.id, "absorbed", target_status,
                                            target_status, f'{{"merged_case": "{reference}"}}'))
            if ts(merge_at) > merge_target.row[_UPDATED_AT]:
                merge_target.row[_UPDATED_AT] = ts(merge_at)
    elif R() < 0.04:
        if decide_at <= now:
            life.reject_reason = T.REJECT_REASONS[int(R() * len(T.REJECT_REASONS))]
            life.ev(decide_at, sup.id, "reject", "rejected",
                    _j(town, ("reason", life.reject_reason), lambda: f'{{"reason": {jstr(life.reject_reason)}}}'))
    elif decide_at <= now:
        life.accepted_at = life.mediation_started_at = decide_at
        life.ev(decide_at, sup.id, "accept", "accepted", "{}")
        route_at = decide_at + (int(0.1 * HOUR + R() * 29.9 * HOUR) if R() < 0.9 else int(30 * HOUR + R() * 66 * HOUR))
        if route_at <= now:
            # The router sees the risk as registered.
            early = _risk(parties, people, violence, repeat, received, reg, False, amount, None)
            facts = core_routing.RoutingFacts(channel=channel, category=category, amount=amount,
                                              parties=max(len(parties), people or 0), violence=violence,
                                              risk_level=early.level.value,
                                              village_committee_id=town.vc_by_village.get(village_id))
            proposal = core_routing.propose(ctx.rules, facts)
            follow = proposal is not None and R() < 0.92
            if follow:
                lead, co = proposal.lead_office_id, list(proposal.co_office_ids)
                life.rule_id = proposal.rule_id
                life.escalated = proposal.flag_for_meeting
            else:
                lead = town.override_leads[int(R() * len(town.override_leads))]
                co = [town.judicial] if lead != town.judicial else []
            mediator = _choose_mediator(town, rng, lead, co)
            if mediator.office_id != lead and mediator.office_id not in co:
                co.append(mediator.office_id)
            det = f'{{"lead_office_id": {lead}, "co_office_ids": {_jlist(co)}, "mediator_id": {mediator.id}'
            if proposal is not None:
                det += f', "rule": {town.rule_names[proposal.rule_id]}, "rule_id": {proposal.rule_id}, ' \
                       f'"overridden": {_jbool(not follow)}}}'
            else:
                det += "}"
            life.lead, life.co, life.mediator = lead, co, mediator
            life.ev(route_at, sup.id, "route", "in_mediation", det)
            _mediate(ctx, town, rng, life, route_at, sup, case_id, amount, slots, vname)
    status = life.status

    # ---- what the app stores: deadlines, risk ------------------------------------------------------
    received_dt = dt_of(received)
    clock = core_deadlines.Clock(
        status=Status(status), channel=channel, received_at=received_dt,
        mediation_started_at=dt_of(life.mediation_started_at) if life.mediation_started_at else None,
        closed_at=dt_of(life.closed_at) if life.closed_at else None,
        written_agreement=life.outcome is not None and life.outcome[0] == "agreement_written",
        extension_days=life.extension_days,
        suspended_at=dt_of(life.suspended_at) if life.suspended_at else None,
        suspended_seconds=life.suspended_us / SEC, channel_due_at=dt_of(channel_due_at) if channel_due_at else None,
        channel_variant=variant,
        supervision_due_at=dt_of(life.supervision_due_at) if life.supervision_due_at else None)
    due = core_deadlines.compute(clock, town.policy, town.calendar, tz)
    last_at = life.last_at
    next_deadline = us_of(due.next_deadline) if due.next_deadline else None
    risk = _risk(parties, people, violence, repeat, received, last_at, status in OPEN, amount, next_deadline)
    mediator = life.mediator
    notices = life.notices

    # The conclude deadline passed before closing: the sweep flagged it and told people, once.
    conclude_by = us_of(due.conclude_by) if due.conclude_by else None
    if life.closed_at is not None and conclude_by is not None and conclude_by < life.closed_at and R() < 0.9:
        sweep = conclude_by + int(SEC + R() * 599 * SEC)
        for uid in sorted({mediator.id if mediator else None, *town.supervisor_ids} - {None}):
            read = sweep + int(10 * MIN + R() * 3 * DAY) if R() < 0.8 else None
            notices.append((uid, "overdue", "{}", sweep, read if read and read <= now else None,
                            f"overdue:{case_id}:{uid}:{iso(sweep)}"))
    # The daily job reminded of the return visit, three days before it was due.
    if life.visits and due.follow_up_by is not None and life.closed_at is not None:
        follow_up_by = us_of(due.follow_up_by)
        run = _next_local(follow_up_by - 3 * DAY, tz, 8)
        if life.closed_at < run < life.visits[-1][0] and run <= now:
            due_iso = iso(follow_up_by)
            for uid in ([mediator.id] if mediator else town.supervisor_ids):
                read = run + int(10 * MIN + R() * DAY)
                notices.append((uid, "return_visit_due", f'{{"due": "{due_iso}"}}', run,
                                read if read <= now else None,
                                f"return_visit_due:{case_id}:{uid}:{due_iso[:10]}"))

    content_hash = hashlib.sha256(f"{channel}|{external_ref}|{received}".encode()).hexdigest() if api else None
    reasons = risk.reasons
    case_row = [
        case_id, reference, channel, external_ref, ts(received), ts(reg), registrar.id if registrar else None,
        registrar.office_id if registrar else None, category, summary, village_id, case_address, status,
        life.lead, mediator.id if mediator else None, ts(life.accepted_at), ts(life.closed_at),
        ts_dt(due.accept_by), ts(conclude_by), ts_dt(due.follow_up_by), ts_dt(due.confirmation_by),
        ts_dt(due.reply_by), ts(life.supervision_due_at), ts(next_deadline), due.next_stage, due.provisional,
        life.extension_days, ts(life.mediation_started_at), ts(life.suspended_at), life.suspended_us / SEC,
        None, None, details, ts(channel_due_at), amount, people, violence, content_hash, life.escalated,
        risk.level.value, _j(town, reasons, lambda: "[" + ", ".join(f'"{r}"' for r in reasons) + "]"),
        life.rule_id, life.reject_reason, life.merged_into_id, ts(reg), ts(last_at), 1]
    rows["cases"].append(case_row)
    out.statuses[status] = out.statuses.get(status, 0) + 1

    parties_rows = rows["parties"]
    for p in parties:
        parties_rows.append((case_id, p[1], p[0], p[2], p[3], p[4], p[5], p[6]))
    if life.co:
        co_rows = rows["case_co_offices"]
        for office_id in dict.fromkeys(life.co):
            co_rows.append((case_id, office_id))
    timeline_rows = rows["timeline_events"]
    for at, actor, action, frm, to, det in life.events:
        timeline_rows.append((case_id, ts(at), actor, action, frm, to, det))
    if life.sessions:
        session_rows = rows["mediation_sessions"]
        for s in life.sessions:
            session_rows.append((case_id, ts(s[0]), s[1], s[2], s[3], s[4], s[5], s[6], s[7], ts(s[0] + s[8])))
    if life.outcome is not None:
        o = life.outcome
        rows["case_outcomes"].append((case_id, o[0], o[1], o[2], o[3], o[4], ts(o[5]), o[6]))
    for v in life.visits:
        rows["return_visits"].append((case_id, ts(v[0]), v[1], v[2], v[3]))
    for s in life.supervisions:
        rows["supervisions"].append((case_id, s[0], ts(s[1]), ts(s[2]), s[3], None, ts(s[4])))
    for uid, kind, det, at, read, key in notices:
        rows["notifications"].append((uid, case_id, kind, det, ts(at), ts(read), key))
    out.texts.append((case_id, reference, external_ref, tuple(p[1] for p in parties), tuple(p[2] for p in parties),
                      pieces))

    # Remember it for later cases of this chunk.
    r = _Recent()
    r.id, r.reference, r.category, r.reg, r.parties = case_id, reference, category, reg, parties
    r.village_id, r.vname, r.channel, r.received = village_id, vname, channel, received
    r.mergeable = status not in ("rejected", "merged")
    r.timeline = [(e[0], e[4]) for e in life.events]
    r.row = case_row
    recent.append(r)
    if len(recent) > 400:
        del recent[:200]


def _status_at(timeline, when):
    current = "registered"
    for at, to in timeline:
        if at <= when:
            current = to
    return current


class _Life:
    """A case's state while its history is simulated; each step writes a timeline event."""

    def __init__(self, reg, registrar_id, register_details):
        self.status = "registered"
        self.events = [(reg, registrar_id, "register", None, "registered", register_details)]
        self.last_at = reg
        self.accepted_at = self.mediation_started_at = self.closed_at = None
        self.lead = self.mediator = self.rule_id = None
        self.co: list[int] = []
        self.escalated = False
        self.extension_days = 0
        self.suspended_at = None
        self.suspended_us = 0
        self.supervision_due_at = None
        self.reject_reason = None
        self.merged_into_id = None
        self.outcome = None
        self.sessions, self.visits, self.supervisions, self.notices = [], [], [], []

    def ev(self, at, actor, action, to, details):
        self.events.append((at, actor, action, self.status, to, details))
        self.status = to
        if at > self.last_at:
            self.last_at = at


def _choose_mediator(town: _Town, rng, lead: int, co: list[int]) -> User:
    for office in (lead, *co):
        people = town.mediators_by_office.get(office)
        if people:
            return people[int(rng.random() * len(people))]
    return town.fallback_mediators[int(rng.random() * len(town.fallback_mediators))]


def _risk(parties, people, violence, repeat, received, at, open_now, amount, next_deadline):
    """The app's risk rules (core.risk.assess) on the facts the app would gather at `at`."""
    prior_police = repeat_dispute = False
    if repeat is not None:
        prior_police = repeat.channel == "police_110"
        repeat_dispute = received - repeat.received <= 180 * DAY
    today = date(1970, 1, 1) + timedelta(days=at // DAY)
    facts = RiskFacts(
        violence=violence, prior_police_call=prior_police, repeat_dispute=repeat_dispute,
        people_involved=max(people or 0, len(parties)),
        vulnerable_party=any(p[5] or (p[3] is not None and is_vulnerable_by_age(p[3], today)) for p in parties),
        petitioned_before=any(p[6] for p in parties),
        overdue_high_amount=bool(open_now and amount is not None and amount >= 50000
                                 and next_deadline is not None and next_deadline < at))
    return assess(facts)


def _duration(R) -> int:
    r, acc = R(), 0.0
    for share, lo, hi in DURATIONS:
        acc += share
        if r < acc:
            return int((lo + (hi - lo) * R()) * DAY)
    return int((10 + 20 * R()) * DAY)


def _mediate(ctx, town, rng, life: _Life, route_at, sup, case_id, amount, slots, vname):
    """From routing on: sessions, the occasional step (supervise, escalate, extend, suspend, transfer,
    propose closing), closing, return visit, reopening, archiving; every step up to now only."""
    now, tz = ctx.now_us, town.tz
    R = rng.random
    ev = life.ev
    start = route_at
    for round_no in (1, 2):
        duration = _duration(R) if round_no == 1 else int((3 + 27 * R()) * DAY)
        close_at = start + duration
        outcome = town.outcome_pick(rng)
        n_sessions = (1 if R() < 0.4 else 0) if outcome == "withdrawn" else min(1 + int(-math.log(1 - R()) / 0.7), 6)
        steps = [(start + int(duration * (0.05 + 0.92 * R())), "session", None) for _ in range(n_sessions)]
        if round_no == 1:
            if R() < 0.03:
                steps.append((start + int(duration * (0.1 + 0.5 * R())), "supervise", None))
            if R() < 0.03:
                steps.append((start + int(duration * (0.1 + 0.7 * R())), "escalate", None))
            if duration > 30 * DAY and R() < 0.7:
                days = max(1, min(30, math.ceil(duration / DAY - 30 + 5 * R())))
                steps.append((start + int((22 + 7 * R()) * DAY), "extend", days))
            if duration > 20 * DAY and R() < 0.05:
                steps.append((start + int(duration * (0.2 + 0.2 * R())), "suspend",
                              int((3 + R() * (min(15, duration / DAY * 0.4) - 3)) * DAY)))
            if R() < 0.02:
                steps.append((start + int(duration * (0.1 + 0.2 * R())), "transfer", None))
            if town.police_liaisons and town.police in (life.lead, *life.co) and R() < 0.3:
                steps.append((close_at - int(HOUR + R() * 47 * HOUR), "propose", town.police_liaisons[0]))
            steps.sort(key=lambda s: s[0])
        elif len(steps) > 1:
            steps.sort(key=lambda s: s[0])
        for at, kind, data in steps:
            if at > now or at >= close_at or at <= start:
                continue
            med = life.mediator
            if kind == "session":
                logger = med
                if R() < 0.15:
                    others = [u for o in life.co for u in town.workers_by_office.get(o, ())]
                    if others:
                        logger = others[int(R() * len(others))]
                r = R()
                method = "in_person" if r < 0.7 else ("phone" if r < 0.95 else "video")
                place = "电话" if method == "phone" else (
                    "视频" if method == "video" else (f"{vname}调解室" if R() < 0.6 else "徐行镇司法所调解室"))
                record = T.render(town.records[int(R() * len(town.records))], rng, slots)
                life.sessions.append((at, logger.id, logger.office_id, method, place,
                                      T.SESSION_PARTICIPANTS[int(R() * len(T.SESSION_PARTICIPANTS))], record,
                                      T.SESSION_NEXT_STEPS[int(R() * len(T.SESSION_NEXT_STEPS))],
                                      int(MIN + R() * 119 * MIN)))
                ev(at, logger.id, "log_session", "in_mediation", f'{{"method": "{method}", "held_at": "{iso(at)}"}}')
            elif kind == "supervise":
                due_at = _end_of_local_day(at + (5 + int(R() * 11)) * DAY, tz)
                reason = T.SUPERVISE_INSTRUCTIONS[int(R() * len(T.SUPERVISE_INSTRUCTIONS))]
                life.supervisions.append([reason, due_at, at, sup.id, None])
                life.supervision_due_at = due_at
                ev(at, sup.id, "supervise", "in_mediation",
                   f'{{"reason": {jstr(reason)}, "due_at": "{iso(due_at)}", "meeting_id": null}}')
            elif kind == "escalate":
                life.escalated = True
                reason = T.ESCALATE_REASONS[int(R() * len(T.ESCALATE_REASONS))]
                ev(at, sup.id, "escalate", "in_mediation",
                   _j(town, ("reason", reason), lambda: f'{{"reason": {jstr(reason)}}}'))
            elif kind == "extend":
                life.extension_days = data
                reason = T.EXTEND_REASONS[int(R() * len(T.EXTEND_REASONS))]
                ev(at, sup.id, "extend", "in_mediation",
                   f'{{"days": {data}, "reason": {jstr(reason)}, "parties_consent": true}}')
            elif kind == "suspend":
                if life.suspended_at is not None or med is None:
                    continue
                reason = T.SUSPEND_REASONS[int(R() * len(T.SUSPEND_REASONS))]
                ev(at, med.id, "suspend", "in_mediation",
                   _j(town, ("reason", reason), lambda: f'{{"reason": {jstr(reason)}}}'))
                resume = at + data
                if resume <= now and resume < close_at:
                    life.suspended_us += data
                    ev(resume, med.id, "resume", "in_mediation", f'{{"suspended_days": {round(data / DAY, 1)}}}')
                else:
                    life.suspended_at = at
            elif kind == "transfer":
                old = life.lead
                new = town.judicial if old != town.judicial else town.police
                if new == old:
                    continue
                life.lead = new
                life.co = [o for o in life.co if o != new]
                reason = T.TRANSFER_REASONS[0 if new == town.judicial else 1]
                ev(at, sup.id, "transfer", "in_mediation",
                   f'{{"from_office_id": {old}, "to_office_id": {new}, "reason": {jstr(reason)}}}')
                if med is not None and med.office_id not in (new, *life.co):
                    people = town.mediators_by_office.get(new) or town.fallback_mediators
                    chosen = people[int(R() * len(people))]
                    if chosen.office_id not in (new, *life.co):
                        life.co.append(chosen.office_id)
                    assign_at = at + int(10 * MIN + R() * 6 * HOUR)
                    if assign_at <= now:
                        ev(assign_at, sup.id, "assign", "in_mediation",
                           f'{{"from_mediator_id": null, "mediator_id": {chosen.id}}}')
                        life.mediator = chosen
                    else:
                        life.mediator = None
            elif kind == "propose":
                liaison = data
                ev(at, liaison.id, "propose_close", "in_mediation",
                   f'{{"outcome": "{outcome}", "reason": {jstr("双方已达成一致，建议结案")}}}')
                by = jstr(liaison.display_name)
                for uid in sorted({med.id if med else None, *town.supervisor_ids} - {None}):
                    read = at + int(5 * MIN + R() * DAY)
                    life.notices.append((uid, "close_proposed", f'{{"outcome": "{outcome}", "by": {by}}}', at,
                                         read if read <= now else None, f"close_proposed:{case_id}:{uid}:{iso(at)}"))
        if close_at > now:
            return
        if life.suspended_at is not None:  # closing resumes the clock (the app's _close)
            life.suspended_us += close_at - life.suspended_at
            life.suspended_at = None
        if life.mediator is None:
            life.mediator = _choose_mediator(town, rng, life.lead, life.co)
        med = life.mediator
        closer = med if R() < 0.9 else sup
        agreement = terms = referred = amount_out = None
        if outcome == "agreement_written":
            agreement = T.render(town.agreements[int(R() * len(town.agreements))], rng, slots)
            terms = T.PERFORMANCE_TERMS[int(R() * len(T.PERFORMANCE_TERMS))]
            amount_out = float(round((amount or 0) * (0.3 + 0.7 * R()) / 100) * 100)
        elif outcome == "agreement_oral":
            agreement = T.render(town.oral[int(R() * len(town.oral))], rng, slots)
            if amount and R() < 0.5:
                amount_out = float(round(amount * (0.3 + 0.7 * R()) / 100) * 100)
        elif outcome == "failed_referred":
            referred = T.REFERRED_TO[int(R() * len(T.REFERRED_TO))]
        elif outcome == "transferred_out":
            referred = T.TRANSFERRED_TO[int(R() * len(T.TRANSFERRED_TO))]
        life.outcome = (outcome, agreement, amount_out, terms, referred, close_at, closer.id)
        life.closed_at = close_at
        for s in life.supervisions:
            if s[4] is None:
                s[4] = close_at
        life.supervision_due_at = None
        ev(close_at, closer.id, "close", "closed",
           f'{{"outcome": "{outcome}", "amount": ' + (f'"{amount_out:.2f}"}}' if amount_out is not None else "null}"))

        r = R()
        if r < 0.03:
            return  # never visited
        visit_at = close_at + (int((2 + 13 * R()) * DAY) if r < 0.85 else int((15 + 25 * R()) * DAY))
        if visit_at > now:
            return
        if outcome in ("agreement_written", "agreement_oral"):
            p = R()
            performance = "performed" if p < 0.85 else ("partly" if p < 0.94 else "not_performed")
        else:
            performance = "not_applicable"
        notes = T.VISIT_NOTES[performance]
        life.visits.append((visit_at, med.id, performance, notes[int(R() * len(notes))]))
        ev(visit_at, med.id, "follow_up", "followed_up", f'{{"performance": "{performance}"}}')
        if round_no == 1 and performance == "not_performed" and R() < 0.4:
            reopen_at = visit_at + int((1 + 4 * R()) * DAY)
            if reopen_at > now:
                return
            reason = T.REOPEN_REASONS[int(R() * len(T.REOPEN_REASONS))]
            ev(reopen_at, med.id, "reopen", "in_mediation",
               f'{{"reason": {jstr(reason)}, "previous_outcome": "{outcome}"}}')
            life.outcome = None
            life.closed_at = None
            life.mediation_started_at = reopen_at
            life.extension_days = 0
            life.suspended_us = 0
            start = reopen_at
            continue
        if R() < 0.08:
            return  # never archived
        archive_at = visit_at + int((3 + 57 * R()) * DAY)
        if archive_at <= now:
            ev(archive_at, sup.id, "archive", "archived", "{}")
        return


# ---- search terms ----------------------------------------------------------------------------------
class TermMaker:
    """`core.search.case_terms` for many cases, faster. The function is a union of independent parts:
    reference and external-reference fragments, each name, each phone, and the summary's words, whose
    runs break at punctuation, so a summary made of pieces joined at punctuation (prefix, body, suffix)
    has the union of the pieces' terms. Names and pieces repeat and are looked up once. The first
    cases are checked against one whole call; if the function ever stops being such a union, every
    case gets the whole call from then on."""

    CHECK = 500

    def __init__(self):
        self.names: dict[str, frozenset] = {}
        self.pieces: dict[str, frozenset] = {}
        self.checked = 0
        self.fast = True

    def terms(self, reference, external_ref, names, phones, pieces) -> set[str]:
        if not self.fast:
            return case_terms(reference, external_ref, list(names), list(phones), "".join(pieces))
        out = case_terms(reference, external_ref, [], [], "")
        cache = self.names
        for name in names:
            t = cache.get(name)
            if t is None:
                if len(cache) > 200_000:
                    cache.clear()
                t = cache[name] = frozenset(case_terms("", None, [name], [], ""))
            out |= t
        for phone in phones:
            if phone:
                out.update([PHONE + key for key in phone_keys(phone)])
        cache = self.pieces
        for piece in pieces:
            if piece:
                t = cache.get(piece)
                if t is None:
                    if len(cache) > 50_000:
                        cache.clear()
                    t = cache[piece] = frozenset(case_terms("", None, [], [], piece))
                out |= t
        if self.checked < self.CHECK:
            self.checked += 1
            whole = case_terms(reference, external_ref, list(names), list(phones), "".join(pieces))
            if whole != out:
                self.fast = False
                print("note: core.search.case_terms is no longer a union of its parts; "
                      "calling it whole for every case (slower)", flush=True)
                return whole
        return out

    def rows(self, texts) -> list[tuple[str, int]]:
        out = []
        for case_id, reference, external_ref, names, phones, pieces in texts:
            out += [(term, case_id) for term in self.terms(reference, external_ref, names, phones, pieces)]
        return out

    def columns(self, texts) -> tuple[list[str], list[int]]:
        """The rows as two columns (cheaper to send to another process than tuples)."""
        terms, ids = [], []
        for case_id, reference, external_ref, names, phones, pieces in texts:
            these = self.terms(reference, external_ref, names, phones, pieces)
            terms += these
            ids += [case_id] * len(these)
        return terms, ids

    def copy_text(self, texts) -> bytes:
        """The rows as COPY text (terms are letters, digits and CJK: nothing to escape)."""
        out = []
        for case_id, reference, external_ref, names, phones, pieces in texts:
            tail = f"\t{case_id}\n"
            out += [term + tail for term in self.terms(reference, external_ref, names, phones, pieces)]
        return "".join(out).encode()
