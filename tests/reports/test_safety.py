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


@pytest.mark.parametrize("text, names, keep, expected", [
    ("张三反映李四家漏水，李四不理", ["李四"], ["张三"], "张三反映李*家漏水，李*不理"),
    ("欧阳明月与王五争执", ["欧阳明月", "王五"], [], "欧**月与王*争执"),
    ("张三丰与张三", ["张三"], ["张三丰"], "张三丰与张*"),  # the reader's own longer name stays whole
    ("李四电话13900001111", ["李四"], [], "李*电话139****1111"),  # numbers scrubbed too
    ("王说了算", ["王"], [], "王说了算"),  # one character is no name to look for
    ("", ["李四"], [], ""),
])
def test_mask_names_in(text, names, keep, expected):
    from mediation.reports.safety import mask_names_in

    assert mask_names_in(text, names, keep) == expected
