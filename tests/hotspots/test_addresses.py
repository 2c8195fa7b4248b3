"""The address key (core/addresses.py): one key for the same compound, lane or house, however written."""
import pytest

from mediation.core.addresses import address_key, mask_address_key

SAME_PLACE = [
    # (address as typed, its key)
    ("徐行镇小庙村88号", "小庙村88号"),
    ("上海市嘉定区徐行镇小庙村88号", "小庙村88号"),
    ("上海嘉定区徐行镇小庙村88号", "小庙村88号"),
    ("嘉定区徐行镇小庙村８８号（东侧）", "小庙村88号"),
    ("徐行镇 小庙村 88 号", "小庙村88号"),
    ("小庙村88号3室", "小庙村88号"),
    ("嘉定区徐行镇金地格林小区12号楼301室", "金地格林小区"),
    ("金地格林小区5号楼", "金地格林小区"),
    ("上海市嘉定区徐行镇金地格林小区", "金地格林小区"),
    ("徐行路123弄金地格林小区5号602室", "金地格林小区"),
    ("嘉定区徐行镇徐行路123弄5号602室", "徐行路123弄"),
    ("徐行路１２３弄２０号", "徐行路123弄"),
    ("嘉定区徐行镇新建一路500弄12号", "新建一路500弄"),
    ("上海市嘉定区徐行镇小庙村3组45号", "小庙村3组45号"),
    ("伏虎村东宅12号", "伏虎村东宅12号"),
    ("曹王社区嘉新公寓5号", "嘉新公寓"),
    ("小庙村曹王新村3号", "曹王新村"),
    ("徐行镇徐行村钱家宅20号旁", "徐行村钱家宅20号"),
    ("徐行路88号3号楼", "徐行路88号"),
    ("上海市嘉定区菊园新区嘉怡苑10号", "嘉怡苑"),
    ("浦东新区张江镇汤臣豪园", "汤臣豪园"),
    ("徐行镇格林小区5#楼201", "格林小区"),
    ("嘉定区徐行镇澄浏公路3000号", "澄浏公路3000号"),
    ("上海市嘉定区徐行镇曹王村十二号", "曹王村十二号"),
]

NO_PLACE = ["", "   ", "小庙村", "徐行镇小庙村", "小庙村村委会附近", "徐行镇政府", "5号", "5#楼", "徐行镇和桥村1组",
            "上海市嘉定区"]


@pytest.mark.parametrize("address,key", SAME_PLACE)
def test_an_address_names_its_compound_lane_or_house(address, key):
    assert address_key(address) == key


@pytest.mark.parametrize("address", NO_PLACE)
def test_a_village_or_an_office_alone_has_no_key(address):
    assert address_key(address) is None


def test_different_houses_and_villages_stay_apart():
    assert address_key("小庙村88号") != address_key("小庙村89号")
    assert address_key("小庙村88号") != address_key("钱桥村88号")
    assert address_key("金地格林小区") != address_key("金地格林花园")
    assert address_key("徐行路123弄5号") != address_key("徐行路125弄5号")


def test_a_key_is_bounded():
    assert len(address_key("小庙村" + "东" * 200 + "8号")) == 64


def test_a_house_number_is_masked_for_the_handout_a_compound_is_not():
    assert mask_address_key("小庙村88号") == "小庙村**号"
    assert mask_address_key("小庙村3组45号") == "小庙村3组**号"
    assert mask_address_key("金地格林小区") == "金地格林小区"
    assert mask_address_key("徐行路123弄") == "徐行路123弄"
    assert mask_address_key(None) == ""
