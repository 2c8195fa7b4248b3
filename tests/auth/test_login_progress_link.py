"""The sign-in page leads parties, who have no account, to the progress lookup (issue #13 item 5)."""
import re


def test_the_sign_in_page_links_to_the_progress_lookup(client, app):
    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" id="progress-lookup-link">([^<]+)</a>', page)
    assert link, page
    with app.test_request_context():
        from_app = app.url_for("lookup.form")
    assert link.group(1) == from_app == "/progress/"
    assert link.group(2) == "查询调解进度"
    lookup = client.get(link.group(1))  # open to anyone: no sign-in on the way
    assert lookup.status_code == 200 and "办理进度查询" in lookup.get_data(as_text=True)
