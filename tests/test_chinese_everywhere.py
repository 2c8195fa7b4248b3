"""Chinese everywhere: every page every role may open, in the default locale (zh_CN), shows no
English word, and neither do the answers to bad input (empty and overlong fields, domain refusals).

How it works, per role (tests/conftest.py `users`, plus anonymous):
  1. real objects: cases in several states (sessions, an outcome, a supervision, a rejection, a
     merge), a joint meeting with an agenda, routing rules, a channel token, job runs, notices, a
     calendar override, an import batch whose preview has a bad row;
  2. every GET rule of `app.url_map` the role may see, with those objects in its URL, then the
     links found on those pages (same host, GET, at most PER_ENDPOINT URLs per endpoint);
  3. every POST form found on those pages that has a text field, sent empty and sent overlong,
     plus the domain refusals listed in REFUSALS;
  4. each HTML answer's visible text (tags, scripts, styles and <code> removed; attribute values
     never read) must have no run of 3+ Latin letters outside ALLOWED, after dropping emails,
     URLs, case references and code-like tokens (with a digit, "_", "/", "." or "@" inside).

The English-locale pages are not checked: `?lang=...` links are never followed.
"""
import io
import re
from collections import defaultdict, deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from mediation.api.cli import create_token
from mediation.auth.models import User
from mediation.cases.models import Case, RoutingRule
from mediation.cases.services import perform
from mediation.core.lifecycle import Action, Payload, Status
from mediation.db import utcnow
from mediation.jobs.runner import run_job
from mediation.meetings.models import AgendaItem, Meeting
from mediation.organisation.town import current_town

from .test_access_matrix import ROLES

# Words that are Chinese UI as written: product and standard names a Chinese user reads as such.
ALLOWED = {
    "English",  # the language switch names the other language in that language
    "Excel", "PDF", "API",  # product and format names Chinese offices use as they are
    "MiB",  # the unit of an upload's size limit
}
PER_ENDPOINT = 4  # distinct URLs crawled per endpoint (pages, filters): bounded, still all kinds
MAX_PAGES = 400
SKIPPED_PREFIXES = ("/static/", "/bootstrap/", "/api/")
SKIPPED_SUFFIXES = (".pdf", ".xlsx", ".csv")  # files, not pages (prints are checked as HTML)
SKIPPED_ENDPOINTS = {"reports.weekly_pdf", "reports.statistics_xlsx", "auth.logout"}
NO_FORMS = {"/logout"}  # signing out ends the crawl's session

CHINESE_NAMES = {"admin": "管理员甲", "supervisor": "司法所乙", "mediator": "调解员丙", "other_mediator": "调解员丁",
                 "village_mediator": "村调解员戊", "liaison": "民警己", "lawyer": "律师庚", "viewer": "领导辛"}

_CODE_LIKE = re.compile(r"[0-9_/@.:=#<>{}\\]|^[A-Z]{2}\d")
_PUNCTUATION = ".,;:!?()[]'\"“”‘’…、，。；：！？（）"
_LATIN = re.compile(r"[A-Za-z]{3,}")


class _VisibleText(HTMLParser):
    """Text a reader sees: not scripts, styles, code samples, nor any attribute value."""

    HIDDEN = {"script", "style", "code", "kbd", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.chunks: list[str] = []
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "button" and self._form is not None and a.get("name") and (a.get("type") or "submit") == "submit":
            self._form.setdefault("submit", (a["name"], a.get("value", "")))
        if tag in self.HIDDEN:
            self.depth += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "",
                          "fields": [], "text_fields": [], "enctype": a.get("enctype", "")}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = (a.get("type") or "text").lower() if tag == "input" else tag
            if kind in ("button", "image", "reset"):
                return
            if kind == "submit":  # the first named button is the one a click sends
                if not any(n == a["name"] for n, _v in self._form["fields"]):
                    self._form.setdefault("submit", (a["name"], a.get("value", "")))
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "y")))
                return
            if kind == "select":
                self._select = {"name": a["name"], "first": None, "chosen": None}
                return
            if kind == "file":
                self._form["file"] = a["name"]
                return
            self._form["fields"].append((a["name"], a.get("value", "")))
            if kind not in ("hidden",):
                self._form["text_fields"].append((a["name"], kind, a.get("maxlength")))
        elif tag == "option" and self._select is not None:
            if self._select["first"] is None:
                self._select["first"] = a.get("value", "")
            if "selected" in a:
                self._select["chosen"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1
        elif tag == "select" and self._select is not None and self._form is not None:
            value = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
            self._form["fields"].append((self._select["name"], value or ""))
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if not self.depth:
            self.chunks.append(data)


def parse(html: str) -> _VisibleText:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser


def english_words(text: str) -> list[str]:
    """The runs of 3+ Latin letters a Chinese reader would have to read as English."""
    found = []
    for chunk in text.split():
        # "characters." is a word; "app.css" and ".xlsx" are code.
        chunk = chunk.lstrip(_PUNCTUATION.replace(".", "")).rstrip(_PUNCTUATION)
        if _CODE_LIKE.search(chunk):  # also every URL (":", "/") and email address ("@")
            continue
        found += [w for w in _LATIN.findall(chunk) if w not in ALLOWED]
    return found


def findings_of(url: str, html: str) -> list[str]:
    out = []
    for chunk in parse(html).chunks:
        words = english_words(chunk)
        if words:
            out.append(f"{url}: {' '.join(chunk.split())[:160]!r} ({', '.join(words)})")
    return out


# --------------------------------------------------------------------------------------------
# The objects
# --------------------------------------------------------------------------------------------

def _xlsx_with_a_bad_row() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "来电时间", "诉求内容", "联系人", "联系电话", "事发地址", "所属村居", "诉求类型"])
    ws.append(["GD202611200001", "2026-11-20 09:30", "楼上装修噪音扰民", "张三", "13812345678", "徐行镇小庙村88号",
               "小庙村", "噪音"])
    ws.append(["GD202611200005", "2026-11-21 10:00", "宠物扰民", "孙七", "12345", "", "", "邻里纠纷"])
    ws.append(["GD202611200007", "昨天下午", "", "吴九", "", "", "", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def world(app, db, town, users, make_case):
    for role, user in users.items():
        user.display_name = CHINESE_NAMES[role]
    db.session.commit()
    sup, now, tz = users["supervisor"], utcnow(), current_town().tz
    cases = {status: make_case(status) for status in (
        Status.REGISTERED, Status.ACCEPTED, Status.REJECTED, Status.IN_MEDIATION, Status.CLOSED,
        Status.FOLLOWED_UP, Status.ARCHIVED, Status.MERGED)}
    active = cases[Status.IN_MEDIATION]
    make_case.act(active, Action.LOG_SESSION)
    perform(active, Action.SUPERVISE, sup, Payload(reason="请于两周内上报调解进展", due_at=now + timedelta(days=14)),
            now=now, town=current_town())
    suspended = make_case(Status.IN_MEDIATION)
    perform(suspended, Action.SUSPEND, sup, Payload(reason="当事人外出务工"), now=now, town=current_town())
    db.session.commit()
    meeting = Meeting(scheduled_at=now.replace(microsecond=0) + timedelta(days=2))
    db.session.add(meeting)
    db.session.flush()
    db.session.add(AgendaItem(meeting_id=meeting.id, case_id=active.id, reasons=["overdue", "supervised"],
                              added_at=now))
    create_token("hotline_12345", "12345热线系统")
    db.session.commit()

    admin = app.test_client()
    admin.post("/login", data={"username": users["admin"].username, "password": "correct horse battery"})
    admin.post("/admin/routing/defaults")
    admin.post("/admin/calendar", data={"day": "2027-10-09", "is_workday": "1", "note": "国庆调休",
                                          "submit": "y"})
    for name in ("overdue_sweep", "daily_reminders"):  # notices, and job runs for the jobs page
        run_job(name, now + timedelta(days=40))
    db.session.rollback()
    return {"cases": [c.reference for c in (*cases.values(), suspended)], "meeting": meeting.id,
            "active": active.reference, "closed": cases[Status.CLOSED].reference}


# --------------------------------------------------------------------------------------------
# The crawl
# --------------------------------------------------------------------------------------------

def _seed_urls(app, world, db) -> list[str]:
    """Every GET rule with the world's objects in its arguments."""
    ids = {
        "reference": world["cases"], "action_name": [a.value for a in Action],
        "meeting_id": [world["meeting"]],
        "user_id": list(db.session.scalars(select(User.id))),
        "rule_id": list(db.session.scalars(select(RoutingRule.id)))[:2],
        "batch_id": [], "day": [], "policy_id": [], "token_id": [],
    }
    urls = []
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS \
                    or rule.rule.startswith(SKIPPED_PREFIXES):
                continue
            combos = [{}]
            for arg in rule.arguments:
                combos = [{**c, arg: v} for c in combos for v in ids.get(arg, [])]
            if rule.endpoint == "cases.act":  # every action on every case is too many: each action on two
                combos = [c for c in combos if c["reference"] in (world["active"], world["closed"])
                          or c["action_name"] in ("accept", "route", "reject", "merge", "resume")]
            urls += [url_for(rule.endpoint, **c) for c in combos]
    return urls


class Crawl:
    def __init__(self, app, client):
        self.app, self.client = app, client
        self.adapter = app.url_map.bind("localhost")
        self.seen: set[str] = set()
        self.per_endpoint: dict[str, int] = defaultdict(int)
        self.findings: list[str] = []
        self.forms: dict[tuple, tuple[str, dict]] = {}
        self.pages = 0

    def endpoint(self, path: str, method: str = "GET") -> str | None:
        try:
            return self.adapter.match(path, method=method)[0]
        except RequestRedirect:
            return None
        except (NotFound, MethodNotAllowed):
            return None

    def wanted(self, url: str) -> str | None:
        parts = urlparse(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
            return None
        query = parse_qsl(parts.query)
        if any(k == "lang" for k, _v in query) or parts.path.startswith(SKIPPED_PREFIXES) \
                or parts.path.endswith(SKIPPED_SUFFIXES):
            return None
        endpoint = self.endpoint(parts.path)
        if endpoint is None or endpoint in SKIPPED_ENDPOINTS:
            return None
        return parts.path + ("?" + urlencode(sorted(query)) if query else "")

    def run(self, seeds):
        queue = deque(seeds)
        while queue and self.pages < MAX_PAGES:
            url = self.wanted(queue.popleft())
            if url is None or url in self.seen:
                continue
            self.seen.add(url)
            endpoint = self.endpoint(urlparse(url).path)
            if self.per_endpoint[endpoint] >= PER_ENDPOINT and endpoint not in ("cases.act", "cases.detail"):
                continue
            self.per_endpoint[endpoint] += 1
            response = self.client.get(url)
            self.pages += 1
            if response.status_code in (301, 302, 303):
                queue.append(response.headers["Location"])
                continue
            page = self.check(url, response)
            if page is None:
                continue
            queue.extend(urljoin(url, link) for link in page.links)
            for form in page.forms:
                if form["method"] != "post" or not form["text_fields"]:
                    continue
                action = urljoin(url, form["action"] or url)
                path = urlparse(action).path
                key = (self.endpoint(path, "POST"), tuple(sorted(n for n, _v in form["fields"])))
                if path not in NO_FORMS and key not in self.forms:
                    self.forms[key] = (action, form)

    def check(self, url, response) -> _VisibleText | None:
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code in (301, 302, 303) or response.mimetype != "text/html":  # a browser shows neither
            return None
        html = response.get_data(as_text=True)
        self.findings += findings_of(url, html)
        return parse(html)

    def post(self, url, data, **kwargs):
        response = self.client.post(url, data=data, **kwargs)
        self.check(f"POST {url}", response)
        if response.status_code in (302, 303):  # the flash on the next page
            target = response.headers["Location"]
            if self.wanted(target):
                self.check(f"POST {url} -> {target}", self.client.get(target))
        return response

    def submit_bad_forms(self):
        for (_endpoint, _names), (action, form) in list(self.forms.items()):
            base = dict(form["fields"] + ([form["submit"]] if "submit" in form else []))
            empty = {**base, **{name: "" for name, _kind, _max in form["text_fields"]}}
            self.post(action, empty)
            overlong = dict(base)
            long_one = False
            for name, kind, maxlength in form["text_fields"]:
                if maxlength and maxlength.isdigit():
                    overlong[name] = "字" * (int(maxlength) + 1)
                elif kind in ("date", "datetime-local", "number", "email", "tel", "time"):
                    overlong[name] = "不是" * 3
                elif not long_one:
                    overlong[name], long_one = "字" * 20_001, True
            self.post(action, overlong)


# The domain's refusals, each reached through its form: (role, url, data) with {active} the case.
REFUSALS = [
    ("mediator", "/cases/{active}/close", {"outcome": "agreement_written", "answer": "已按督办要求调解"}),
    ("mediator", "/cases/{active}/close", {"outcome": "failed_referred", "answer": "已按督办要求调解"}),
    ("supervisor", "/cases/{active}/extend", {"extension_days": "10", "reason": "延长"}),  # no consent
    ("supervisor", "/cases/{active}/supervise", {"reason": "督办", "due_at": "2001-01-01T10:00"}),
    ("supervisor", "/cases/{closed}/reopen", {"reason": ""}),
]


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_and_every_answer_is_chinese(app, client, db, users, world, login, role):
    crawl = Crawl(app, client)
    if role == "anonymous":
        crawl.check("/login", client.get("/login"))
        crawl.post("/login", {"username": "nobody", "password": "wrong"})
        crawl.post("/login", {"username": "", "password": ""})
        crawl.check("/cases/nope", client.get("/cases/nope"))
    else:
        login(users[role])
        crawl.run(_seed_urls(app, world, db))
        assert crawl.pages >= 5, crawl.seen
        for who, url, data in REFUSALS:
            if who == role:
                version = db.session.scalar(select(Case.version).where(
                    Case.reference == world["active" if "{active}" in url else "closed"]))
                response = crawl.post(url.format(**world), {"version": str(version), **data})
                assert response.status_code == 422, (url, data)  # refused, and the page says why
                if data.get("outcome") == "agreement_written":
                    assert "书面调解协议须载明调解协议内容" in response.get_data(as_text=True)
        # Bad input to an import: a file that is not a spreadsheet, and one with a bad row.
        if role in ("supervisor", "mediator"):
            for content, name in ((b"not a spreadsheet", "x.xlsx"), (_xlsx_with_a_bad_row(), "工单.xlsx")):
                crawl.post("/intake/import/", {"channel": "hotline_12345", "file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
        crawl.submit_bad_forms()
        assert crawl.forms, "no form was sent bad input"
    assert not crawl.findings, f"{role}: English on {len(crawl.findings)} spots:\n" + "\n".join(
        sorted(set(crawl.findings)))


def test_the_checker_finds_english_and_passes_chinese():
    assert english_words("Field cannot be longer than 64 characters.") == [
        "Field", "cannot", "longer", "than", "characters"]
    assert english_words("字段长度不能超过 64 个字符。导出 Excel · XH2026000123 · a@b.cn · overdue_sweep") == []
    assert english_words("状态：Closed.") == ["Closed"] and english_words("“Open”") == ["Open"]
    assert english_words("（.xlsx 或 .csv，不超过 1 MiB） UTF-8") == []
    assert english_words("https://example.com/x app.css 12:30") == []
    page = '<p title="English title">中文<script>var x = "English";</script><code>flask run</code></p><b>Oops</b>'
    assert [f.split(": ", 1)[1] for f in findings_of("/x", page)] == ["'Oops' (Oops)"]
