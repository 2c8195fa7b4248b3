"""Hotspot warnings (热点预警) found in set-based SQL: one statement per rule over its window (a range
of the received_at index) that counts each group (village and category, compound and category,
category, respondent) and keeps the groups at the threshold, with the cases behind each (the newest
core.hotspots.CASES_KEPT of them). The count is a window count, `count(*) OVER (PARTITION BY …)`,
which is GROUP BY … HAVING count(*) >= N without a second read of the window's rows for the cases.
Stored per week, so that the dashboard and the weekly handout read a handful of rows; each scan
also records itself (`hotspot_scans`: the week, when, how many), so that a week whose scan found
nothing reads "scanned, no warnings" and is never shown another week's warnings.

The rules themselves (what is counted, the defaults, the sentences) are core/hotspots.py.
"""
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, func, insert, literal, select, text
from sqlalchemy.orm import joinedload, selectinload

from ..cases.models import Case, Party
from ..core.addresses import mask_address_key
from ..core.hotspots import (CASES_KEPT, EXPLANATIONS, NOT_COUNTED_STATUSES, RULE_CODES, WHY, Rule, RuleSettings,
                             Warning, address_category_key, effective_rules, is_organisation, village_category_key,
                             window_of)
from ..core.identity import mask_name
from ..core.statistics import week_of
from ..core.town import Town
from ..core.vocab import CATEGORIES
from ..db import DATABASE_ADVISORY_LOCK, advisory_key
from ..extensions import db
from ..organisation.models import Village
from .heat import HeatTable, heat_table
from .models import HotspotRule, HotspotScan, HotspotWarning

log = logging.getLogger(__name__)

SCAN_LOCK_KEY = 0x686F7473  # pg_advisory_xact_lock key of the weekly scan ("hots")


def stored_rules() -> dict[str, HotspotRule]:
    return {r.code: r for r in db.session.scalars(select(HotspotRule))}


def load_rules() -> list[RuleSettings]:
    """Every rule as it runs now: its row's settings, or the default when it has none."""
    return effective_rules({code: row.settings() for code, row in stored_rules().items()})


def _counted(since: datetime, until: datetime):
    return and_(Case.received_at >= since, Case.received_at < until, Case.status.not_in(NOT_COUNTED_STATUSES))


def _newest_first(*partition):
    """Each case's place in its group, newest first: the first CASES_KEPT are the warning's list."""
    return func.row_number().over(partition_by=partition, order_by=(Case.received_at.desc(), Case.id.desc()))


def _collect(rows, key_of) -> dict:
    """{group key: (row of the group's figures, [case ids], [references])}, groups in first-seen order."""
    groups: dict = {}
    for row in rows:
        entry = groups.setdefault(key_of(row), (row, [], []))
        entry[1].append(row.id)
        entry[2].append(row.reference)
    return groups


def _figures(rule: RuleSettings, since: datetime, until: datetime) -> dict:
    return {"threshold": rule.min_count, "weeks": rule.window_weeks, "since": since.isoformat(),
            "until": until.isoformat()}


def _same_place(rule: RuleSettings, now: datetime, column) -> list[Warning]:
    """village_category and address_category: one place (`column`) and one category, N or more cases.

    The group's count is a window count over the window's cases (`count(*) OVER (PARTITION BY place,
    category)`), the same figure as GROUP BY place, category HAVING count(*) >= N, but the window's
    rows are read once, through the received_at index, instead of once to group and again for the
    groups' cases: a third of the time on a million cases (bench/hotspots.py)."""
    w = window_of(rule, now)
    keys = (column, Case.category)
    counted = (select(Case.id, Case.reference, column, Case.category, func.count().over(partition_by=keys).label("n"),
                      _newest_first(*keys).label("rn"))
               .where(_counted(w.since, w.until), column.is_not(None)).subquery())
    place = counted.c[column.key]
    rows = db.session.execute(select(counted).where(counted.c.n >= rule.min_count, counted.c.rn <= CASES_KEPT)
                              .order_by(counted.c.n.desc(), place, counted.c.category, counted.c.rn))
    warnings = []
    for (where, category), (row, ids, refs) in _collect(rows, lambda r: (r._mapping[column.key], r.category)).items():
        details = _figures(rule, w.since, w.until) | {"category": category, "references": refs}
        if rule.code == Rule.VILLAGE_CATEGORY:
            key, details["village_id"] = village_category_key(where, category), where
        else:
            key, details["place"] = address_category_key(where, category), where
        warnings.append(Warning(rule.code, key, row.n, ids, details))
    return warnings


def _rising(rule: RuleSettings, now: datetime) -> list[Warning]:
    """category_rising: the last W weeks against the W weeks before, both counted in one pass over
    the two periods (a filtered window count each); the cases listed are the last W weeks'."""
    w = window_of(rule, now)
    current = Case.received_at >= w.since
    counted = (select(Case.id, Case.reference, Case.category, Case.received_at,
                      func.count().filter(current).over(partition_by=Case.category).label("n"),
                      func.count().filter(~current).over(partition_by=Case.category).label("previous"),
                      _newest_first(Case.category).label("rn"))  # the current period's cases are the newest
               .where(_counted(w.previous_since, w.until)).subquery())
    rows = db.session.execute(
        select(counted).where(counted.c.received_at >= w.since, counted.c.n >= rule.min_count,
                              counted.c.n >= literal(float(rule.factor or 1)) * counted.c.previous,
                              counted.c.rn <= CASES_KEPT)
        .order_by(counted.c.n.desc(), counted.c.category, counted.c.rn))
    return [Warning(rule.code, category, row.n, ids,
                    _figures(rule, w.since, w.until) | {"category": category, "previous": row.previous,
                                                        "factor": str(rule.factor), "references": refs})
            for category, (row, ids, refs) in _collect(rows, lambda r: r.category).items()]


def _same_respondent(rule: RuleSettings, now: datetime) -> list[Warning]:
    """same_respondent: an organisation (parties.name_key) respondent in N or more cases; a case
    naming it twice counts once (the pairs are distinct), its name shown as first written."""
    w = window_of(rule, now)
    pairs = (select(Party.name_key, Case.id, Case.reference, Case.received_at, func.min(Party.name).label("name"))
             .join(Case, Case.id == Party.case_id)
             .where(_counted(w.since, w.until), Party.name_key.is_not(None), Party.role == "respondent")
             .group_by(Party.name_key, Case.id, Case.reference, Case.received_at).subquery("pairs"))
    per_key = {"partition_by": pairs.c.name_key}
    counted = (select(pairs.c.id, pairs.c.reference, pairs.c.name_key, func.count().over(**per_key).label("n"),
                      func.min(pairs.c.name).over(**per_key).label("shown"),
                      func.row_number().over(**per_key, order_by=(pairs.c.received_at.desc(), pairs.c.id.desc()))
                      .label("rn"))
               .subquery())
    rows = db.session.execute(select(counted).where(counted.c.n >= rule.min_count, counted.c.rn <= CASES_KEPT)
                              .order_by(counted.c.n.desc(), counted.c.name_key, counted.c.rn))
    return [Warning(rule.code, name_key, row.n, ids,
                    _figures(rule, w.since, w.until) | {"name": row.shown, "references": refs})
            for name_key, (row, ids, refs) in _collect(rows, lambda r: r.name_key).items()]


def scan(now: datetime, town: Town) -> list[Warning]:
    """Every active rule's warnings at `now`, rule by rule (RULE_CODES order), largest first."""
    found: list[Warning] = []
    for rule in load_rules():
        if not rule.active:
            continue
        if rule.code == Rule.VILLAGE_CATEGORY:
            found += _same_place(rule, now, Case.village_id)
        elif rule.code == Rule.ADDRESS_CATEGORY:
            found += _same_place(rule, now, Case.address_key)
        elif rule.code == Rule.CATEGORY_RISING:
            found += _rising(rule, now)
        elif rule.code == Rule.SAME_RESPONDENT:
            found += _same_respondent(rule, now)
    return found


def hotspot_scan(now: datetime, town: Town) -> int:
    """The job (weekly, before the joint meeting; also the supervisors' "scan now"): this week's
    warnings replaced by a fresh scan, and the week's scan row (when, how many: 0 too) with them,
    in the caller's transaction. Rows = warnings stored. Two scans at once queue: on PostgreSQL an
    advisory lock, on SQLite the write lock the DELETE takes first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(DATABASE_ADVISORY_LOCK), {"key": advisory_key(SCAN_LOCK_KEY)})
    monday = week_of(now, town.tz)
    db.session.execute(delete(HotspotWarning).where(HotspotWarning.week == monday))
    db.session.execute(delete(HotspotScan).where(HotspotScan.week == monday))
    warnings = scan(now, town)
    if warnings:
        db.session.execute(insert(HotspotWarning), [
            {"week": monday, "rule": w.rule, "key": w.key, "count": w.count, "case_ids": w.case_ids,
             "details": w.details, "found_at": now} for w in warnings])
    db.session.execute(insert(HotspotScan).values(week=monday, scanned_at=now, warnings=len(warnings)))
    log.info("hotspot scan %s: %s warnings", monday.isoformat(), len(warnings))
    return len(warnings)


# --------------------------------------------------------------------------------------------
# Reading the stored warnings
# --------------------------------------------------------------------------------------------

@dataclass
class ShownWarning:
    """A stored warning as pages show it: what it is about (`subject`), the sentence's parameters
    (`why`, for core.hotspots.WHY[rule]), the first references."""

    id: int
    rule: str
    count: int
    subject: str
    why: dict
    references: list[str]
    case_ids: list[int]
    found_at: datetime


def latest_scan(up_to: date) -> HotspotScan | None:
    """The last week at or before `up_to` that was scanned, whatever its scan found (0 warnings too)."""
    return db.session.scalar(select(HotspotScan).where(HotspotScan.week <= up_to)
                             .order_by(HotspotScan.week.desc()).limit(1))


def scan_of(week: date) -> HotspotScan | None:
    """Week `week`'s own scan, None when that week was not scanned."""
    return db.session.scalar(select(HotspotScan).where(HotspotScan.week == week))


def village_names() -> dict[int, str]:
    return dict(db.session.execute(select(Village.id, Village.name)).tuples().all())


def _local_day(iso: str, town: Town) -> str:
    return datetime.fromisoformat(iso).astimezone(town.tz).date().isoformat()


def shown(warning: HotspotWarning, villages: dict[int, str], town: Town, *, masked: bool = False) -> ShownWarning:
    """`masked`: for readers outside the judicial office (the handout), a house number is hidden."""
    d = warning.details
    until = datetime.fromisoformat(d["until"])
    why = {"count": warning.count, "threshold": d.get("threshold"), "weeks": d.get("weeks"),
           "since": _local_day(d["since"], town),
           # The window ends at the scan: its last day is the scan's own, which is counted.
           "until": (until - timedelta(microseconds=1)).astimezone(town.tz).date().isoformat(),
           "category": d.get("category", ""), "previous": d.get("previous", 0), "factor": d.get("factor", "")}
    if warning.rule == Rule.VILLAGE_CATEGORY:
        why["village"] = villages.get(d.get("village_id"), "?")
        subject = f"{why['village']} · {why['category']}"
    elif warning.rule == Rule.ADDRESS_CATEGORY:
        why["place"] = mask_address_key(d.get("place")) if masked else d.get("place", "")
        subject = f"{why['place']} · {why['category']}"
    elif warning.rule == Rule.SAME_RESPONDENT:
        name = d.get("name", warning.key)
        # Only an organisation's name is shown whole (a warning stored before the rule was narrowed
        # may name a person: masked).
        why["name"] = name if is_organisation(name) else mask_name(name)
        subject = why["name"]
    else:
        subject = why["category"]
    return ShownWarning(warning.id, warning.rule, warning.count, subject, why, list(d.get("references", [])),
                        list(warning.case_ids or []), warning.found_at)


def week_warnings(week: date) -> list[HotspotWarning]:
    order = {code: n for n, code in enumerate(RULE_CODES)}
    rows = db.session.scalars(select(HotspotWarning).where(HotspotWarning.week == week)
                              .order_by(HotspotWarning.count.desc(), HotspotWarning.id)).all()
    return sorted(rows, key=lambda w: order.get(w.rule, len(order)))


def heat(since: datetime, until: datetime, villages: dict[int, str], total_label: str,
         no_village_label: str) -> HeatTable:
    """Villages × categories, the cases counted as the rules count them, received in [since, until)."""
    counts = {(v, c): n for v, c, n in db.session.execute(
        select(Case.village_id, Case.category, func.count()).where(_counted(since, until))
        .group_by(Case.village_id, Case.category)).tuples()}
    rows: list[tuple[object, str]] = [(vid, name) for vid, name in sorted(villages.items())]
    if any(v is None for v, _ in counts):
        rows.append((None, no_village_label))
    categories = [c for c in CATEGORIES] + sorted({c for _, c in counts if c not in CATEGORIES})
    return heat_table(rows, categories, counts, total_label)


@dataclass
class HotspotWeek:
    """A scanned week's warnings, grouped by rule, and the heat table. `week` and `found_at` are
    the scan's (None: no scan); `asked` the week asked for, which a page says was not scanned when
    it differs from `week`."""

    asked: date
    week: date | None
    warnings: list[ShownWarning]
    by_rule: dict[str, list[ShownWarning]]
    found_at: datetime | None
    heat: HeatTable
    heat_since: datetime
    heat_until: datetime
    rules: list[RuleSettings] = field(default_factory=list)

    codes = RULE_CODES
    why = WHY  # the sentences, rule by rule, translated by the template: _(why[w.rule], **w.why)
    explanations = EXPLANATIONS

    @property
    def counts(self) -> dict[str, int]:
        return {code: len(self.by_rule.get(code, [])) for code in RULE_CODES}


def hotspot_week(up_to: date, now: datetime, town: Town, *, total_label: str, no_village_label: str,
                 masked: bool = False, exact: bool = False) -> HotspotWeek:
    """The warnings of the latest scanned week at or before week `up_to` (`exact`: of week `up_to`
    itself, or none when it was not scanned), however few its scan found; the heat table over the
    village rule's window ending at that scan (or at `now` when there was none). Five queries
    whatever the counts."""
    rules = load_rules()
    found = scan_of(up_to) if exact else latest_scan(up_to)
    rows = week_warnings(found.week) if found is not None else []
    villages = village_names()
    warnings = [shown(w, villages, town, masked=masked) for w in rows]
    by_rule: dict[str, list[ShownWarning]] = {}
    for w in warnings:
        by_rule.setdefault(w.rule, []).append(w)
    found_at = found.scanned_at if found is not None else None
    until = found_at or now
    window = next(r for r in rules if r.code == Rule.VILLAGE_CATEGORY).window
    table = heat(until - window, until, villages, total_label, no_village_label)
    return HotspotWeek(up_to, found.week if found is not None else None, warnings, by_rule, found_at, table,
                       until - window, until, rules)


def weekly_hotspots(monday: date, now: datetime, town: Town, *, total_label: str = "合计",
                    no_village_label: str = "未填村", with_references: bool = True) -> HotspotWeek:
    """For the weekly handout of week `monday`: the warnings of the scan that prepared the meeting
    following that week (the scan runs in the meeting's week, the week after `monday`), and only
    that scan: when that week was not scanned (yet) the section says so, never showing an earlier
    week's warnings as this meeting's. House numbers masked (the handout goes to every office at
    the table). `with_references` False (a reader scoped to some cases) leaves out the case
    references: the warnings and their figures are the town's, the cases behind them may be others'."""
    week = hotspot_week(monday + timedelta(days=7), now, town, total_label=total_label,
                        no_village_label=no_village_label, masked=True, exact=True)
    if not with_references:
        for w in week.warnings:
            w.references = []
    return week


def dashboard_panel(now: datetime, town: Town) -> dict:
    """The supervisors' dashboard: how many warnings of each rule this week's scan found, and the
    largest few; `scanned` False (and nothing counted) while this week has not been scanned, an
    earlier week's warnings are not this week's. At most three queries."""
    week = week_of(now, town.tz)
    found = scan_of(week)
    rows = week_warnings(week) if found is not None else []
    villages = village_names() if rows else {}
    warnings = [shown(w, villages, town) for w in rows]
    counts = {code: sum(1 for w in warnings if w.rule == code) for code in RULE_CODES}
    top = sorted(warnings, key=lambda w: -w.count)[:5]
    return {"week": week, "scanned": found is not None, "counts": counts, "total": len(warnings), "top": top,
            "codes": RULE_CODES, "why": WHY, "found_at": found.scanned_at if found is not None else None}


def warning_cases(warning: HotspotWarning) -> list[Case]:
    """The cases a warning keeps, newest first, with village and parties: two queries."""
    ids = [int(i) for i in (warning.case_ids or [])]
    if not ids:
        return []
    return db.session.scalars(select(Case).where(Case.id.in_(ids))
                              .options(joinedload(Case.village), selectinload(Case.parties))
                              .order_by(Case.received_at.desc(), Case.id.desc())).unique().all()
