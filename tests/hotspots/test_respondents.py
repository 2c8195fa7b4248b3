"""Respondents matched by the same-respondent rule: organisations, their names written one way."""
from datetime import time

import pytest

from mediation.core.hotspots import DEFAULTS, RULE_CODES, is_organisation, party_name_key, respondent_key, scan_schedule
from mediation.core.schedules import Weekly
from mediation.core.town import MeetingSchedule

ONE_COMPANY = ["上海嘉定物流有限公司", "上海嘉定物流有限责任公司", "上海市嘉定物流有限公司", "上海嘉定物流公司",
               "上海 嘉定 物流 有限公司", "上海嘉定物流有限公司\u3000", "上海嘉定物流股份有限公司"]


@pytest.mark.parametrize("name", ONE_COMPANY)
def test_legal_forms_spaces_and_the_city_do_not_split_a_company(name):
    assert respondent_key(name) == "上海嘉定物流"


def test_full_width_letters_and_brackets_are_half_width():
    assert respondent_key("ＡＢＣ物业管理有限公司") == respondent_key("abc物业管理公司") == "abc物业管理"
    assert respondent_key("鑫源（上海）建材有限公司") == respondent_key("鑫源(上海)建材有限公司") == "鑫源(上海)建材"


def test_different_companies_stay_apart():
    assert respondent_key("上海嘉定物流有限公司") != respondent_key("上海嘉行物流有限公司")
    assert respondent_key("金地物业") != respondent_key("金桥物业")


@pytest.mark.parametrize("name", ["张三", "欧阳明月", "李四", "王小明", "", None])
def test_people_are_not_matched_by_name(name):
    assert not is_organisation(name)
    assert respondent_key(name) is None


@pytest.mark.parametrize("name", ["徐行五金店", "金地物业", "小庙村股份经济合作社", "嘉定区中心医院", "徐行镇服装厂",
                                  "恒丰集团", "嘉定区某驾校"])
def test_organisations_of_many_kinds(name):
    assert is_organisation(name)
    assert respondent_key(name)


# People whose names hold the characters of a marker, inside or as the given name (issue: 王店生 and
# 赵银行 were taken for a shop and a bank, named in full on the warnings and the handout).
PEOPLE_LIKE_SHOPS = ["王店生", "李厂华", "陈中心", "赵银行", "孙超市", "周物业", "吴集团", "郑医院", "冯学校", "钱公司",
                     "刘店", "何厂", "张小店", "李大厂", "王店长生", "陈中心华", "赵银行顺", "欧阳店生", "司马厂华",
                     "黄合作", "林公司明", "（王店生）", "王店生(个体)"]
ORGANISATIONS = ["上海嘉定物流有限公司", "徐行镇小庙村股份经济合作社", "某某物业管理中心", "张记饭店",
                 "上海嘉定物流有限公司徐行分公司", "中国工商银行嘉定支行", "上海农商银行徐行分行", "小庙村农民专业合作社",
                 "张三摄影工作室", "徐行五金店", "老王小吃店", "嘉定区徐行镇服装厂", "恒丰集团", "金地物业",
                 "金地物业管理处", "徐行镇社区卫生服务中心", "嘉定区中心医院", "嘉定区某驾校", "徐行镇小庙村村民委员会",
                 "小庙村村委会", "上海某某投资中心（有限合伙）", "上海 嘉定 物流 有限公司", "徐行农贸市场",
                 "上海市嘉定区徐行镇人民政府", "华联超市", "新苗培训"]


@pytest.mark.parametrize("name", PEOPLE_LIKE_SHOPS)
def test_a_person_named_like_a_shop_is_a_person(name):
    assert not is_organisation(name)
    assert respondent_key(name) is None and party_name_key("respondent", name) is None


@pytest.mark.parametrize("name", ORGANISATIONS)
def test_an_organisation_is_named_by_its_last_word(name):
    assert is_organisation(name)
    assert party_name_key("respondent", name)


def test_the_marker_must_end_the_name():
    assert is_organisation("张记饭店") and not is_organisation("张记饭店老板")
    assert is_organisation("徐行物流公司") and not is_organisation("徐行公司王明")
    # A single-character marker needs four characters in all; a longer one two before it.
    assert not is_organisation("五金店") and is_organisation("徐行五金店")
    assert not is_organisation("赵银行") and is_organisation("农商银行")


def test_a_bare_legal_form_is_no_name():
    assert respondent_key("有限公司") is None


def test_only_respondents_get_a_key():
    assert party_name_key("respondent", "上海嘉定物流有限公司") == "上海嘉定物流"
    assert party_name_key("applicant", "上海嘉定物流有限公司") is None
    assert party_name_key("respondent", "李四") is None


def test_defaults_are_the_issues_thresholds():
    assert [(DEFAULTS[c].min_count, DEFAULTS[c].window_weeks) for c in RULE_CODES] == [(3, 4), (3, 4), (5, 1), (3, 8)]
    assert str(DEFAULTS["category_rising"].factor) == "2.00"


def test_the_scan_runs_an_hour_before_the_agenda_is_built():
    # A Thursday 9:00 meeting, agenda 24 hours before: Wednesday 8:00.
    assert scan_schedule(MeetingSchedule()) == Weekly(2, time(8, 0))
    # Monday 8:30 meeting, agenda Sunday 8:30 → Sunday 7:30.
    assert scan_schedule(MeetingSchedule(weekday=0, at=time(8, 30))) == Weekly(6, time(7, 30))
    # An agenda at 00:30 moves the scan to the day before.
    assert scan_schedule(MeetingSchedule(weekday=3, at=time(0, 30))) == Weekly(1, time(23, 30))
