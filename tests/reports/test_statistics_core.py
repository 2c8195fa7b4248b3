"""mediation.core.statistics: weekly figures and period statistics from plain rows, no app."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mediation.core.statistics import (SOURCE_OF_CHANNEL, ClosedTally, Source, bucket_bounds, capped,
                                       fixed_utc_offset, local_bounds, period_statistics, source_of,
                                       tally_closed_cases, tally_new_cases, trend_weeks, week_before_meeting,
                                       week_of, week_start, weekly_trend)
from mediation.core.vocab import CATEGORIES, Channel

SH = ZoneInfo("Asia/Shanghai")


def test_weeks_run_monday_to_sunday():
    assert week_start(date(2026, 11, 26)) == date(2026, 11, 23)  # a Thursday
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)  # a Monday
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)  # a Sunday


def test_the_week_is_taken_in_the_towns_zone():
    # Sunday 20:00 UTC is already Monday 04:00 in Shanghai: the next week.
    assert week_of(datetime(2026, 11, 29, 20, 0, tzinfo=timezone.utc), SH) == date(2026, 11, 30)
    assert week_of(datetime(2026, 11, 29, 15, 59, tzinfo=timezone.utc), SH) == date(2026, 11, 23)


def test_a_meeting_reviews_the_full_week_before_its_own():
    thursday_meeting = datetime(2026, 11, 26, 9, 0, tzinfo=SH)
    assert week_before_meeting(thursday_meeting, SH) == date(2026, 11, 16)
    monday_meeting = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    assert week_before_meeting(monday_meeting, SH) == date(2026, 11, 16)


def test_local_bounds_cover_whole_local_days():
    start, end = local_bounds(date(2026, 11, 23), date(2026, 11, 29), SH)
    assert start == datetime(2026, 11, 23, tzinfo=SH)
    assert end == datetime(2026, 11, 30, tzinfo=SH)
    assert start.astimezone(timezone.utc) == datetime(2026, 11, 22, 16, 0, tzinfo=timezone.utc)


def test_trend_weeks_and_their_bounds():
    mondays = trend_weeks(date(2026, 11, 23))
    assert len(mondays) == 8 and mondays[-1] == date(2026, 11, 23) and mondays[0] == date(2026, 10, 5)
    bounds = bucket_bounds(mondays, SH)
    assert len(bounds) == 9
    assert bounds[0] == datetime(2026, 10, 5, tzinfo=SH) and bounds[-1] == datetime(2026, 11, 30, tzinfo=SH)


def test_every_channel_has_a_ministry_source():
    assert set(SOURCE_OF_CHANNEL) == {c.value for c in Channel}
    assert source_of("grid_patrol") == Source.OWN_INITIATIVE
    assert source_of("walk_in") == source_of("dispute_platform") == Source.APPLICATION
    # 12345 work orders are dispatched by the government hotline: referred, like 110 and referrals.
    assert source_of("hotline_12345") == source_of("police_110") == source_of("referral") == Source.REFERRED


def test_new_cases_are_tallied_by_channel_category_and_office():
    rows = [("hotline_12345", "邻里", 1, 2), ("police_110", "邻里", 2, 1), ("hotline_12345", "合同", None, 3),
            ("grid_patrol", "某新类别", 1, 1)]
    new = tally_new_cases(rows)
    assert new.total == 7
    assert list(new.by_channel)[:2] == ["hotline_12345", "police_110"]  # vocabulary order, zeros kept
    assert new.by_channel == {"hotline_12345": 5, "police_110": 1, "grid_patrol": 1, "dispute_platform": 0,
                              "walk_in": 0, "referral": 0}
    assert list(new.by_category)[:len(CATEGORIES)] == list(CATEGORIES)
    assert new.by_category["邻里"] == 3 and new.by_category["合同"] == 3 and new.by_category["某新类别"] == 1
    assert new.by_category["婚姻家庭"] == 0
    assert new.by_office == {None: 3, 1: 3, 2: 1}
    assert list(new.by_office) == [1, None, 2]  # largest first; a tie puts routed offices first


def test_closed_cases_success_rate_and_average_days():
    closed = tally_closed_cases([("agreement_written", 2, 12.0), ("agreement_oral", 1, 1.0),
                                 ("failed_referred", 1, 3.0)])
    assert closed.total == 4 and closed.successful == 3
    assert closed.success_rate == pytest.approx(0.75)
    assert closed.average_days == pytest.approx(4.0)
    assert closed.by_outcome["withdrawn"] == 0
    empty = tally_closed_cases([])
    assert empty.total == 0 and empty.success_rate is None and empty.average_days is None


def test_weekly_trend_fills_empty_weeks():
    mondays = trend_weeks(date(2026, 11, 23), 3)
    trend = weekly_trend(mondays, [(0, 4), (2, 1)], [(1, 2)])
    assert [(p.week, p.new, p.closed) for p in trend] == [
        (date(2026, 11, 9), 4, 0), (date(2026, 11, 16), 0, 2), (date(2026, 11, 23), 1, 0)]


def test_period_statistics_by_category_and_source():
    received = [("邻里", "grid_patrol", 2), ("邻里", "walk_in", 1), ("邻里", "hotline_12345", 4),
                ("合同", "dispute_platform", 3), ("=1+2", "referral", 1)]
    closed = [("邻里", "hotline_12345", "agreement_written", 2, Decimal("1500.50")),
              ("邻里", "walk_in", "failed_referred", 1, None),
              ("合同", "grid_patrol", "agreement_oral", 1, Decimal("200")),
              ("合同", "grid_patrol", "withdrawn", 1, Decimal("999"))]  # not an agreement: not settled
    stats = period_statistics(received, closed, escalation_prevented=2)
    rows = {r.category: r for r in stats.rows}
    assert [r.category for r in stats.rows[:len(CATEGORIES)]] == list(CATEGORIES)
    assert stats.rows[-1].category == "=1+2"  # a category outside the ministry's list comes last
    assert rows["邻里"].received == {Source.OWN_INITIATIVE: 2, Source.APPLICATION: 1, Source.REFERRED: 4}
    assert rows["邻里"].received_total == 7
    assert rows["合同"].received[Source.APPLICATION] == 3
    assert rows["邻里"].closed == 3 and rows["邻里"].successful == 2 and rows["邻里"].amount == Decimal("1500.50")
    assert rows["合同"].closed == 2 and rows["合同"].successful == 1 and rows["合同"].amount == Decimal("200")
    assert stats.totals.received == {Source.OWN_INITIATIVE: 2, Source.APPLICATION: 4, Source.REFERRED: 5}
    assert stats.totals.closed == 5 and stats.totals.successful == 3
    assert stats.totals.amount == Decimal("1700.50")
    assert stats.success_rate == pytest.approx(0.6)
    assert stats.by_outcome == {"agreement_written": 2, "agreement_oral": 1, "failed_referred": 1,
                                "withdrawn": 1, "transferred_out": 0}
    assert stats.by_source_closed == {Source.OWN_INITIATIVE: 2, Source.APPLICATION: 1, Source.REFERRED: 2}
    assert stats.escalation_prevented == 2


def test_amounts_given_as_floats_stay_exact():
    """SQLite may hand a SUM back as a float; the total must not grow binary noise."""
    stats = period_statistics([], [("邻里", "walk_in", "agreement_oral", 1, 0.1), ("邻里", "walk_in", "agreement_oral", 1, 0.2)])
    assert stats.totals.amount == Decimal("0.3")


def test_a_capped_list_counts_what_it_leaves_out():
    listed = capped(["a", "b"], 40)
    assert listed.shown == ["a", "b"] and listed.total == 40 and listed.more == 38
    assert capped([], 0).more == 0
    assert capped(["a"], 0).total == 1  # a total never below the rows shown (counted a moment apart)


def test_closed_cases_tallied_one_by_one_make_the_group_by_rows():
    """The Excel export counts the closed cases as they stream past; the figures must be those of
    the GROUP BY the statistics page runs over the same cases."""
    tally = ClosedTally()
    for amount in [0.1] * 10:  # as SQLite gives amounts: floats
        tally.add("邻里", "walk_in", "agreement_oral", amount)
    tally.add("邻里", "walk_in", "agreement_oral", Decimal("1500.50"), prevented=True)
    tally.add("邻里", "walk_in", "failed_referred", None)
    tally.add("合同", "referral", "agreement_written", 200, prevented=True)
    rows = sorted(tally.rows())
    assert rows == [("合同", "referral", "agreement_written", 1, Decimal("200.00")),
                    ("邻里", "walk_in", "agreement_oral", 11, Decimal("1501.50")),
                    ("邻里", "walk_in", "failed_referred", 1, Decimal("0.00"))]
    assert tally.escalation_prevented == 2
    stats = period_statistics([], rows, escalation_prevented=tally.escalation_prevented)
    assert stats.totals.closed == 13 and stats.totals.successful == 12 and stats.totals.amount == Decimal("1701.50")


def test_a_zone_without_summer_time_has_one_offset():
    assert fixed_utc_offset(SH, 2000, 2100) == timedelta(hours=8)
    assert fixed_utc_offset(SH, 1985, 2000) is None  # China kept summer time 1986-1991
    assert fixed_utc_offset(ZoneInfo("Europe/Berlin"), 2020, 2021) is None
    assert fixed_utc_offset(ZoneInfo("UTC"), 2000, 2100) == timedelta(0)


def test_satisfaction_tally_and_rate():
    from mediation.core.statistics import tally_satisfaction

    sat = tally_satisfaction([("satisfied", 6), ("dissatisfied", 2), (None, 3), ("fairly_satisfied", 2), ("odd", 1)])
    assert sat.counts == {"satisfied": 6, "fairly_satisfied": 2, "dissatisfied": 2}  # in vocabulary order
    assert sat.unrecorded == 4 and sat.total == 10 and sat.rate == pytest.approx(0.8)
    empty = tally_satisfaction([])
    assert empty.counts == {"satisfied": 0, "fairly_satisfied": 0, "dissatisfied": 0} and empty.rate is None
    assert tally_satisfaction([(None, 5)]).rate is None
    assert period_statistics([], [], satisfaction_rows=[("dissatisfied", 1)]).satisfaction.rate == 0
