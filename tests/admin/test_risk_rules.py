"""The risk rules' weights and thresholds are shown to the admin (issue #11 item 6)."""
from mediation.core.risk import ELDERLY_AGE, HIGH_AMOUNT, REPEAT_WINDOW_DAYS, RULES


def test_admin_sees_every_rule_and_threshold(client, users, login):
    login(users["admin"])
    page = client.get("/admin/risk/").get_data(as_text=True)
    assert "激化风险规则" in page and "老年人年龄起点" in page
    assert f"<td>{ELDERLY_AGE}</td>" in page and f"<td>{REPEAT_WINDOW_DAYS}</td>" in page
    assert f"{HIGH_AMOUNT:,}" in page
    assert page.count("<tr><td>") >= len(RULES) + 6
    login(users["supervisor"])
    assert client.get("/admin/risk/").status_code == 403
