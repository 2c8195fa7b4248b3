"""Every message the code can show has its Chinese: the msgids of `_()`, `_l()`, `N_()` and of
every DomainError (and its kinds) raised anywhere, extracted with pybabel as `make
extract-messages` does, each need a non-empty, non-fuzzy msgstr in the zh catalog. This reaches
the refusals and messages no crawl of the pages happens to trigger.

Also: WTForms' own messages (required, too long, not a date), which come from WTForms' bundled
catalog, answer in Chinese on a form and on a nested subform (a party of the registration form).
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "mediation" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
BASE_KEYWORDS = ("_", "_l", "N_", "gettext", "lazy_gettext", "ngettext")


def domain_error_classes() -> set[str]:
    """DomainError and every class deriving from it (by name, through the whole package)."""
    bases: dict[str, set[str]] = {}
    for path in (ROOT / "mediation").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases)
    found = {"DomainError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def message_helpers(errors: set[str]) -> set[str]:
    """Functions that raise a DomainError with one of their own parameters as its message, e.g.
    lifecycle's `_need(value, field, message)`: as pybabel keywords "name:position"."""
    found = set()
    for path in (ROOT / "mediation").rglob("*.py"):
        for func in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(func, ast.FunctionDef):
                continue
            params = [a.arg for a in func.args.args]
            for node in ast.walk(func):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                        and getattr(node.exc.func, "id", None) in errors and node.exc.args \
                        and isinstance(node.exc.args[0], ast.Name) and node.exc.args[0].id in params:
                    found.add(f"{func.name}:{params.index(node.exc.args[0].id) + 1}")
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    errors = domain_error_classes()
    keywords = [arg for k in sorted(errors | message_helpers(errors)) for arg in ("-k", k)]
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "--ignore-dirs", ".*", "-k", "_l", "-k", "N_", *keywords, "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return read_po(f)


def test_the_extraction_sees_the_domain_errors(extracted):
    ids = {m.id for m in extracted if m.id}
    assert "No case with that reference." in ids  # DomainError(...) in a view
    assert "A written agreement needs what was agreed." in ids  # through lifecycle's _need(...)
    assert len(ids) > 500


def test_every_message_has_its_chinese(extracted):
    with CATALOG.open("rb") as f:
        zh = read_po(f)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        key = message.id if not message.context else (message.id, message.context)
        entry = zh.get(message.id, context=message.context)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            empty = not all(strings)
        else:
            empty = not strings
        if entry is None or empty or entry.fuzzy:
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            missing.append(f"{key!r} ({where})")
    assert not missing, f"{len(missing)} messages without Chinese in {CATALOG.name}:\n" + "\n".join(missing)


def test_wtforms_own_messages_are_chinese(client, users, login):
    login(users["supervisor"])
    page = client.post("/intake/register", data={
        "channel": "walk_in", "summary": "", "address": "字" * 300, "received_at": "不是日期",
        "parties-0-name": "字" * 65, "parties-0-role": "applicant"}).get_data(as_text=True)
    assert "字段长度不能超过 64 个字符" in page  # the nested party form (a plain wtforms Form)
    assert "Field cannot be longer" not in page and "Not a valid" not in page
    assert "This field is required" not in page


def test_a_required_and_a_length_error_in_chinese(client, users, login):
    login(users["admin"])
    page = client.post("/admin/calendar", data={"day": "", "is_workday": "0", "note": "字" * 65,
                                                 "submit": "y"}).get_data(
        as_text=True)
    assert "字段长度不能超过 64 个字符" in page
    assert "该字段是必填字段" in page or "此字段为必填项" in page
    english = client.post("/admin/calendar?lang=en", data={"day": "", "note": "x" * 65, "submit": "y"}).get_data(as_text=True)
    assert "Field cannot be longer than 64 characters." in english  # the same message, English asked for
