"""Each scan records its week (hotspot_scans): a week whose scan found nothing shows "scanned, no
warnings", never the warnings of the last week that had some; the dashboard shows this week only,
the handout the scan of its meeting's week."""
import importlib.util
from datetime import timedelta
from pathlib import Path

from flask import render_template
from sqlalchemy import select, text

from mediation.cases.models import Party
from mediation.core.statistics import week_of
from mediation.hotspots.models import HotspotScan, HotspotWarning
from mediation.hotspots.services import dashboard_panel, hotspot_scan, weekly_hotspots
from mediation.organisation.town import current_town

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0024_hotspot_scans.py"


def scanned(db, at):
    found = hotspot_scan(at, current_town())
    db.session.commit()
    return found


def old_cluster(register, db, now):
    """Three 邻里 cases in 小庙村 received 30-32 days ago: a warning for last week's scan (its four
    weeks reach them), none for this week's (they are older than four weeks by now)."""
    cases = [register(days_ago=30 + n) for n in range(3)]
    assert scanned(db, now - timedelta(days=7)) == 1
    return cases


def test_every_scan_records_its_week_with_the_warnings(register, db, now):
    town = current_town()
    for n in range(3):
        register(days_ago=n + 1)
    hotspot_scan(now, town)
    db.session.rollback()  # one transaction: neither the warnings nor the scan are left
    assert db.session.scalars(select(HotspotScan)).all() == []
    assert db.session.scalars(select(HotspotWarning)).all() == []
    assert scanned(db, now) == 1
    assert scanned(db, now + timedelta(seconds=5)) == 1  # again this week: one row, the last scan's
    row = db.session.scalar(select(HotspotScan))
    assert (row.week, row.warnings, row.scanned_at) == (week_of(now, town.tz), 1, now + timedelta(seconds=5))
    assert len(db.session.scalars(select(HotspotScan)).all()) == 1


def test_a_scan_that_finds_nothing_is_recorded(register, db, now):
    register(days_ago=1)
    assert scanned(db, now) == 0
    row = db.session.scalar(select(HotspotScan))
    assert (row.week, row.warnings) == (week_of(now, current_town().tz), 0)


def test_after_an_empty_scan_the_list_shows_the_new_week_with_none(client, login, users, register, db, now):
    cases = old_cluster(register, db, now)
    this_week = week_of(now, current_town().tz)
    login(users["supervisor"])
    response = client.post("/hotspots/scan")  # "scan now": nothing this week
    assert response.status_code == 303
    page = client.get("/hotspots/").get_data(as_text=True)
    assert "扫描完成：本周预警 0 条" in page
    assert f"{this_week.isoformat()} 所在周的扫描" in page
    assert 'id="hotspot-none"' in page and "未发现预警" in page
    assert 'class="hotspot-warning"' not in page and cases[0].reference not in page
    assert 'id="hotspot-not-scanned"' not in page
    # The earlier week is still there, as its own.
    earlier = client.get(f"/hotspots/?week={(this_week - timedelta(days=7)).isoformat()}").get_data(as_text=True)
    assert earlier.count('class="hotspot-warning"') == 1 and cases[0].reference in earlier
    assert f"{(this_week - timedelta(days=7)).isoformat()} 所在周的扫描" in earlier


def test_this_week_not_scanned_yet_says_so_above_the_last_scan(client, login, users, register, db, now):
    cases = old_cluster(register, db, now)
    this_week = week_of(now, current_town().tz)
    login(users["supervisor"])
    page = client.get("/hotspots/").get_data(as_text=True)
    assert f"{this_week.isoformat()} 所在周尚未扫描" in page and "以下为此前最近一次扫描的结果" in page
    assert f"{(this_week - timedelta(days=7)).isoformat()} 所在周的扫描" in page and cases[0].reference in page


def test_no_scan_ever(client, login, users):
    login(users["supervisor"])
    page = client.get("/hotspots/").get_data(as_text=True)
    assert "尚未进行过扫描" in page and 'class="hotspot-warning"' not in page


def test_dashboard_shows_this_week_only(app, register, db, now):
    town = current_town()
    old_cluster(register, db, now)
    panel = dashboard_panel(now, town)
    assert (panel["scanned"], panel["total"], panel["top"]) == (False, 0, [])
    with app.test_request_context("/supervision/?lang=zh_CN"):
        html = render_template("hotspots/_dashboard.html", hotspots=panel)
    assert "本周尚未扫描" in html and "hotspot-top" not in html and 'id="hotspot-total"' not in html
    scanned(db, now)
    panel = dashboard_panel(now, town)
    assert (panel["scanned"], panel["total"], panel["week"]) == (True, 0, week_of(now, town.tz))
    assert panel["counts"] == {"village_category": 0, "address_category": 0, "category_rising": 0,
                               "same_respondent": 0}
    with app.test_request_context("/supervision/?lang=zh_CN"):
        html = render_template("hotspots/_dashboard.html", hotspots=panel)
    assert 'id="hotspot-total">0<' in html and "未发现预警" in html and "hotspot-top" not in html


def test_the_handout_shows_the_scan_of_its_meetings_week(app, register, db, now):
    town = current_town()
    cases = old_cluster(register, db, now)
    this_week = week_of(now, town.tz)
    reviewed = this_week - timedelta(days=7)  # the handout of last week, for this week's meeting

    def section(monday):
        found = weekly_hotspots(monday, now, town)
        with app.test_request_context("/reports/weekly?lang=zh_CN"):
            return found, render_template("hotspots/_weekly.html", hotspots=found)

    found, html = section(reviewed)  # this week not scanned yet: says so, shows no earlier warning
    assert found.week is None and found.warnings == []
    assert f"{this_week.isoformat()} 所在周尚未扫描" in html and cases[0].reference not in html
    scanned(db, now)  # this week's scan finds nothing
    found, html = section(reviewed)
    assert found.week == this_week and found.warnings == []
    assert "未发现预警" in html and cases[0].reference not in html and "小庙村 · 邻里" not in html
    # The handout of the week before shows its own meeting's scan, the one that found the cluster.
    found, html = section(reviewed - timedelta(days=7))
    assert found.week == reviewed and [w.rule for w in found.warnings] == ["village_category"]
    assert cases[0].reference in html


def test_the_list_page_reads_as_many_queries_for_an_empty_scan_as_for_a_full_one(client, login, users, register,
                                                                                  db, now, count_queries):
    login(users["supervisor"])

    def statements():
        with count_queries() as issued:
            assert client.get("/hotspots/").status_code == 200
        return len(issued)

    scanned(db, now)
    empty = statements()
    for n in range(3):
        register(days_ago=n + 1)
    assert scanned(db, now) == 1
    assert statements() == empty


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0024", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_records_the_weeks_scanned_before_it(db, now):
    town = current_town()
    week = week_of(now, town.tz)
    for n, key in enumerate(("a", "b")):
        db.session.add(HotspotWarning(week=week, rule="village_category", key=key, count=3, case_ids=[], details={},
                                      found_at=now - timedelta(minutes=n)))
    db.session.add(HotspotWarning(week=week - timedelta(days=7), rule="village_category", key="a", count=3,
                                  case_ids=[], details={}, found_at=now - timedelta(days=7)))
    db.session.commit()
    with db.engine.begin() as conn:
        _migration()._record_past_scans(conn)
    rows = {r.week: (r.warnings, r.scanned_at) for r in db.session.scalars(select(HotspotScan))}
    assert rows == {week: (2, now), week - timedelta(days=7): (1, now - timedelta(days=7))}


def test_the_migration_takes_the_key_from_people_named_like_shops(register, db):
    people = [register(respondent=name) for name in ("王店生", "陈中心", "赵银行")]
    company = register(respondent="上海嘉定物流有限公司徐行分公司")
    applicant = register(applicant="上海嘉定物流有限公司")
    # The keys the old rule stored (a marker anywhere in the name), and one it missed.
    db.session.execute(text("UPDATE parties SET name_key = name WHERE role = 'respondent'"))
    db.session.execute(text("UPDATE parties SET name_key = 'x' WHERE role = 'applicant' AND case_id = :id"),
                       {"id": applicant.id})
    db.session.commit()
    migration = _migration()
    migration.BATCH = 2  # several batches
    with db.engine.begin() as conn:
        migration._rekey_respondents(conn)
    db.session.expire_all()
    keys = {(p.case_id, p.role): p.name_key for p in db.session.scalars(select(Party))}
    assert all(keys[(c.id, "respondent")] is None for c in people)
    assert keys[(company.id, "respondent")] == "上海嘉定物流有限公司徐行分"
    assert keys[(applicant.id, "applicant")] is None
    assert all(keys[(c.id, "applicant")] is None for c in people)
