"""One key for "the same address or residential compound": what the hotspot rule
(热点预警, core/hotspots.py) groups cases by, stored in `cases.address_key` at registration.

An address is written many ways ("上海市嘉定区徐行镇小庙村88号", "小庙村８８号（东侧）",
"徐行镇 小庙村 88 号"); its key drops what every address of the town shares (province, city,
district, town or 街道) and what is finer than a household or compound (building, room, landmarks),
and keeps, in this order of preference:

1. a named compound (小区, 花园, 公寓, 新村, 家园, 苑 …): "金地格林小区12号楼301室" → "金地格林小区";
2. a Shanghai lane (弄), itself a compound: "徐行路123弄5号602室" → "徐行路123弄";
3. a house number (号) with the village or road before it: "小庙村3组45号" → "小庙村3组45号".

An address with none of these ("小庙村", "小庙村村委会附近") has no key: a village alone is the
village rule's business, not an address. Plain Python, no database: the migration backfills
existing rows with the same function.
"""
import re
import unicodedata

KEY_MAX = 64  # cases.address_key's length

_HAN = "\u4e00-\u9fff"
_NUMBER = "0-9一二三四五六七八九十百千零〇"
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_SPACES = re.compile(r"[\s·,，、;；:：]+")
_HASH_NUMBER = re.compile(r"([0-9]+)#")  # "5#楼": 5号楼
_MUNICIPALITY = re.compile(r"^(?:中国)?(?:北京|上海|天津|重庆)(?!市)(?=[" + _HAN + r"])")
_PROVINCE = re.compile(rf"^[{_HAN}]{{2,7}}?(?:省|自治区)")
_CITY = re.compile(rf"^[{_HAN}]{{2,6}}?市(?!场)")
_DISTRICT = re.compile(rf"^[{_HAN}]{{1,3}}?(?:新区|区|县)")
_TOWN = re.compile(rf"^[{_HAN}]{{1,4}}?(?:镇|乡|街道)")
# What ends in 区 without being a district: a compound, an industrial park, a campus.
_NOT_DISTRICT = ("小区", "社区", "园区", "校区", "厂区", "景区", "街区", "片区", "住宅区", "开发区", "工业区")
# A named compound ends in one of these; longer markers first, so 新村 wins over 村's boundary.
COMPOUND_MARKERS = ("住宅小区", "小区", "花园", "公寓", "新村", "家园", "大厦", "广场", "公馆", "华庭", "名邸",
                    "山庄", "别墅", "商城", "豪园", "苑", "邸", "府")
# The end of what comes before a compound's name: a village or community, a road and its number.
_BEFORE_COMPOUND = re.compile(rf"(?:村(?!委)|社区|居委会|居委|新区|镇|街道|[0-9]+(?:号|弄)|路|街|大道|公路|组)")
_LANE = re.compile(rf"[{_HAN}0-9]*?(?:路|街|大道|公路)[{_NUMBER}]+弄")
_HOUSE = re.compile(rf"^(?P<place>[{_HAN}0-9]*?)[{_NUMBER}]+号")


def _plain(address: str) -> str:
    """Half-width (NFKC: full-width digits and brackets), no spaces or separators, no bracketed notes."""
    text = unicodedata.normalize("NFKC", address or "")
    text = _BRACKETED.sub("", text)
    text = _SPACES.sub("", text)
    return _HASH_NUMBER.sub(r"\1号", text)


def _strip_regions(text: str) -> str:
    """Drop the province, city, district and town (or 街道) written at the start, each at most once."""
    text = _MUNICIPALITY.sub("", text)
    for pattern in (_PROVINCE, _CITY, _DISTRICT, _TOWN):
        m = pattern.match(text)
        if m and len(m.group(0)) < len(text) and not (pattern is _DISTRICT and m.group(0).endswith(_NOT_DISTRICT)):
            text = text[m.end():]
    return text


def _compound(text: str) -> str | None:
    """The first named compound in `text`: its name from the last village, road or number before it."""
    best = None
    for marker in COMPOUND_MARKERS:
        start = 0
        while (at := text.find(marker, start)) >= 0:
            start = at + 1
            if marker == "府" and text[at - 1:at] == "政":  # 镇政府 is an office, not a compound
                continue
            if best is not None and at >= best[0]:
                break
            before = text[:at]
            boundaries = list(_BEFORE_COMPOUND.finditer(before))
            name_start = boundaries[-1].end() if boundaries else 0
            if at - name_start >= 1:  # a name before the marker: "小区12号" alone names nothing
                best = (at, text[name_start:at + len(marker)])
            break
    return best[1] if best else None


def address_key(address: str | None) -> str | None:
    """The compound, lane or house an address names, written one way; None when it names none of them."""
    text = _strip_regions(_plain(address or ""))
    if not text:
        return None
    key = _compound(text)
    if key is None and (lane := _LANE.match(text)):
        key = lane.group(0)
    if key is None and (house := _HOUSE.match(text)) and re.search(f"[^{_NUMBER}]", house.group("place")):
        key = house.group(0)  # a number with a village or road before it; "5号" alone names nothing
    return key[:KEY_MAX] if key else None


_HOUSE_NUMBER = re.compile(rf"[{_NUMBER}]+号$")


def mask_address_key(key: str | None) -> str:
    """A key fit for a handout read outside the judicial office: a house number names a household
    (小庙村88号 → 小庙村**号); a compound or a lane names hundreds of them and stays."""
    if not key:
        return ""
    return _HOUSE_NUMBER.sub(lambda m: "*" * (len(m.group(0)) - 1) + "号", key)
