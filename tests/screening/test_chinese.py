"""The screening pages, their refusals, the notices and the partials read in Chinese (the crawl in
tests/test_chinese_everywhere.py checks the same, with its checker, over the whole app)."""
from datetime import date, datetime

from flask import render_template

from mediation.organisation.town import current_town
from mediation.screening.reminders import screening_reminders
from mediation.screening.services import screening_period, screening_summary

from ..test_chinese_everywhere import findings_of
from .conftest import NOW, SH


def test_pages_and_answers_are_chinese(app, db, login, users, members, pin):
    for n, user in enumerate([*users.values(), *members.values()]):
        user.display_name = f"调解员{'甲乙丙丁戊己庚辛壬癸子丑'[n]}"  # the test users' names are English
    db.session.commit()
    client = login(members["xiaomiao"])
    pages = {"/screening/": client.get("/screening/"),
             "refused": client.post("/screening/", data={"nil_report": "y", "disputes_found": "2", "mediated": "3",
                                                         "risks_and_hazards": "x"}),
             "empty": client.post("/screening/", data={}),
             "negative": client.post("/screening/", data={"disputes_found": "-2", "in_progress": "x"})}
    client.post("/screening/", data={"disputes_found": "2", "mediated": "1", "risks_and_hazards": "危房"})
    pages["flash"] = client.get("/screening/")
    pages["bad month"] = client.get("/screening/?month=x")
    pages["closed"] = client.get("/screening/?month=2026-01")
    pin(datetime(2026, 11, 27, 9, 0, tzinfo=SH))
    screening_reminders(datetime(2026, 11, 27, 9, 0, tzinfo=SH), current_town())
    db.session.commit()
    supervisor = login(users["supervisor"])
    pages["overview"] = supervisor.get("/screening/overview")
    pages["notices"] = supervisor.get("/notifications/")
    admin = login(users["admin"])
    pages["settings"] = admin.get("/screening/settings")
    pages["settings refused"] = admin.post("/screening/settings", data={"due_day": "30", "remind_days": ""})
    findings = [f for url, r in pages.items() for f in findings_of(url, r.get_data(as_text=True))]
    with app.test_request_context():
        findings += findings_of("weekly", render_template("screening/_weekly.html",
                                                          screening=screening_summary(date(2026, 11, 1), NOW,
                                                                                      current_town())))
        findings += findings_of("statistics", render_template("screening/_statistics.html",
                                                              screening_period=screening_period(date(2026, 11, 1),
                                                                                                date(2026, 11, 30))))
    assert findings == []
