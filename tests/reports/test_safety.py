"""Free text on printouts: phone and ID numbers written into it are masked."""
import pytest

from mediation.core.identity import scrub_identifiers


@pytest.mark.parametrize("text, expected", [
    ("电话13812345678，请回电", "电话138****5678，请回电"),
    ("身份证11010519491231002X。", "身份证110***********002X。"),
    ("身份证110105194912310021", "身份证110***********0021"),
    ("tel:+86 13812345678", "tel:+86 138****5678"),
    ("工单 2026112600012345678", "工单 2026112600012345678"),  # 19 digits: neither a mobile nor an ID
    ("金额 50000 元，编号 XH-2026-000001", "金额 50000 元，编号 XH-2026-000001"),
    ("", ""), (None, ""),
])
def test_scrub_identifiers(text, expected):
    assert scrub_identifiers(text) == expected
