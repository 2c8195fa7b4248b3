"""The rules at their thresholds, through the real intake service and the scan's SQL."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from mediation.cases.models import Case, Party
from mediation.core.statistics import week_of
from mediation.hotspots.models import HotspotRule, HotspotWarning
from mediation.hotspots.services import hotspot_scan, scan
from mediation.organisation.town import current_town

GREEN = "嘉定区徐行镇金地格林小区12号楼301室"


def fired(now, rule):
    return {w.key: w for w in scan(now, current_town()) if w.rule == rule}


def set_rule(db, code, **values):
    row = db.session.scalar(select(HotspotRule).where(HotspotRule.code == code))
    if row is None:
        from mediation.core.hotspots import DEFAULTS
        d = DEFAULTS[code]
        row = HotspotRule(code=code, min_count=d.min_count, window_weeks=d.window_weeks, factor=d.factor, active=True)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


def test_registration_stores_the_keys(register, db):
    case = register(address=GREEN, respondent="上海嘉定物流有限责任公司")
    assert case.address_key == "金地格林小区"
    keys = {p.role: p.name_key for p in db.session.scalars(select(Party).where(Party.case_id == case.id))}
    assert keys == {"applicant": None, "respondent": "上海嘉定物流"}


def test_village_category_fires_at_three_in_four_weeks_not_at_two(register, now, town):
    newest = register(days_ago=1)
    oldest = register(days_ago=27)
    register(days_ago=29)  # outside the 4 weeks
    register(days_ago=2, category="物业")  # another category
    register(days_ago=2, village="qianqiao")  # another village
    register(days_ago=3, rejected=True)  # rejected cases are not counted
    assert fired(now, "village_category") == {}
    third = register(days_ago=10)
    warnings = fired(now, "village_category")
    key = f"{town['villages']['xiaomiao'].id}|邻里"
    assert list(warnings) == [key]
    w = warnings[key]
    assert w.count == 3 and w.case_ids == [newest.id, third.id, oldest.id]  # newest first
    assert w.details["threshold"] == 3 and w.details["weeks"] == 4 and w.details["village_id"] == town["villages"]["xiaomiao"].id


def test_address_category_counts_one_compound_however_written(register, now):
    register(address=GREEN)
    register(address="金地格林小区5号楼")
    register(address="徐行镇小庙村88号")
    assert fired(now, "address_category") == {}
    register(address="上海市嘉定区徐行镇金地格林小区")
    warnings = fired(now, "address_category")
    assert list(warnings) == ["金地格林小区|邻里"]
    assert warnings["金地格林小区|邻里"].count == 3 and warnings["金地格林小区|邻里"].details["place"] == "金地格林小区"


def test_category_rising_needs_the_factor_and_the_minimum(register, now):
    for _ in range(2):
        register(days_ago=9, category="劳动争议", village="qianqiao")  # the week before: 2
    for n in range(4):
        register(days_ago=1 + n, category="劳动争议", village="qianqiao")  # this week: 4 (< 5)
    assert "劳动争议" not in fired(now, "category_rising")
    register(days_ago=2, category="劳动争议", village="qianqiao")  # 5 ≥ 5 and ≥ 2.0 × 2
    w = fired(now, "category_rising")["劳动争议"]
    assert (w.count, w.details["previous"], w.details["factor"]) == (5, 2, "2.00")
    register(days_ago=10, category="劳动争议", village="qianqiao")  # the week before: 3; 5 < 6
    assert "劳动争议" not in fired(now, "category_rising")


def test_same_respondent_matches_an_organisation_not_a_person(register, now):
    register(respondent="上海嘉定物流有限公司", category="劳动争议")
    register(respondent="上海嘉定物流有限责任公司", category="劳动争议", village="qianqiao")
    register(respondent="李四")
    register(respondent="李四")
    register(respondent="李四")  # three cases against people named 李四: not matched
    assert fired(now, "same_respondent") == {}
    register(respondent="上海 嘉定物流公司", category="合同", days_ago=50)  # within 8 weeks
    register(respondent="上海嘉定物流公司", days_ago=60)  # outside
    w = fired(now, "same_respondent")["上海嘉定物流"]
    assert w.count == 3 and w.details["name"].startswith("上海")


def test_a_threshold_edited_changes_the_result(register, now, db):
    register()
    register()
    assert fired(now, "village_category") == {}
    set_rule(db, "village_category", min_count=2)
    assert len(fired(now, "village_category")) == 1
    set_rule(db, "village_category", active=False)
    assert fired(now, "village_category") == {}


def test_a_window_edited_changes_the_result(register, now, db):
    for days in (1, 20, 40):
        register(days_ago=days)
    assert fired(now, "village_category") == {}
    set_rule(db, "village_category", window_weeks=6)
    assert list(fired(now, "village_category").values())[0].count == 3


def test_a_warning_keeps_the_newest_cases_and_the_total(register, now, db, monkeypatch):
    monkeypatch.setattr("mediation.hotspots.services.CASES_KEPT", 2)
    cases = [register(days_ago=5 - n) for n in range(4)]
    w = list(fired(now, "village_category").values())[0]
    assert w.count == 4 and w.case_ids == [cases[3].id, cases[2].id]


def test_the_job_stores_and_replaces_this_weeks_warnings(register, now, db):
    town = current_town()
    for _ in range(3):
        register(address=GREEN)
    old_week = week_of(now, town.tz) - timedelta(days=7)
    db.session.add(HotspotWarning(week=old_week, rule="village_category", key="x", count=9, case_ids=[],
                                  details={}, found_at=now - timedelta(days=7)))
    db.session.commit()
    assert hotspot_scan(now, town) == 2  # village and compound
    db.session.commit()
    assert hotspot_scan(now, town) == 2  # again: replaced, not doubled
    db.session.commit()
    this_week = db.session.scalars(select(HotspotWarning).where(HotspotWarning.week == week_of(now, town.tz))).all()
    assert sorted(w.rule for w in this_week) == ["address_category", "village_category"]
    assert db.session.scalar(select(HotspotWarning).where(HotspotWarning.week == old_week)).count == 9  # kept
    case = db.session.scalar(select(Case).where(Case.address_key == "金地格林小区").limit(1))
    make_rejected = case.id
    db.session.execute(Case.__table__.update().where(Case.id == make_rejected)
                       .values(status="rejected", reject_reason="不属于受理范围"))
    db.session.commit()
    assert hotspot_scan(now, town) == 0  # two cases left: the week's warnings are gone
    db.session.commit()
    assert db.session.scalars(select(HotspotWarning).where(HotspotWarning.week == week_of(now, town.tz))).all() == []


def test_factor_is_stored_as_a_decimal(db):
    set_rule(db, "category_rising", factor=Decimal("2.50"))
    assert db.session.scalar(select(HotspotRule.factor).where(HotspotRule.code == "category_rising")) == Decimal("2.50")
